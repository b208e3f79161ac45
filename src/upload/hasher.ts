/**
 * The `Hasher` port: how the upload engine gets the SHA-1 of a part (B2 verifies every part
 * against the `X-Bz-Content-Sha1` we send). Two implementations:
 * - `createWorkerHasher`: a lazily started pool of Web Workers (the browser default; the rule is
 *   never hash on the main thread: only a digest of at most 64 KiB, asynchronous, is WebCrypto's
 *   from the page);
 * - `createInlineHasher`: hash-wasm in the calling thread, for Node (the CLI) and browsers without
 *   `Worker`.
 * Both read Blobs in `chunkSize` slices, so memory is bounded by chunk size, never by file size.
 * Nothing starts at import time (the package is `sideEffects: false`): workers, WASM and even the
 * hash-wasm module load on the first `sha1()` call, or a worker on `warm()`.
 */
import {
  type IncrementalSha1,
  type Sha1Result,
  sha1OfBlob,
  sha1WithWebCrypto,
  withMd5,
} from './hasher-core.js';
import { abortedError, HashError, isHashError } from './hasher-error.js';
import { createHashPool, type HashPool } from './hasher-pool.js';

export { HASH_ERROR_CODES, HashError, type HashErrorCode, isHashError } from './hasher-error.js';

export interface Hasher {
  /**
   * SHA-1 of `blob` as 40 lowercase hex digits. Rejects with a `HashError`: `aborted` when
   * `signal` fires (at once, without waiting for the read in progress), `read_failed` when the
   * file changed or vanished, `worker_failed`/`wasm_failed` when the hashing machinery could not
   * run, `closed` after `close()`.
   */
  sha1(blob: Blob, options?: { signal?: AbortSignal }): Promise<string>;
  /**
   * SHA-1 of bytes `start`..`end` of `file`, for a hasher that reads a file's parts faster (or in
   * less memory) as one sequence than as separate Blobs: the upload asks for parts in order. Same
   * errors as `sha1`. Optional: without it the engine hashes `file.slice(start, end)`.
   */
  sha1Range?(file: Blob, start: number, end: number, options?: { signal?: AbortSignal }): Promise<string>;
  /**
   * SHA-1 and MD5 of `blob` from one read (a small file sent by presigned S3 PUT binds its MD5).
   * Same errors as `sha1`. Optional: without it small files go through the broker.
   */
  sha1AndMd5?(blob: Blob, options?: { signal?: AbortSignal }): Promise<{ sha1: string; md5: string }>;
  /**
   * Gets ready ahead of the first job, for when a file is about to be picked: a worker hasher starts
   * one worker, whose script then loads while the user chooses. Never fails (a worker that can't
   * start fails the first job as it would have). Optional.
   */
  warm?(): void;
  /** Stops the workers and rejects pending jobs with `closed`. Final: later calls reject too. */
  close(): void;
}

/**
 * Bytes read and hashed per step: 2 MiB. Measured in headless Chromium 156 on a 2-core machine, one
 * worker hashing a 64 MiB File (median of 3 runs, MiB/s; hash-wasm alone does ~670 on this CPU, so
 * Blob reads are the bottleneck):
 *   chunk        64 KiB  256 KiB  1 MiB  2 MiB  4 MiB  8 MiB  16 MiB
 *   read-ahead     104     218     311    325    339    346    360
 * Past 2 MiB the gain is within run-to-run noise while memory keeps growing (two chunks per busy
 * job with the read-ahead), so 2 MiB holds 4 MiB per worker, 16 MiB for a full pool of 4.
 */
export const DEFAULT_CHUNK_SIZE = 2 * 1024 * 1024;

