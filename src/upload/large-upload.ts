import { withUploadRetries } from '../b2/target-upload.js';
import type { PartTarget, StoredPart, UploadResult, UploadSession } from './broker-client.js';
import { brokerCall, createWaits, pausable, type RunContext, runRetryHooks } from './context.js';
import { isUploadError, UploadError } from './errors.js';
import { fingerprint } from './fingerprint.js';
import { partTransport } from './part-transport.js';
import { type PartPlan, partPlan, partRange, proposePartSize } from '../protocol.js';
import { ProgressTracker } from './progress.js';
import type { ResumeRecord } from './resume-store.js';
import { fileChanged, toUploadError, unreadable } from './to-upload-error.js';

interface Prepared {
  session: UploadSession;
  record: ResumeRecord;
  plan: PartPlan;
  /** Parts B2 already holds that match this file, by part number → SHA-1. */
  done: Map<number, string>;
  /** Part URLs that came with the start answer, used before any are asked for. */
  targets?: PartTarget[] | undefined;
  /** Part SHA-1s already on their way (the first part is hashed while start is in flight). */
  hashes?: Map<number, Promise<string>>;
}

/** B2's large-file flow from the browser: resume or start, send the missing parts, finish. */
export async function runLargeUpload(
  context: RunContext,
  fingerprinted?: Promise<string>,
): Promise<UploadResult> {
  const { deps } = context;
  const key = await (fingerprinted ?? fileKey(context));
  return deps.tabLock.run(
    key,
    () => context.report({ type: 'phase', phase: 'waiting' }),
    async (waited) => {
      context.report({ type: 'phase', phase: 'preparing' });
      const prepared = await prepare(context, key, waited);
      if ('finished' in prepared) return prepared.finished;
      context.report({ type: 'started', session: prepared.session, key });
      context.report({ type: 'phase', phase: 'uploading' });
      await sendMissingParts(context, prepared);
      context.report({ type: 'phase', phase: 'finishing' });
      const partSha1Array = Array.from({ length: prepared.plan.count }, (_, i) => prepared.done.get(i + 1)!);
      // Should the page go away during finish, the next run can tell this file's finish apart.
      prepared.record.partsDone = prepared.plan.count;
      prepared.record.finishing = await pausable(context, (signal) =>
        partListDigest(context, partSha1Array, signal),
      );
      prepared.record.updatedAt = deps.now();
      await deps.resumeStore.set(prepared.record);
      const result = await brokerCall(context, (signal) =>
        deps.broker.finish(prepared.session, partSha1Array, signal),
      );
      // Still inside the tab lock: a tab waiting on this file reads the marker when it gets the
      // lock and takes this result instead of uploading the file again. The marker holds no token.
      if (!deps.tabLock.shared) {
        await deps.resumeStore.delete(key);
        return result;
      }
      await deps.resumeStore.set({
        ...prepared.record,
        token: '',
        finished: result,
        updatedAt: deps.now(),
        expiresAt: deps.now() + FINISHED_MARKER_TTL_MS,
      });
      return result;
    },
    context.control.signal,
  );
}

/** The file's resume key (its fingerprint), hashed locally. */
export function fileKey(context: RunContext): Promise<string> {
  return pausable(context, (signal) =>
    fingerprint(context.file, context.deps.hasher, signal).catch((error) => {
      throw unreadable(error);
    }),
  );
}

/** How often, at most, a run rewrites its resume record while parts go out. */
const RECORD_WRITES = 100;

/** The most part URLs one broker call hands out (docs/broker-protocol.md). */
const MAX_PART_URLS = 16;

/** How long a finished upload's marker answers tabs that waited for it. */
const FINISHED_MARKER_TTL_MS = 10 * 60 * 1000;

