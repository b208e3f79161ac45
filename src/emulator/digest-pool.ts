/**
 * SHA-1 and MD5 of upload bodies, computed off the main thread. B2 reports both for every file and
 * part, and on one thread they cost more CPU than receiving the bytes (MD5 alone runs
 * at ~500 MiB/s here). A body's bytes are copied once into shared 1 MiB batches (reused from body
 * to body); its SHA-1 runs in one worker and its MD5 in another, so the two hashes run in parallel
 * with each other and with socket and disk I/O on the main thread. Workers are started on first use, at most `maxWorkers`, unref'd (an
 * embedder that forgets close() still exits) and terminated by close().
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

export interface BodyDigests {
  sha1: string;
  md5: string;
}

/** One body being hashed. */
export interface BodyHasher {
  /**
   * Hashes `chunk` (copied: the caller keeps it). False when the workers are behind: wait for room()
   * before the next chunk (like a stream's write() and 'drain', so a chunk costs no await).
   */
  update(chunk: Buffer): boolean;
  /** Resolves once the workers can take more (at once if they can); rejects if hashing failed. */
  room(): Promise<void>;
  digest(): Promise<BodyDigests>;
  /** Stops hashing and frees the batches; safe to call after digest() or twice. */
  abort(): void;
}

export interface DigestPoolOptions {
  /** Most workers ever started; default os.availableParallelism(), at least 2 (one per hash). */
  maxWorkers?: number;
  /** Bytes per batch posted to the workers; default 1 MiB. */
  batchSize?: number;
  /** Batches of one body the workers may be behind before update() waits; default 4. */
  maxBatchesInFlight?: number;
}

export interface DigestPool {
  start(): BodyHasher;
  close(): Promise<void>;
}

/** Bodies whose batches the pool keeps for reuse: four, a client's usual parallel parts. */
const SPARE_BODIES = 4;

type Algorithm = 'sha1' | 'md5';

type ToWorker =
  | { op: 'start'; id: number; alg: Algorithm }
  | { op: 'data'; id: number; batch: number; buf: SharedArrayBuffer; length: number }
  | { op: 'end'; id: number }
  | { op: 'drop'; id: number };

type FromWorker = { op: 'ack'; id: number; batch: number } | { op: 'digest'; id: number; hex: string };