/**
 * `sha1(blob)` reads Blobs up to this size whole in the worker and hashes them with WebCrypto, which
 * uses the CPU's SHA extensions; bigger Blobs (a whole file for `wholeFileSha1`) go through hash-wasm
 * over a byte stream. A pool of 2 hashed separate 16 MiB parts at ~450 MiB/s this way on the 2-core
 * bench machine (sha_ni), ~360 with hash-wasm. An upload's own parts don't come this way: they go
 * through `sha1Range`, one stream per file with hash-wasm, because a stream and a part-sized
 * buffer per part made renderer memory grow with the file (90 -> 137 MiB from a 256 MiB to a 2 GiB
 * upload; one stream: 56 -> 62 MiB) at about the same CPU per byte, reading the Blob being most of
 * it. What still comes here: resume checks of stored parts and whole small files (with their MD5
 * for a presigned PUT: WebCrypto's SHA-1 instead of hash-wasm's took Chromium's CPU per file of the
 * many-small-files bench from ~5.5 to ~4.4 ms, docs/performance.md).
 */
export const DEFAULT_WHOLE_READ_MAX_SIZE = 32 * 1024 * 1024;

/**
 * `sha1(blob)` of Blobs up to this size (a file's fingerprint, its first 64 KiB) is WebCrypto's in
 * the page, not a worker's: the digest is asynchronous and this small, so the page stays free,
 * while asking a worker would make a first pick wait for a worker to start, its script fetched
 * over the network first (a round trip on a far link, docs/performance.md). Not with
 * `inThreadFallback: false`, nor where WebCrypto has no SHA-1 (then the workers hash it).
 */
export const IN_PAGE_MAX_SIZE = 64 * 1024;

export interface WorkerHasherOptions {
  /** Workers in the pool. Default: `min(4, navigator.hardwareConcurrency)` (at least 1). */
  workers?: number;
  /** Bytes read and hashed per step. Default: 2 MiB (`DEFAULT_CHUNK_SIZE`). */
  chunkSize?: number;
  /**
   * Blobs up to this many bytes are read whole and hashed with WebCrypto; 0 never does.
   * Default: 32 MiB (`DEFAULT_WHOLE_READ_MAX_SIZE`).
   */
  wholeReadMaxSize?: number;
  /**
   * When no worker can start (e.g. a Content-Security-Policy refuses the worker script), hash in
   * this thread instead of failing with `worker_failed`. Default true. False also keeps Blobs up to
   * `IN_PAGE_MAX_SIZE` in the workers.
   */
  inThreadFallback?: boolean;
}

export interface InlineHasherOptions {
  /** Bytes read and hashed per step. Default: 2 MiB (`DEFAULT_CHUNK_SIZE`). */
  chunkSize?: number;
}

/**
 * SHA-1 in a pool of Web Workers, started lazily on the first `sha1()` (one on `warm()`) and stopped
 * by `close()`.
 */
