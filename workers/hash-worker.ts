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
  // One WASM instance per worker, started on the first job and re-initialised between jobs:
  // instantiating hash-wasm per job would cost a WASM instantiate for every part.
  let hasher: Promise<IHasher> | undefined;
  let md5Hasher: Promise<IHasher> | undefined;
  const abortedJobs = new Set<number>();
  const liveJobs = new Set<number>();
  let previous: Promise<unknown> = Promise.resolve();
  // Jobs run one at a time, so one buffer serves every whole read (WebCrypto) of this worker, and
  // one every chunk read (hash-wasm).
  const scratch: ReadBuffer = {};
  const chunkScratch: ReadBuffer = {};
  let open: SequentialReader | undefined;

  async function wasm(): Promise<IHasher | Sha1Result> {
    try {
      hasher ??= createSHA1();
      return await hasher;
    } catch (error) {
      hasher = undefined;
      return { ok: false, code: 'wasm_failed', message: `hash-wasm could not start: ${String(error)}` };
    }
  }

  async function runBoth(
    jobId: number,
    blob: Blob,
    chunkSize: number,
    wholeReadMaxSize: number,
  ): Promise<Sha1Result> {
    try {
      const isAborted = () => abortedJobs.has(jobId);
      if (isAborted()) return { ok: false, code: 'aborted', message: 'Hashing was aborted' };
      const instance = await wasm();
      if (!('init' in instance)) return instance;
      let md5: IHasher;
      try {
        md5Hasher ??= createMD5();
        md5 = await md5Hasher;
      } catch (error) {
        md5Hasher = undefined;
        return { ok: false, code: 'wasm_failed', message: `hash-wasm could not start: ${String(error)}` };
      }
      if (blob.size <= wholeReadMaxSize) {
        const native = await sha1WithWebCrypto(blob, isAborted, scratch, md5);
        if (native) return native;
      }
      const both = withMd5(instance, md5);
      const result =
        (await sha1OfStream(both, blob, chunkSize, isAborted, chunkScratch)) ??
        (await sha1OfBlob(both, blob, chunkSize, isAborted));
      return result.ok ? { ...result, md5: both.md5() } : result;
    } finally {
      liveJobs.delete(jobId);
      abortedJobs.delete(jobId);
    }
  }

  async function runRange(
    jobId: number,
    file: Blob,
    fileKey: number,
    start: number,
    end: number,
    chunkSize: number,
  ): Promise<Sha1Result> {
    try {
      const isAborted = () => abortedJobs.has(jobId);
      if (isAborted()) return { ok: false, code: 'aborted', message: 'Hashing was aborted' };
      const instance = await wasm();
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
    } finally {
      liveJobs.delete(jobId);
      abortedJobs.delete(jobId);
    }
  }

  async function run(
    jobId: number,
    blob: Blob,
    chunkSize: number,
    wholeReadMaxSize: number,
  ): Promise<Sha1Result> {
    try {
      if (abortedJobs.has(jobId)) return { ok: false, code: 'aborted', message: 'Hashing was aborted' };
      if (blob.size <= wholeReadMaxSize) {
        const native = await sha1WithWebCrypto(blob, () => abortedJobs.has(jobId), scratch);
        if (native) return native;
      }
      const instance = await wasm();
      if (!('init' in instance)) return instance;
      const isAborted = () => abortedJobs.has(jobId);
      return (
        (await sha1OfStream(instance, blob, chunkSize, isAborted, chunkScratch)) ??
        (await sha1OfBlob(instance, blob, chunkSize, isAborted))
      );
    } finally {
      liveJobs.delete(jobId);
      abortedJobs.delete(jobId);
    }
  }

  return {
    sha1(jobId, blob, chunkSize, wholeReadMaxSize = 0) {
      liveJobs.add(jobId);
      const result = previous.then(() => run(jobId, blob, chunkSize, wholeReadMaxSize));
      previous = result.catch(() => undefined);
      return result;
    },
    sha1Range(jobId, file, fileKey, start, end, chunkSize) {
      liveJobs.add(jobId);
      const result = previous.then(() => runRange(jobId, file, fileKey, start, end, chunkSize));
      previous = result.catch(() => undefined);
      return result;
    },
    sha1AndMd5(jobId, blob, chunkSize, wholeReadMaxSize = 0) {
      liveJobs.add(jobId);
      const result = previous.then(() => runBoth(jobId, blob, chunkSize, wholeReadMaxSize));
      previous = result.catch(() => undefined);
      return result;
    },
    abort(jobId) {
      // Only remember aborts of jobs still here, so a late abort cannot leak an id forever.
      if (liveJobs.has(jobId)) abortedJobs.add(jobId);
    },
  };
}

expose(createHashWorker());
