/**
 * A lazily started pool of hash workers. Jobs wait in one queue and go to the first idle worker
 * (so no job queues behind a long one while another worker is free); a worker is started only
 * when a job finds none idle and the pool is below its size. Each worker runs one job at a time,
 * so the pool holds at most `size` x 2 chunks in memory (one hashed, one read ahead), whatever
 * the file size.
 *
 * Parts of one file (`sha1Range`) all go to one worker, in the order asked, so that worker reads
 * the file as one stream from part to part (hasher-core.ts `sha1OfRange`); parts of different
 * files spread over the pool.
 */
import { type Remote, releaseProxy, wrap } from 'comlink';
import type { HashWorkerApi } from '../../workers/hash-worker.js';
import type { Sha1Result } from './hasher-core.js';
import { abortedError, HashError } from './hasher-error.js';

export interface HashPoolOptions {
  /** Most workers alive at once. */
  size: number;
  /** Bytes read and hashed per step inside a worker. */
  chunkSize: number;
  /** Blobs up to this size are read whole and hashed with WebCrypto in the worker; 0 for never. */
  wholeReadMaxSize: number;
  /**
   * Starts one worker; called lazily, at most `size` times while all are healthy. May throw (a
   * Content-Security-Policy can refuse the script): the job that asked fails with `worker_failed`.
   */
  startWorker: () => Worker;
}

export interface HashPool {
  sha1(blob: Blob, signal: AbortSignal | undefined): Promise<string>;
  sha1AndMd5(blob: Blob, signal: AbortSignal | undefined): Promise<{ sha1: string; md5: string }>;
  sha1Range(file: Blob, start: number, end: number, signal: AbortSignal | undefined): Promise<string>;
  /** Starts one worker now if none is alive, so the first job finds its script loaded and started. */
  warm(): void;
  close(): void;
}

interface Job {
  id: number;
  blob: Blob;
  /** A part of a file: the file's number in this pool, and the part's bytes. */
  range?: { fileKey: number; start: number; end: number };
  /** The MD5 of the same bytes is wanted too. */
  withMd5?: true;
  signal: AbortSignal | undefined;
  settle: (outcome: Sha1Result | HashError) => void;
}

interface Slot {
  worker: Worker;
  api: Remote<HashWorkerApi>;
  job: Job | undefined;
  dead: boolean;
  /** The file whose parts this worker reads, if any. */
  fileKey: number | undefined;
}