async function prepare(
  context: RunContext,
  key: string,
  waited: boolean,
): Promise<Prepared | { finished: UploadResult }> {
  const { deps } = context;
  const record = await deps.resumeStore.get(key);
  if (record?.finished) {
    // Another tab finished this very file while we waited for it. Without that wait, a marker is
    // just history: picking the same file again is a new upload.
    if (waited) return { finished: record.finished };
  } else if (record) {
    const resumed = await tryResume(context, record);
    if (resumed) return resumed;
  }
  return start(context, key);
}

/**
 * Resumes from what B2 holds (the broker's part list is the truth; the record only says which
 * upload). Each stored part is re-hashed from the file the user picked: one differing part means
 * the file changed, and it is never finished as the old upload.
 */
async function tryResume(
  context: RunContext,
  record: ResumeRecord,
): Promise<Prepared | { finished: UploadResult } | undefined> {
  const { deps, file } = context;
  const session = { uploadId: record.uploadId, token: record.token };
  let stored: StoredPart[];
  try {
    stored = await brokerCall(context, (signal) => deps.broker.listParts(session, signal));
  } catch (error) {
    if (isUploadError(error) && error.code === 'upload_expired') {
      const finished = await finishedMeanwhile(context, record);
      await deps.resumeStore.delete(record.key);
      if (!finished) return undefined;
      context.report({ type: 'resumed' });
      return { finished };
    }
    throw error;
  }
  const plan = partPlan(file.size, record.partSize);
  const done = await matchStoredParts(context, plan, stored);
  if (done === 'changed') {
    if (context.settings.ifFileChanged === 'fail') {
      throw fileChanged();
    }
    // Start over: the old large file can't be finished with these bytes, so cancel it in B2.
    await brokerCall(context, (signal) => deps.broker.cancel(session, signal)).catch(() => undefined);
    await deps.resumeStore.delete(record.key);
    return undefined;
  }
  context.report({ type: 'resumed' });
  return { session, record, plan, done };
}

/**
 * The page went away during finish (reload, crash) after B2 had finished the file: B2 no longer
 * lists its parts, but the broker answers a repeated finish with the finished file. It is this
 * file only if the part SHA-1s hashed from the bytes picked now are the very list that run was
 * finishing (`record.finishing`, their digest); otherwise (finish never reached, a changed file, a
 * cancelled upload) it is a new upload.
 */
async function finishedMeanwhile(
  context: RunContext,
  record: ResumeRecord,
): Promise<UploadResult | undefined> {
  const { deps, file } = context;
  if (record.finishing === undefined || record.size !== file.size) return undefined;
  const plan = partPlan(file.size, record.partSize);
  const partSha1Array = await Promise.all(
    Array.from({ length: plan.count }, (_, i) => {
      const { start, end } = partRange(plan, i + 1);
      return pausable(context, (signal) =>
        deps.hasher.sha1(file.slice(start, end), { signal }).catch((error) => {
          throw unreadable(error);
        }),
      );
    }),
  );
  const digest = await pausable(context, (signal) => partListDigest(context, partSha1Array, signal));
  if (digest !== record.finishing) return undefined;
  const session = { uploadId: record.uploadId, token: record.token };
  const result = await brokerCall(context, (signal) =>
    deps.broker.finish(session, partSha1Array, signal),
  ).catch(() => undefined);
  if (!result || result.fileName !== record.fileName || result.size !== file.size) return undefined;
  return result;
}

/** 40 hex digits standing for a whole part list, so the record stays small at 10,000 parts. */
function partListDigest(context: RunContext, partSha1Array: string[], signal: AbortSignal): Promise<string> {
  return context.deps.hasher.sha1(new Blob([partSha1Array.join('')]), { signal });
}

