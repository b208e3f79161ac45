/**
 * A lazily started pool of hash workers. Jobs wait in one queue and go to the first idle worker
 * (so no job queues behind a long one while another worker is free); a worker is started only
 * when a job finds none idle and the pool is below its size. Each worker runs one job at a time,
 * so the pool holds at most `size` x 2 chunks in memory (one hashed, one read ahead), whatever
 * the file size (SPEC §2).
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
  /** Starts one worker; called lazily, at most `size` times while all are healthy. */
  startWorker: () => Worker;
}

export interface HashPool {
  sha1(blob: Blob, signal: AbortSignal | undefined): Promise<string>;
  close(): void;
}

interface Job {
  id: number;
  blob: Blob;
  signal: AbortSignal | undefined;
  settle: (outcome: Sha1Result | HashError) => void;
}

interface Slot {
  worker: Worker;
  api: Remote<HashWorkerApi>;
  job: Job | undefined;
  dead: boolean;
}

export function createHashPool(options: HashPoolOptions): HashPool {
  const slots: Slot[] = [];
  const queue: Job[] = [];
  let nextJobId = 1;
  let closed = false;

  function startSlot(): Slot {
    const worker = options.startWorker();
    const slot: Slot = { worker, api: wrap<HashWorkerApi>(worker), job: undefined, dead: false };
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
    while (!closed && queue.length > 0) {
      const slot = slots.find((candidate) => candidate.job === undefined) ?? startSlotIfRoom();
      if (!slot) return;
      run(slot, queue.shift()!);
    }
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
    slot.api
      .sha1(job.id, job.blob, options.chunkSize, options.wholeReadMaxSize)
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

  return {
    sha1(blob, signal) {
      return new Promise<string>((resolve, reject) => {
        if (closed) return reject(closedError());
        if (signal?.aborted) return reject(abortedError(signal));
        let settled = false;
        const job: Job = {
          id: nextJobId++,
          blob,
          signal,
          settle(outcome) {
            if (settled) return;
            settled = true;
            signal?.removeEventListener('abort', dropQueued);
            if (outcome instanceof HashError) reject(outcome);
            else if (outcome.ok) resolve(outcome.sha1);
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
