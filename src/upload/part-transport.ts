/**
 * What the engine's one part path plugs in per transport: a port that sends one part, and where
 * each part's target comes from. Native: B2 part URLs from one pool, any URL serves any part.
 * S3: presigned URLs bound to a part number, signed in batches. The retry loop, its pause,
 * offline and stall hooks, and the hashing stay the engine's, whichever transport runs.
 */
import type { UploadTargetSource } from '../b2/target-upload.js';
import { createUploadUrlPool } from '../b2/upload-url-pool.js';
import type { LargeFileTransport, PartTarget, UploadSession } from './broker-client.js';
import { brokerCall, type RunContext } from './context.js';
import { UploadError } from './errors.js';
import { b2PartPort, type PartPort } from './part-port.js';
import { s3PartPort } from './s3-part-port.js';
import { createS3PartUrls } from './s3-part-urls.js';

export interface PartTransport {
  port: PartPort;
  /** Fetches the targets the first `slots` senders need, in as few broker calls as it can. */
  prefetch(slots: number, signal: AbortSignal): Promise<void>;
  /** Where part `partNumber`'s attempts get their targets. */
  sourceFor(partNumber: number): UploadTargetSource;
}

/** `upcoming()`: the part numbers still waiting to be sent, in order. */
export function partTransport(
  context: RunContext,
  session: UploadSession,
  transport: LargeFileTransport,
  upcoming: () => number[],
  /** Part URLs that came with the start answer (native): handed out before any are asked for. */
  early: PartTarget[] = [],
): PartTransport {
  const { deps } = context;
  // Fetches run as broker calls of this run (pausable, waiting out an absent broker); a fetch
  // whose attempt was interrupted meanwhile hands nothing out.
  const fetched =
    <T>(call: (signal: AbortSignal) => Promise<T>) =>
    async (signal: AbortSignal | undefined): Promise<T> => {
      const result = await brokerCall(context, call);
      if (signal?.aborted) throw signal.reason;
      return result;
    };

  if (transport === 's3') {
    const { broker } = deps;
    if (!broker.s3PartUrls) {
      throw new UploadError('rejected', 'This BrokerClient has no s3PartUrls: it cannot send parts by S3.');
    }
    const urls = createS3PartUrls(
      (partNumbers, signal) => fetched((s) => broker.s3PartUrls!(session, partNumbers, s))(signal),
      upcoming,
      deps.now,
    );
    return {
      port: s3PartPort(deps.send, deps.sendHashed),
      prefetch: (_slots, signal) => urls.prefetch(signal),
      sourceFor: (partNumber) => urls.sourceFor(partNumber),
    };
  }

  // One pool per run, keyed by this upload: part URLs are the broker's, for this large file only.
  const given = [...early];
  const pool = createUploadUrlPool((_id, count, signal) =>
    given.length > 0
      ? Promise.resolve(given.splice(0, count))
      : fetched((s) => deps.broker.partTargets(session, count, s))(signal),
  );
  const targets = pool.sourceFor(session.uploadId);
  return {
    port: b2PartPort(deps.send, deps.sendHashed),
    prefetch: (slots, signal) => pool.prefetch(session.uploadId, slots, signal),
    sourceFor: () => targets,
  };
}
