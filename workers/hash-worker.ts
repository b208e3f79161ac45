/**
 * The hash worker: SHA-1 of Blobs with hash-wasm, off the main thread.
 *
 * Loaded by the pool in src/upload/hasher-pool.ts as a module worker. Its bare imports (comlink,
 * hash-wasm) are resolved by the consumer's bundler, which bundles this file as a worker entry.
 */
import { expose } from 'comlink';
import { createMD5, createSHA1, type IHasher } from 'hash-wasm';
import {
  type ReadBuffer,
  type SequentialReader,
  type Sha1Result,
  sha1OfBlob,
  sha1OfRange,
  sha1OfStream,
  sha1WithWebCrypto,
  withMd5,
} from '../src/upload/hasher-core.js';

/** What the worker exposes over comlink. Every method resolves; failures come back as data. */
export interface HashWorkerApi {
  /**
   * SHA-1 of `blob`. Blobs up to `wholeReadMaxSize` bytes (default 0: none) are read whole and
   * hashed with WebCrypto; bigger ones are read in `chunkSize` slices through hash-wasm. `jobId`
   * names the job for `abort()`. Jobs run one at a time in arrival order: they share one WASM
   * hasher instance.
   */
  sha1(jobId: number, blob: Blob, chunkSize: number, wholeReadMaxSize?: number): Promise<Sha1Result>;
  /**
   * SHA-1 of bytes `start`..`end` of `file` (a part), with hash-wasm. The worker keeps one file's
   * stream open between jobs, so consecutive parts of file `fileKey` are read as one stream.
   */
  sha1Range(
    jobId: number,
    file: Blob,
    fileKey: number,
    start: number,
    end: number,
    chunkSize: number,
  ): Promise<Sha1Result>;
  /**
   * SHA-1 and MD5 of `blob` in one read (a small file sent by presigned S3 PUT: B2 checks
   * Content-MD5, the broker checks the SHA-1). Up to `wholeReadMaxSize` bytes the Blob is read
   * whole, its SHA-1 taken by WebCrypto and its MD5 by hash-wasm meanwhile; bigger ones stream
   * through both hash-wasm hashers.
   */
  sha1AndMd5(jobId: number, blob: Blob, chunkSize: number, wholeReadMaxSize?: number): Promise<Sha1Result>;
  /** Stop job `jobId` at its next chunk boundary; it then resolves `{ok:false, code:'aborted'}`. */
  abort(jobId: number): void;
}

function createHashWorker(): HashWorkerApi {
  // One WASM instance of each hash per worker, started on the first job that needs it and
  // re-initialised between jobs: instantiating hash-wasm per job would cost a WASM instantiate for
  // every part.
  let sha1Hasher: Promise<IHasher> | undefined;
  let md5Hasher: Promise<IHasher> | undefined;
  const abortedJobs = new Set<number>();
  const liveJobs = new Set<number>();
  let previous: Promise<unknown> = Promise.resolve();
  // Jobs run one at a time, so one buffer serves every whole read (WebCrypto) of this worker, and
  // one every chunk read (hash-wasm).
  const scratch: ReadBuffer = {};
  const chunkScratch: ReadBuffer = {};
  let open: SequentialReader | undefined;

  /** A started hash-wasm instance, or the failure to report (the next job tries again). */
  async function wasm(which: 'sha1' | 'md5'): Promise<IHasher | Sha1Result> {
    try {
      if (which === 'sha1') return await (sha1Hasher ??= createSHA1());
      return await (md5Hasher ??= createMD5());
    } catch (error) {
      if (which === 'sha1') sha1Hasher = undefined;
      else md5Hasher = undefined;
      return { ok: false, code: 'wasm_failed', message: `hash-wasm could not start: ${String(error)}` };
    }
  }

  /** Runs `work` after the jobs before it, unless aborted first, and forgets the job after. */
  function enqueue(
    jobId: number,
    work: (isAborted: () => boolean) => Promise<Sha1Result>,
  ): Promise<Sha1Result> {
    liveJobs.add(jobId);
    const isAborted = () => abortedJobs.has(jobId);
    const result = previous.then(async () => {
      try {
        if (isAborted()) return { ok: false, code: 'aborted', message: 'Hashing was aborted' } as const;
        return await work(isAborted);
      } finally {
        liveJobs.delete(jobId);
        abortedJobs.delete(jobId);
      }
    });
    previous = result.catch(() => undefined);
    return result;
  }

  async function sha1(blob: Blob, chunkSize: number, wholeReadMaxSize: number, isAborted: () => boolean) {
    if (blob.size <= wholeReadMaxSize) {
      const native = await sha1WithWebCrypto(blob, isAborted, scratch);
      if (native) return native;
    }
    const instance = await wasm('sha1');
    if (!('init' in instance)) return instance;
    return (
      (await sha1OfStream(instance, blob, chunkSize, isAborted, chunkScratch)) ??
      (await sha1OfBlob(instance, blob, chunkSize, isAborted))
    );
  }

  async function sha1AndMd5(
    blob: Blob,
    chunkSize: number,
    wholeReadMaxSize: number,
    isAborted: () => boolean,
  ): Promise<Sha1Result> {
    const instance = await wasm('sha1');
    if (!('init' in instance)) return instance;
    const md5 = await wasm('md5');
    if (!('init' in md5)) return md5;
    if (blob.size <= wholeReadMaxSize) {
      const native = await sha1WithWebCrypto(blob, isAborted, scratch, md5);
      if (native) return native;
    }
    const both = withMd5(instance, md5);
    const result =
      (await sha1OfStream(both, blob, chunkSize, isAborted, chunkScratch)) ??
      (await sha1OfBlob(both, blob, chunkSize, isAborted));
    return result.ok ? { ...result, md5: both.md5() } : result;
  }

  async function sha1Range(
    file: Blob,
    fileKey: number,
    start: number,
    end: number,
    chunkSize: number,
    isAborted: () => boolean,
  ): Promise<Sha1Result> {
    const instance = await wasm('sha1');
    if (!('init' in instance)) return instance;
    const ranged = await sha1OfRange(
      instance,
      file,
      fileKey,
      start,
      end,
      chunkSize,
      isAborted,
      chunkScratch,
      open,
    );
    if (ranged) {
      open = ranged.open;
      return ranged.result;
    }
    return await sha1OfBlob(instance, file.slice(start, end), chunkSize, isAborted);
  }

  return {
    sha1: (jobId, blob, chunkSize, wholeReadMaxSize = 0) =>
      enqueue(jobId, (isAborted) => sha1(blob, chunkSize, wholeReadMaxSize, isAborted)),
    sha1Range: (jobId, file, fileKey, start, end, chunkSize) =>
      enqueue(jobId, (isAborted) => sha1Range(file, fileKey, start, end, chunkSize, isAborted)),
    sha1AndMd5: (jobId, blob, chunkSize, wholeReadMaxSize = 0) =>
      enqueue(jobId, (isAborted) => sha1AndMd5(blob, chunkSize, wholeReadMaxSize, isAborted)),
    abort(jobId) {
      // Only remember aborts of jobs still here, so a late abort cannot leak an id forever.
      if (liveJobs.has(jobId)) abortedJobs.add(jobId);
    },
  };
}

expose(createHashWorker());