async function matchStoredParts(
  context: RunContext,
  plan: PartPlan,
  stored: StoredPart[],
): Promise<Map<number, string> | 'changed'> {
  const checks = stored.map(async (part) => {
    if (part.partNumber < 1 || part.partNumber > plan.count) return false;
    const { start, end } = partRange(plan, part.partNumber);
    if (part.contentLength !== end - start) return false;
    const local = await pausable(context, (signal) =>
      context.deps.hasher.sha1(context.file.slice(start, end), { signal }).catch((error) => {
        throw unreadable(error);
      }),
    );
    return local === part.contentSha1;
  });
  const results = await Promise.all(checks);
  if (results.includes(false)) return 'changed';
  return new Map(stored.map((part) => [part.partNumber, part.contentSha1]));
}

async function start(context: RunContext, key: string): Promise<Prepared> {
  const { deps, file, settings } = context;
  const config = await brokerCall(context, (signal) => deps.brokerConfig(signal));
  const transport = settings.largeFileTransport;
  if (!(config.largeFileTransports ?? ['native']).includes(transport)) {
    // Asked for by name, so never swapped for another transport behind the app's back.
    throw new UploadError(
      'rejected',
      `largeFileTransport is '${transport}', but this broker offers ${(config.largeFileTransports ?? ['native']).join(', ')} (GET /config largeFileTransports); see docs/s3.md for what S3 needs.`,
    );
  }
  const info = { ...context.info };
  if (settings.wholeFileSha1) {
    // B2 takes large_file_sha1 only at start, so the whole file is hashed first.
    info.large_file_sha1 = await pausable(context, (signal) =>
      deps.hasher.sha1(file, { signal }).catch((error) => {
        throw unreadable(error);
      }),
    );
  }
  const partSize = proposePartSize(file.size, settings.partSize, config);
  // Where parts are hashed before they are sent (browsers), the first one is hashed while start is
  // in flight. The broker nearly always agrees to the proposed size; when it doesn't, the hash is dropped.
  const first = deps.sendHashed ? undefined : hashRange(context, 0, Math.min(partSize, file.size));
  const started = await brokerCall(context, (signal) =>
    deps.broker.start(
      {
        name: context.name,
        size: file.size,
        contentType: context.contentType,
        lastModified: context.lastModified,
        partSize,
        info,
        ...(transport === 's3'
          ? { transport }
          : { partUrls: Math.min(settings.concurrency, partPlan(file.size, partSize).count, MAX_PART_URLS) }),
      },
      signal,
    ),
  );
  // B2's upload host is known now, while the first part may still be hashing and the record is
  // still to be written: its connection opens meanwhile.
  if (started.targets?.[0]) deps.preconnect?.(started.targets[0].uploadUrl);
  const plan = partPlan(file.size, started.partSize);
  const now = deps.now();
  const record: ResumeRecord = {
    v: 1,
    key,
    name: context.name,
    size: file.size,
    type: context.contentType,
    lastModified: context.lastModified,
    uploadId: started.uploadId,
    token: started.token,
    fileName: started.fileName,
    partSize: plan.partSize,
    ...(transport === 's3' ? { transport } : {}),
    partsDone: 0,
    createdAt: now,
    updatedAt: now,
    // Only this browser's clock is compared with this browser's clock: the token's own expiry is
    // the broker's, by the broker's clock, and it alone judges it (listParts answers
    // upload_expired). A client clock a day off must not throw records away at once.
    expiresAt: now + settings.resumeTtlMs,
  };
  await deps.resumeStore.set(record);
  // Part URLs are one run's, never the session's: they aren't remembered nor reported.
  const { targets, ...session } = started;
  const hashes = new Map<number, Promise<string>>();
  if (first && plan.partSize === partSize) hashes.set(1, first);
  return { session, record, plan, done: new Map(), targets, hashes };
}

/**
 * N slots, each with its own part URL, send the parts B2 lacks. Parts are hashed a few ahead of
 * the senders (in the worker pool) so hashing overlaps sending; a hash holds no file bytes, so
 * looking ahead costs no memory. Where the platform hashes on the way out (`sendHashed`, Node),
 * nothing is hashed ahead: each part is read once, as it is sent.
 */