export function createHashPool(options: HashPoolOptions): HashPool {
  const slots: Slot[] = [];
  const queue: Job[] = [];
  let nextJobId = 1;
  const fileKeys = new WeakMap<Blob, number>();
  let nextFileKey = 1;
  let closed = false;

  function startSlot(): Slot {
    const worker = options.startWorker();
    const slot: Slot = {
      worker,
      api: wrap<HashWorkerApi>(worker),
      job: undefined,
      dead: false,
      fileKey: undefined,
    };
    // A worker whose script fails to load, or that throws outside a job, fires `error` and never
    // answers comlink again: fail its job now rather than leave the upload waiting forever.
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      const message = event instanceof ErrorEvent && event.message ? `: ${event.message}` : '';
      retire(slot, new HashError('worker_failed', `The hash worker failed${message}`));
    });
    worker.addEventListener('messageerror', () => {
      retire(slot, new HashError('worker_failed', 'The hash worker sent a message that could not be read'));
    });
    slots.push(slot);
    return slot;
  }

  function retire(slot: Slot, error: HashError): void {
    if (slot.dead) return;
    slot.dead = true;
    slots.splice(slots.indexOf(slot), 1);
    slot.job?.settle(error);
    slot.job = undefined;
    slot.api[releaseProxy]();
    slot.worker.terminate();
    dispatch();
  }

  function dispatch(): void {
    for (let i = 0; !closed && i < queue.length;) {
      const job = queue[i]!;
      let slot: Slot | undefined;
      try {
        slot = slotFor(job);
      } catch (error) {
        queue.splice(i, 1);
        job.settle(
          new HashError('worker_failed', `The hash worker could not start: ${String(error)}`, {
            cause: error,
          }),
        );
        continue;
      }
      if (!slot) {
        i++;
        continue;
      }
      queue.splice(i, 1);
      if (job.range) slot.fileKey = job.range.fileKey;
      run(slot, job);
    }
  }

  /** An idle worker for `job`, or none while it must wait. A file's parts wait for its worker. */
  function slotFor(job: Job): Slot | undefined {
    const idle = (slot: Slot) => slot.job === undefined;
    if (job.range) {
      const bound = slots.find((slot) => slot.fileKey === job.range!.fileKey);
      if (bound) return idle(bound) ? bound : undefined;
      // A free worker, else one whose file has no part waiting (its upload moved on or ended).
      // With more files hashing at once than workers, a file may wait while others keep their
      // workers busy: only when hashing is slower than sending, and the total rate is the same.
      const waiting = new Set(queue.flatMap((queued) => (queued.range ? [queued.range.fileKey] : [])));
      return (
        slots.find((slot) => idle(slot) && slot.fileKey === undefined) ??
        startSlotIfRoom() ??
        slots.find((slot) => idle(slot) && !waiting.has(slot.fileKey!))
      );
    }
    return slots.find(idle) ?? startSlotIfRoom();
  }

  function startSlotIfRoom(): Slot | undefined {
    return slots.length < options.size ? startSlot() : undefined;
  }

  function run(slot: Slot, job: Job): void {
    slot.job = job;
    const onAbort = () => {
      // Reject at once; the worker stops at its next chunk boundary and only then takes new work,
      // so two jobs never share its hasher instance.
      job.settle(abortedError(job.signal));
      slot.api.abort(job.id).catch(() => undefined);
    };
    job.signal?.addEventListener('abort', onAbort, { once: true });
    const work = job.range
      ? slot.api.sha1Range(
          job.id,
          job.blob,
          job.range.fileKey,
          job.range.start,
          job.range.end,
          options.chunkSize,
        )
      : job.withMd5
        ? slot.api.sha1AndMd5(job.id, job.blob, options.chunkSize, options.wholeReadMaxSize)
        : slot.api.sha1(job.id, job.blob, options.chunkSize, options.wholeReadMaxSize);
    work
      .then(
        (outcome) => job.settle(outcome),
        (error: unknown) => job.settle(new HashError('worker_failed', String(error), { cause: error })),
      )
      .finally(() => {
        job.signal?.removeEventListener('abort', onAbort);
        if (slot.dead || slot.job !== job) return;
        slot.job = undefined;
        dispatch();
      });
  }

  function enqueue(
    blob: Blob,
    kind: Pick<Job, 'range' | 'withMd5'>,
    signal: AbortSignal | undefined,
  ): Promise<{ sha1: string; md5?: string }> {
    return new Promise((resolve, reject) => {
      if (closed) return reject(closedError());
      if (signal?.aborted) return reject(abortedError(signal));
      let settled = false;
      const job: Job = {
        id: nextJobId++,
        blob,
        ...kind,
        signal,
        settle(outcome) {
          if (settled) return;
          settled = true;
          signal?.removeEventListener('abort', dropQueued);
          if (outcome instanceof HashError) reject(outcome);
          else if (outcome.ok) resolve(outcome);
          else if (outcome.code === 'aborted') reject(abortedError(signal));
          else reject(new HashError(outcome.code, outcome.message));
        },
      };
      // While still queued, an abort just removes the job; once running, run() handles it.
      const dropQueued = () => {
        const index = queue.indexOf(job);
        if (index >= 0) {
          queue.splice(index, 1);
          job.settle(abortedError(signal));
        }
      };
      signal?.addEventListener('abort', dropQueued, { once: true });
      queue.push(job);
      dispatch();
    });
  }

  return {
    sha1: async (blob, signal) => (await enqueue(blob, {}, signal)).sha1,
    async sha1AndMd5(blob, signal) {
      const { sha1, md5 } = await enqueue(blob, { withMd5: true }, signal);
      return { sha1, md5: md5 ?? '' };
    },
    sha1Range(file, start, end, signal) {
      let fileKey = fileKeys.get(file);
      if (fileKey === undefined) {
        fileKey = nextFileKey++;
        fileKeys.set(file, fileKey);
      }
      return enqueue(file, { range: { fileKey, start, end } }, signal).then((outcome) => outcome.sha1);
    },
    warm() {
      if (closed || slots.length > 0) return;
      try {
        startSlot();
      } catch {
        // Refused (a Content-Security-Policy): the first job meets the same refusal and reports it.
      }
    },
    close() {
      if (closed) return;
      closed = true;
      for (const job of queue.splice(0)) job.settle(closedError());
      for (const slot of slots.splice(0)) {
        slot.dead = true;
        slot.job?.settle(closedError());
        slot.api[releaseProxy]();
        slot.worker.terminate();
      }
    },
  };
}

function closedError(): HashError {
  return new HashError('closed', 'The hasher was closed');
}