// Plain JS run with `eval: true`, so the same code works from the .ts sources (tsx, vitest) and from
// the compiled dist/ without a separate worker file to locate.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'start') hashes.set(m.id, createHash(m.alg));
  else if (m.op === 'data') {
    const h = hashes.get(m.id);
    if (h) h.update(new Uint8Array(m.buf, 0, m.length));
    parentPort.postMessage({ op: 'ack', id: m.id, batch: m.batch });
  } else if (m.op === 'end') {
    const h = hashes.get(m.id);
    hashes.delete(m.id);
    if (h) parentPort.postMessage({ op: 'digest', id: m.id, hex: h.digest('hex') });
  } else if (m.op === 'drop') hashes.delete(m.id);
});
`;

interface Session {
  onAck(batch: number): void;
  onDigest(alg: Algorithm, hex: string): void;
  fail(error: Error): void;
}

interface Slot {
  worker: Worker;
  /** Sessions using this worker, by id, with the algorithm each runs here. */
  sessions: Map<number, { session: Session; alg: Algorithm }>;
  failure?: Error;
}

export function createDigestPool(options: DigestPoolOptions = {}): DigestPool {
  const maxWorkers = Math.max(2, options.maxWorkers ?? availableParallelism());
  const batchSize = options.batchSize ?? 1024 * 1024;
  const maxInFlight = options.maxBatchesInFlight ?? 4;
  const slots: Slot[] = [];
  /**
   * Batches no body is using, kept for the next body: a fresh SharedArrayBuffer costs page faults and
   * zeroing (~0.4 s of CPU per GiB measured), and a 16 MiB part would otherwise get five new ones.
   */
  const spare: Buffer[] = [];
  const maxSpare = (maxInFlight + 1) * SPARE_BODIES;
  let nextId = 0;
  let closed = false;

  const spawn = (): Slot => {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    const slot: Slot = { worker, sessions: new Map() };
    worker.on('message', (m: FromWorker) => {
      const entry = slot.sessions.get(m.id);
      if (!entry) return;
      if (m.op === 'ack') entry.session.onAck(m.batch);
      else {
        slot.sessions.delete(m.id);
        entry.session.onDigest(entry.alg, m.hex);
      }
    });
    const die = (error: Error) => {
      slot.failure = error;
      for (const { session } of slot.sessions.values()) session.fail(error);
      slot.sessions.clear();
      const i = slots.indexOf(slot);
      if (i >= 0) slots.splice(i, 1);
    };
    worker.on('error', die);
    worker.on('exit', (code) => die(new Error(`hash worker exited with code ${code}`)));
    return slot;
  };

  /** The least busy worker other than `not`, starting a new one while under the limit. */
  const pick = (not?: Slot): Slot => {
    const candidates = slots.filter((s) => s !== not);
    const idle = candidates.find((s) => s.sessions.size === 0);
    if (idle) return idle;
    if (slots.length < maxWorkers) {
      const slot = spawn();
      slots.push(slot);
      return slot;
    }
    return candidates.reduce((a, b) => (b.sessions.size < a.sessions.size ? b : a));
  };

  return {
    start() {
      if (closed) throw new Error('hash pool is closed');
      const id = ++nextId;
      const sha1Slot = pick();
      const md5Slot = pick(sha1Slot);
      /** The batch being filled: a Buffer over a SharedArrayBuffer (see update() for why a Buffer). */
      let batch: Buffer | undefined;
      let filled = 0;
      let batchNo = 0;
      /** Batch number → acks still expected (one per worker). */
      const pending = new Map<number, number>();
      const batches = new Map<number, Buffer>();
      let room: (() => void) | undefined;
      let failure: Error | undefined;
      let done: ((d: BodyDigests) => void) | undefined;
      let failDone: ((e: Error) => void) | undefined;
      const digests: Partial<BodyDigests> = {};
      let finished = false;

      const session: Session = {
        onAck(n) {
          const left = (pending.get(n) ?? 0) - 1;
          if (left > 0) {
            pending.set(n, left);
            return;
          }
          pending.delete(n);
          const buf = batches.get(n);
          batches.delete(n);
          if (buf && spare.length < maxSpare) spare.push(buf);
          if (room && pending.size < maxInFlight) {
            const wake = room;
            room = undefined;
            wake();
          }
        },
        onDigest(alg, hex) {
          digests[alg] = hex;
          if (digests.sha1 !== undefined && digests.md5 !== undefined) {
            done?.({ sha1: digests.sha1, md5: digests.md5 });
          }
        },
        fail(error) {
          failure ??= error;
          const wake = room;
          room = undefined;
          wake?.();
          failDone?.(error);
        },
      };
      sha1Slot.sessions.set(id, { session, alg: 'sha1' });
      md5Slot.sessions.set(id, { session, alg: 'md5' });
      sha1Slot.worker.postMessage({ op: 'start', id, alg: 'sha1' } satisfies ToWorker);
      md5Slot.worker.postMessage({ op: 'start', id, alg: 'md5' } satisfies ToWorker);

      const post = (m: ToWorker) => {
        sha1Slot.worker.postMessage(m);
        md5Slot.worker.postMessage(m);
      };
      const flush = () => {
        if (!batch || filled === 0) return;
        const n = ++batchNo;
        pending.set(n, 2);
        batches.set(n, batch);
        post({ op: 'data', id, batch: n, buf: batch.buffer as SharedArrayBuffer, length: filled });
        batch = undefined;
        filled = 0;
      };
      const check = () => {
        if (failure) throw failure;
        if (finished) throw new Error('body hasher already finished');
      };

      return {
        update(chunk) {
          check();
          let offset = 0;
          while (offset < chunk.length) {
            batch ??= spare.pop() ?? Buffer.from(new SharedArrayBuffer(batchSize));
            const take = Math.min(chunk.length - offset, batchSize - filled);
            // Buffer#fill with a Buffer is one native memcpy. TypedArray#set into shared memory copies
            // with relaxed atomics, byte by byte when source and target are not equally aligned, which
            // they rarely are here: measured 0.5 s of main-thread CPU per GiB against 0.04.
            const piece = take === chunk.length ? chunk : chunk.subarray(offset, offset + take);
            batch.fill(piece, filled, filled + take);
            filled += take;
            offset += take;
            if (filled === batchSize) flush();
          }
          // Back-pressure: never let a 1 GiB part pile up in front of a slower hash.
          return pending.size < maxInFlight;
        },
        async room() {
          check();
          while (pending.size >= maxInFlight && !failure && !finished) {
            await new Promise<void>((resolve) => {
              room = resolve;
            });
          }
          check();
        },
        digest() {
          check();
          flush();
          finished = true;
          const result = new Promise<BodyDigests>((resolve, reject) => {
            done = resolve;
            failDone = reject;
          });
          post({ op: 'end', id });
          return result;
        },
        abort() {
          if (sha1Slot.sessions.delete(id))
            sha1Slot.worker.postMessage({ op: 'drop', id } satisfies ToWorker);
          if (md5Slot.sessions.delete(id)) md5Slot.worker.postMessage({ op: 'drop', id } satisfies ToWorker);
          finished = true;
          const wake = room;
          room = undefined;
          wake?.();
          // Batches still in flight may yet be read by a worker: only the unposted one is reusable.
          if (batch && spare.length < maxSpare) spare.push(batch);
          batch = undefined;
          batches.clear();
        },
      };
    },
    async close() {
      closed = true;
      const all = slots.splice(0);
      await Promise.all(all.map((s) => s.worker.terminate()));
    },
  };
}