export function createWorkerHasher(options: WorkerHasherOptions = {}): Hasher {
  const size = positiveInteger('workers', options.workers ?? defaultWorkerCount());
  const chunkSize = positiveInteger('chunkSize', options.chunkSize ?? DEFAULT_CHUNK_SIZE);
  const wholeReadMaxSize = options.wholeReadMaxSize ?? DEFAULT_WHOLE_READ_MAX_SIZE;
  if (!Number.isSafeInteger(wholeReadMaxSize) || wholeReadMaxSize < 0) {
    throw new RangeError(`wholeReadMaxSize must be a non-negative integer, got ${wholeReadMaxSize}`);
  }
  let pool: HashPool | undefined;
  // Where workers can't start (a Content-Security-Policy whose worker-src, or script-src in its
  // absence, refuses the worker script), hashing moves to this thread for good rather than failing
  // the upload. Only until a worker has answered once: a worker that crashes later is a real failure.
  let inline: Hasher | undefined;
  let workersAnswered = false;
  let closed = false;
  const poolOf = () =>
    (pool ??= createHashPool({ size, chunkSize, wholeReadMaxSize, startWorker: startHashWorker }));

  const hash = <T>(
    inPool: (pool: HashPool) => Promise<T>,
    inThread: (hasher: Hasher) => Promise<T>,
  ): Promise<T> => {
    if (closed) return Promise.reject(new HashError('closed', 'The hasher was closed'));
    if (inline) return inThread(inline);
    return inPool(poolOf()).then(
      (digests) => {
        workersAnswered = true;
        return digests;
      },
      (error: unknown) => {
        if (closed || !isHashError(error)) throw error;
        if (error.code === 'worker_failed' && !workersAnswered && !inline) {
          if (options.inThreadFallback === false) throw error;
          inline = createInlineHasher({ chunkSize });
          // Jobs still queued in the pool end with `closed` and come back here to run in this thread.
          pool?.close();
        }
        if (inline && (error.code === 'worker_failed' || error.code === 'closed')) return inThread(inline);
        throw error;
      },
    );
  };

  const inWorkers = (blob: Blob, signal: AbortSignal | undefined) =>
    hash(
      (pool) => pool.sha1(blob, signal),
      (hasher) => hasher.sha1(blob, { signal }),
    );

  const inPage = async (blob: Blob, signal: AbortSignal | undefined): Promise<string> => {
    const outcome = await sha1WithWebCrypto(blob, () => closed || (signal?.aborted ?? false));
    if (!outcome) return inWorkers(blob, signal);
    if (outcome.ok) return outcome.sha1;
    if (closed) throw new HashError('closed', 'The hasher was closed');
    if (outcome.code === 'aborted') throw abortedError(signal);
    throw new HashError(outcome.code, outcome.message);
  };

  return {
    sha1(blob, { signal } = {}) {
      if (closed || options.inThreadFallback === false || blob.size > IN_PAGE_MAX_SIZE) {
        return inWorkers(blob, signal);
      }
      return rejectOnAbort(inPage(blob, signal), signal);
    },
    sha1Range(file, start, end, { signal } = {}) {
      return hash(
        (pool) => pool.sha1Range(file, start, end, signal),
        (hasher) => hasher.sha1(file.slice(start, end), { signal }),
      );
    },
    sha1AndMd5(blob, { signal } = {}) {
      return hash(
        (pool) => pool.sha1AndMd5(blob, signal),
        (hasher) => hasher.sha1AndMd5!(blob, { signal }),
      );
    },
    warm() {
      if (!closed && !inline) poolOf().warm();
    },
    close() {
      closed = true;
      pool?.close();
      inline?.close();
    },
  };
}

/**
 * Where the worker lives. One literal line serves both ways users get this file; all four were
 * checked in Chromium with Vite 8 (`vite build` + preview, and the dev server):
 * - from the sources (the harness page, the demo): Vite sees `new Worker(new URL(literal,
 *   import.meta.url), {type:'module'})`, resolves `.js` to `workers/hash-worker.ts` and bundles it
 *   as a worker entry with its bare imports (comlink, hash-wasm);
 * - from the tsc-built package in a consumer's node_modules: tsc keeps the literal, so
 *   `dist/src/upload/hasher.js` points at `dist/workers/hash-worker.js` (same relative layout,
 *   `rootDir: "."`), and the consumer's Vite does the same as above with the built file, with its
 *   default options (an IIFE worker bundle in builds, the raw module in dev).
 * Keep this exact shape: bundlers recognise only a literal `new URL` written inside `new Worker(...)`;
 * a URL built elsewhere would be copied as a plain asset with its bare imports unresolved.
 */
function startHashWorker(): Worker {
  return new Worker(new URL('../../workers/hash-worker.js', import.meta.url), {
    type: 'module',
    name: 'b2up-hash',
  });
}

function defaultWorkerCount(): number {
  const cores = globalThis.navigator?.hardwareConcurrency ?? 2;
  return Math.max(1, Math.min(4, cores));
}

