/**
 * The SHA-1 loop shared by the hash worker and the in-thread hasher: read a Blob in `chunkSize`
 * slices and feed them to an incremental hash-wasm hasher, so memory stays bounded by two chunks
 * per job whatever the Blob's size (SPEC §2: never load a whole file into memory).
 *
 * It reads one chunk ahead: the next slice is read (by the browser's I/O thread) while this one is
 * hashed. Measured in headless Chromium 156 on 2 cores, one worker, a 64 MiB File, median of 3:
 * 1 MiB chunks 224 -> 311 MiB/s, 4 MiB chunks 285 -> 339 MiB/s with the read-ahead.
 *
 * It never throws: the outcome is plain data, because in the worker it must cross a postMessage
 * boundary intact (comlink would keep only name/message/stack of a thrown error).
 */
import type { HashErrorCode } from './hasher-error.js';

/**
 * What the chunk loop needs of an incremental SHA-1: hash-wasm's `IHasher` has this shape, and so
 * has the node:crypto adapter of the inline hasher.
 */
export interface IncrementalSha1 {
  init(): unknown;
  update(data: Uint8Array): unknown;
  digest(format: 'hex'): string;
}

/** What one hash job produced, as structured-clonable data. */
export type Sha1Result =
  /** `sha1`: 40 lowercase hex digits. */
  { ok: true; sha1: string } | { ok: false; code: HashErrorCode; message: string };

/**
 * SHA-1 of `blob`, reading at most `chunkSize` bytes at a time (and holding at most two such
 * reads). `isAborted` is polled before and after every read, so a cancelled job stops within one
 * chunk. `hasher` is re-initialised here, so one WASM instance serves many jobs (one at a time).
 */
export async function sha1OfBlob(
  hasher: IncrementalSha1,
  blob: Blob,
  chunkSize: number,
  isAborted: () => boolean,
): Promise<Sha1Result> {
  hasher.init();
  const read = (start: number) => readChunk(blob, start, Math.min(start + chunkSize, blob.size));
  let next = blob.size > 0 ? read(0) : undefined;
  for (let start = 0; next; start += chunkSize) {
    if (isAborted()) return abortedResult;
    const chunk = await next;
    if ('error' in chunk) {
      return {
        ok: false,
        code: 'read_failed',
        message: `Could not read bytes ${chunk.start}+: ${errorText(chunk.error)}`,
      };
    }
    next = start + chunkSize < blob.size ? read(start + chunkSize) : undefined;
    if (isAborted()) return abortedResult;
    hasher.update(new Uint8Array(chunk.bytes));
  }
  return { ok: true, sha1: hasher.digest('hex') };
}

/**
 * A buffer a worker keeps between WebCrypto jobs, so part after part is read into the same memory
 * instead of a fresh part-sized ArrayBuffer each time: dead ArrayBuffers wait for V8's GC, which
 * let each worker hold over 100 MiB of old parts (measured by `npm run bench`: renderer growth
 * during a 512 MiB upload fell from ~220 to ~115 MiB with the reused buffer, at the same speed).
 */
export interface ReadBuffer {
  buffer?: ArrayBuffer;
}

/**
 * SHA-1 of `blob` with WebCrypto: one read of the whole Blob into `scratch`, one native digest (not
 * incremental, so only for part-sized Blobs). Resolves `undefined` where WebCrypto can't do it (no
 * `crypto.subtle` outside secure contexts, or SHA-1 refused), so the caller falls back to the chunk
 * loop. Chromium's digest uses the CPU's SHA extensions: measured on the bench machine (2 cores,
 * sha_ni), two workers hashing 16 MiB parts of a File on disk this way ran at ~400-450 MiB/s, where
 * one hash-wasm worker managed ~130-190.
 */
export async function sha1WithWebCrypto(
  blob: Blob,
  isAborted: () => boolean,
  scratch: ReadBuffer = {},
): Promise<Sha1Result | undefined> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return undefined;
  if (isAborted()) return abortedResult;
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    const filled = await readWhole(blob, scratch, isAborted);
    if (!filled) return abortedResult;
    bytes = filled;
  } catch (error) {
    return { ok: false, code: 'read_failed', message: `Could not read bytes 0+: ${errorText(error)}` };
  }
  if (isAborted()) return abortedResult;
  let digest: ArrayBuffer;
  try {
    // digest() copies its input before it returns, so `scratch` can take the next part at once.
    digest = await subtle.digest('SHA-1', bytes);
  } catch {
    return undefined;
  }
  return { ok: true, sha1: toHex(new Uint8Array(digest)) };
}

/**
 * All of `blob` in `scratch.buffer` (grown when too small), read through a BYOB reader so no new
 * buffer is made per read; `undefined` when aborted. Where Blob streams aren't byte streams, one
 * `arrayBuffer()` read instead.
 */
async function readWhole(
  blob: Blob,
  scratch: ReadBuffer,
  isAborted: () => boolean,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  if (blob.size === 0) return new Uint8Array(0);
  let reader: ReadableStreamBYOBReader;
  try {
    reader = blob.stream().getReader({ mode: 'byob' });
  } catch {
    return new Uint8Array(await blob.arrayBuffer());
  }
  let buffer = scratch.buffer && scratch.buffer.byteLength >= blob.size ? scratch.buffer : new ArrayBuffer(blob.size);
  scratch.buffer = undefined; // transferred by each read; put back below
  let filled = 0;
  try {
    while (filled < blob.size) {
      if (isAborted()) {
        await reader.cancel().catch(() => undefined);
        return undefined;
      }
      const { value, done } = await reader.read(new Uint8Array(buffer, filled, buffer.byteLength - filled));
      if (done || !value) break;
      buffer = value.buffer as ArrayBuffer;
      filled += value.byteLength;
    }
  } finally {
    reader.releaseLock();
  }
  scratch.buffer = buffer;
  if (filled !== blob.size) throw new Error(`read ${filled} of ${blob.size} bytes`);
  return new Uint8Array(buffer, 0, filled);
}

function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

const abortedResult: Sha1Result = Object.freeze({
  ok: false,
  code: 'aborted',
  message: 'Hashing was aborted',
});

/** Bytes [start, end) of `blob`, or why they could not be read, without ever throwing. */
async function readChunk(
  blob: Blob,
  start: number,
  end: number,
): Promise<{ bytes: ArrayBuffer } | { error: unknown; start: number }> {
  try {
    return { bytes: await blob.slice(start, end).arrayBuffer() };
  } catch (error) {
    // Chromium and Node both reject with a NotReadableError when the file behind a File changed
    // or vanished after it was picked; any read failure means the same thing to the uploader.
    return { error, start };
  }
}

function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
