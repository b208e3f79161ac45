/**
 * The SHA-1 loop shared by the hash worker and the in-thread hasher: read a Blob in `chunkSize`
 * slices and feed them to an incremental hash-wasm hasher, so memory stays bounded by two chunks
 * per job whatever the Blob's size (never load a whole file into memory).
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
  /** `sha1`: 40 lowercase hex digits; `md5` (32) when the job asked for it too. */
  { ok: true; sha1: string; md5?: string } | { ok: false; code: HashErrorCode; message: string };

/**
 * A SHA-1 hasher that feeds every read to an MD5 hasher as well, so a file read once yields both:
 * S3 uploads bind the MD5 (Content-MD5) and B2 reports the SHA-1. `digest` answers the SHA-1, as
 * the chunk loops expect; `md5()` the MD5 of the same bytes, after it.
 */
export function withMd5(sha1: IncrementalSha1, md5: IncrementalSha1): IncrementalSha1 & { md5(): string } {
  let md5Hex = '';
  return {
    init() {
      sha1.init();
      md5.init();
    },
    update(data) {
      sha1.update(data);
      md5.update(data);
    },
    digest(format) {
      md5Hex = md5.digest(format);
      return sha1.digest(format);
    },
    md5: () => md5Hex,
  };
}

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
 * SHA-1 of `blob` through hash-wasm, read as a byte stream into one reused `chunkSize` buffer
 * (`scratch`) instead of a fresh ArrayBuffer per chunk, so a worker's memory stays one chunk however
 * many parts it hashes (fresh chunks wait for V8's GC). Chromium reads the Blob ahead into its data
 * pipe meanwhile, which made it faster too: one worker hashing a whole 128-512 MiB File went from
 * ~180-220 MiB/s (slices with read-ahead) to ~280-350 MiB/s on the bench machine. Resolves
 * `undefined` where Blob streams aren't byte streams: use `sha1OfBlob` there.
 */
export async function sha1OfStream(
  hasher: IncrementalSha1,
  blob: Blob,
  chunkSize: number,
  isAborted: () => boolean,
  scratch: ReadBuffer,
): Promise<Sha1Result | undefined> {
  const reader = byobReader(blob);
  if (!reader) return undefined;
  hasher.init();
  let buffer = reusable(scratch, chunkSize);
  scratch.buffer = undefined;
  let done = false;
  let start = 0;
  try {
    while (!done) {
      if (isAborted()) return abortedResult;
      const filled = await fill(reader, buffer, Math.min(chunkSize, buffer.byteLength));
      buffer = filled.buffer;
      done = filled.done;
      if (isAborted()) return abortedResult;
      hasher.update(new Uint8Array(buffer, 0, filled.length));
      start += filled.length;
    }
  } catch (error) {
    return { ok: false, code: 'read_failed', message: `Could not read bytes ${start}+: ${errorText(error)}` };
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
  scratch.buffer = buffer;
  if (start !== blob.size) {
    return { ok: false, code: 'read_failed', message: `Read ${start} of ${blob.size} bytes` };
  }
  return { ok: true, sha1: hasher.digest('hex') };
}

/**
 * One file read from front to back across many hash jobs: the upload asks for its parts in order,
 * so part n+1 starts where part n ended and the same stream goes on. A stream per part left
 * Chromium's per-stream resources (blob data pipes) for a worker's rare GC to free, and renderer
 * memory crept up with the file's size; one stream per file keeps it flat.
 */
export interface SequentialReader {
  /** Which file, as the pool numbers them (Blobs lose their identity crossing into a worker). */
  key: number;
  /** Where the next read starts, in the file. */
  position: number;
  reader: ReadableStreamBYOBReader;
}

/**
 * SHA-1 of bytes `start`..`end` of `file`, read through `open` when it is this file's reader and
 * already at `start`, else through a new one (returned for the next job). Chunks go through the
 * reused `scratch` buffer and hash-wasm. Undefined when the platform can't read a Blob as a byte
 * stream; the caller then hashes `file.slice(start, end)` another way.
 */
export async function sha1OfRange(
  hasher: IncrementalSha1,
  file: Blob,
  key: number,
  start: number,
  end: number,
  chunkSize: number,
  isAborted: () => boolean,
  scratch: ReadBuffer,
  open: SequentialReader | undefined,
): Promise<{ result: Sha1Result; open: SequentialReader | undefined } | undefined> {
  let current = open;
  if (!current || current.key !== key || current.position !== start) {
    if (current) await closeReader(current.reader);
    const reader = byobReader(file.slice(start));
    if (!reader) return undefined;
    current = { key, position: start, reader };
  }
  hasher.init();
  let buffer = reusable(scratch, chunkSize);
  scratch.buffer = undefined;
  try {
    while (current.position < end) {
      if (isAborted()) {
        // Stopped inside the range: the stream is no longer at a part boundary anyone will ask for.
        await closeReader(current.reader);
        return { result: abortedResult, open: undefined };
      }
      const want = Math.min(chunkSize, buffer.byteLength, end - current.position);
      const filled = await fill(current.reader, buffer, want);
      buffer = filled.buffer;
      hasher.update(new Uint8Array(buffer, 0, filled.length));
      current.position += filled.length;
      if (filled.length < want) {
        await closeReader(current.reader);
        const message = `Read ${current.position - start} of ${end - start} bytes`;
        return { result: { ok: false, code: 'read_failed', message }, open: undefined };
      }
    }
  } catch (error) {
    await closeReader(current.reader);
    const message = `Could not read bytes ${current.position}+: ${errorText(error)}`;
    return { result: { ok: false, code: 'read_failed', message }, open: undefined };
  } finally {
    scratch.buffer = buffer;
  }
  if (end >= file.size) {
    // The file's last part: nothing more will come from this stream.
    await closeReader(current.reader);
    return { result: { ok: true, sha1: hasher.digest('hex') }, open: undefined };
  }
  return { result: { ok: true, sha1: hasher.digest('hex') }, open: current };
}

/** Ends a reader that may be mid-stream, so its data pipe closes now rather than at GC. */
export async function closeReader(reader: ReadableStreamBYOBReader): Promise<void> {
  await reader.cancel().catch(() => undefined);
  reader.releaseLock();
}

/** `scratch`'s buffer when it holds `size` bytes, else a new one (kept by the caller afterwards). */
function reusable(scratch: ReadBuffer, size: number): ArrayBuffer {
  return scratch.buffer && scratch.buffer.byteLength >= size ? scratch.buffer : new ArrayBuffer(size);
}

function byobReader(blob: Blob): ReadableStreamBYOBReader | undefined {
  try {
    return blob.stream().getReader({ mode: 'byob' });
  } catch {
    return undefined;
  }
}

/** Reads into `buffer` until `want` bytes or the stream's end; the buffer comes back transferred. */
async function fill(
  reader: ReadableStreamBYOBReader,
  buffer: ArrayBuffer,
  want: number,
): Promise<{ buffer: ArrayBuffer; length: number; done: boolean }> {
  let length = 0;
  while (length < want) {
    const { value, done } = await reader.read(new Uint8Array(buffer, length, want - length));
    if (value) buffer = value.buffer;
    if (done || !value) return { buffer, length, done: true };
    length += value.byteLength;
  }
  return { buffer, length, done: false };
}

/**
 * A buffer a worker keeps between WebCrypto jobs, so part after part is read into the same memory
 * instead of a fresh part-sized ArrayBuffer each time: dead ArrayBuffers wait for V8's GC, which
 * let each worker hold over 100 MiB of old parts (measured in headless Chromium 156 on the 2-core
 * bench machine, two workers hashing a 512 MiB File as 16 MiB parts: renderer growth ~230 MiB with
 * fresh buffers, ~115 MiB with the reused one, at the same speed).
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
 * two hash-wasm workers managed ~360 (and SHA-NI leaves more CPU to the sending).
 */
export async function sha1WithWebCrypto(
  blob: Blob,
  isAborted: () => boolean,
  scratch: ReadBuffer = {},
  md5?: IncrementalSha1,
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
    // digest() copies its input before it returns, so `scratch` can take the next part at once,
    // and the MD5 of the same bytes runs here while the SHA-1 runs on WebCrypto's thread.
    const pending = subtle.digest('SHA-1', bytes);
    md5?.init();
    md5?.update(bytes);
    digest = await pending;
  } catch {
    return undefined;
  }
  const sha1 = toHex(new Uint8Array(digest));
  return md5 ? { ok: true, sha1, md5: md5.digest('hex') } : { ok: true, sha1 };
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
  const reader = byobReader(blob);
  if (!reader) return new Uint8Array(await blob.arrayBuffer());
  const buffer = reusable(scratch, blob.size);
  scratch.buffer = undefined; // transferred by each read; put back below
  let filled: Awaited<ReturnType<typeof fill>> | undefined;
  try {
    if (isAborted()) return undefined;
    filled = await fill(reader, buffer, blob.size);
  } finally {
    // A stream read to its last byte but not to its end keeps Chromium's blob data pipe open until
    // GC, which in a worker that allocates little is rare.
    if (!filled?.done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
  scratch.buffer = filled.buffer;
  if (filled.length !== blob.size) throw new Error(`read ${filled.length} of ${blob.size} bytes`);
  return new Uint8Array(filled.buffer, 0, filled.length);
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