/**
 * SHA-1 in this thread: for Node (CLI uploads) and browsers without `Worker`. In Node it hashes with
 * node:crypto (native, using the CPU's SHA extensions: ~3x hash-wasm on the bench machine, and
 * what made Node uploads faster than the `backblaze-b2` package there); elsewhere with hash-wasm.
 * Keeps a few hasher instances for reuse, one per job in flight, so concurrent parts overlap their
 * reads. Either way the Blob is read in `chunkSize` slices.
 */
export function createInlineHasher(options: InlineHasherOptions = {}): Hasher {
  const chunkSize = positiveInteger('chunkSize', options.chunkSize ?? DEFAULT_CHUNK_SIZE);
  const idle: IncrementalSha1[] = [];
  let closed = false;

  async function acquire(): Promise<IncrementalSha1> {
    const reused = idle.pop();
    if (reused) return reused;
    const native = nodeHash('sha1');
    if (native) return native;
    try {
      const { createSHA1 } = await import('hash-wasm');
      return await createSHA1();
    } catch (error) {
      throw new HashError('wasm_failed', `hash-wasm could not start: ${String(error)}`, { cause: error });
    }
  }

  async function hash(
    blob: Blob,
    signal: AbortSignal | undefined,
    md5?: IncrementalSha1,
  ): Promise<{ sha1: string; md5: string }> {
    if (closed) throw new HashError('closed', 'The hasher was closed');
    if (signal?.aborted) throw abortedError(signal);
    const instance = await acquire();
    const hasher = md5 ? withMd5(instance, md5) : undefined;
    let outcome: Sha1Result;
    try {
      outcome = await sha1OfBlob(
        hasher ?? instance,
        blob,
        chunkSize,
        () => closed || (signal?.aborted ?? false),
      );
    } finally {
      if (!closed) idle.push(instance);
    }
    if (outcome.ok) return { sha1: outcome.sha1, md5: hasher?.md5() ?? '' };
    if (closed) throw new HashError('closed', 'The hasher was closed');
    if (outcome.code === 'aborted') throw abortedError(signal);
    throw new HashError(outcome.code, outcome.message);
  }

  async function newMd5(): Promise<IncrementalSha1> {
    const native = nodeHash('md5');
    if (native) return native;
    try {
      const { createMD5 } = await import('hash-wasm');
      return await createMD5();
    } catch (error) {
      throw new HashError('wasm_failed', `hash-wasm could not start: ${String(error)}`, { cause: error });
    }
  }

  return {
    sha1(blob, { signal } = {}) {
      return rejectOnAbort(
        hash(blob, signal).then((digests) => digests.sha1),
        signal,
      );
    },
    sha1AndMd5(blob, { signal } = {}) {
      return rejectOnAbort(
        newMd5().then((md5) => hash(blob, signal, md5)),
        signal,
      );
    },
    close() {
      closed = true;
      idle.length = 0;
    },
  };
}

interface NodeCrypto {
  createHash(algorithm: 'sha1' | 'md5'): {
    update(data: Uint8Array): unknown;
    digest(format: 'hex'): string;
  };
}

/**
 * node:crypto's incremental SHA-1 (or MD5) where the platform is Node (20.16+ has
 * `process.getBuiltinModule`), reached without an import statement so that browser bundlers never
 * see `node:crypto`.
 */
function nodeHash(algorithm: 'sha1' | 'md5'): IncrementalSha1 | undefined {
  const platform = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const nodeCrypto = platform?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
  if (typeof nodeCrypto?.createHash !== 'function') return undefined;
  const { createHash } = nodeCrypto;
  let hash = createHash(algorithm);
  return {
    init() {
      hash = createHash(algorithm);
    },
    update: (data) => hash.update(data),
    digest: () => hash.digest('hex'),
  };
}

/** Workers where the platform has them (browsers), else in-thread (Node, old or locked-down browsers). */
export function createDefaultHasher(): Hasher {
  return typeof Worker === 'function' ? createWorkerHasher() : createInlineHasher();
}

/** Settles with `work`, or rejects as soon as `signal` fires, without waiting for the read in flight. */
function rejectOnAbort<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortedError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}