async function sendMissingParts(context: RunContext, prepared: Prepared): Promise<void> {
  const { deps, settings, file } = context;
  const { plan, done, session, record } = prepared;
  const progress = new ProgressTracker(plan.size, plan.count, deps.now);
  let alreadyBytes = 0;
  for (const n of done.keys()) {
    const { start, end } = partRange(plan, n);
    alreadyBytes += end - start;
  }
  progress.alreadyDone(alreadyBytes, done.size);
  context.report({ type: 'sending', progress });

  const queue = Array.from({ length: plan.count }, (_, i) => i + 1).filter((n) => !done.has(n));
  const slots = Math.min(settings.concurrency, queue.length);
  if (slots === 0) return;

  const parts = partTransport(context, session, record.transport ?? 'native', () => queue, prepared.targets);
  await pausable(context, (signal) => parts.prefetch(slots, signal));
  const { port } = parts;

  const hashes = prepared.hashes ?? new Map<number, Promise<string>>();
  const hashOf = (n: number) => {
    let hash = hashes.get(n);
    if (!hash) {
      const { start, end } = partRange(plan, n);
      hash = hashRange(context, start, end);
      hashes.set(n, hash);
    }
    return hash;
  };

  const writeEvery = Math.max(1, Math.ceil(plan.count / RECORD_WRITES));
  let unwritten = 0;
  let failure: unknown;
  const stop = new AbortController();
  const hooks = runRetryHooks(context, createWaits(context), stop.signal);

  const sendOne = (n: number, sha1: string | undefined): Promise<string> =>
    withUploadRetries(
      parts.sourceFor(n),
      (target, signal) =>
        port
          .send({
            target,
            partNumber: n,
            file,
            ...partRange(plan, n),
            sha1,
            signal,
            stallTimeoutMs: settings.stallTimeoutMs,
            onProgress: (loaded) => {
              progress.inFlight(n, loaded);
              context.report({ type: 'progress' });
            },
          })
          .catch((error: unknown) => {
            progress.dropped(n);
            throw error;
          }),
      settings.retry,
      undefined,
      { ...hooks, decide: port.decide },
    );

  const slot = async () => {
    while (!stop.signal.aborted) {
      const n = queue.shift();
      if (n === undefined) return;
      let sha1: string | undefined;
      if (!port.hashesOnTheWay) {
        // This slot's own part is queued at the hasher before the look-ahead ones: else the first
        // part waited behind `concurrency` others and sending started late.
        void hashOf(n);
        for (const next of queue.slice(0, settings.concurrency)) void hashOf(next);
        sha1 = await pausable(context, () =>
          hashOf(n).catch((error) => {
            hashes.delete(n);
            throw unreadable(error);
          }),
        );
      }
      sha1 = await sendOne(n, sha1);
      hashes.delete(n);
      done.set(n, sha1);
      const { start, end } = partRange(plan, n);
      progress.partDone(n, end - start);
      // The record is small and constant; its count of parts is only for pending(), so it is
      // written every `writeEvery` parts (at most RECORD_WRITES times per upload), not per part.
      record.partsDone = done.size;
      if (++unwritten >= writeEvery) {
        unwritten = 0;
        record.updatedAt = deps.now();
        await deps.resumeStore.set(record);
      }
      context.report({ type: 'progress' });
    }
  };

  await Promise.all(
    Array.from({ length: slots }, () =>
      slot().catch((error) => {
        failure ??= error;
        stop.abort();
      }),
    ),
  );
  if (failure !== undefined) throw toUploadError(failure);
}

/** The SHA-1 of bytes `start`..`end` of the file, observed when awaited (no unhandled rejection meanwhile). */
function hashRange(context: RunContext, start: number, end: number): Promise<string> {
  const { hasher } = context.deps;
  const { file } = context;
  const hash = hasher.sha1Range ? hasher.sha1Range(file, start, end) : hasher.sha1(file.slice(start, end));
  hash.catch(() => undefined);
  return hash;
}
