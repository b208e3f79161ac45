/**
 * The Node side of `SendHashed`: a part goes out through node:http(s) with its SHA-1 computed on the
 * way and appended as 40 hex digits (`X-Bz-Content-Sha1: hex_digits_at_end`), so
 * every byte is read from disk once. Hashing first and sending after read each byte twice, and
 * Node 20's file-backed Blob reads (64 KiB into fresh buffers, then joined) cost most of the CPU.
 *
 * Memory: a File from `openFile` is read with positioned reads into two buffers per request (one
 * being written to the socket while the next is read), so a request holds 2 x 1 MiB whatever the
 * part size. The buffers go back to the sender's pool after the request and serve the next part:
 * a fresh pair per part (64 per GiB) would wait for V8 to collect external memory, which it does
 * lazily, and peak RSS would grow with the file. A buffer is reused only after the socket's write
 * callback, when Node no longer refers to it; after a failed request it is left to the GC. Any
 * other Blob is streamed through `Blob.stream()`.
 *
 * A file that changes on disk while a part is read is caught: its size and mtime are checked after
 * the part's last byte is read and before that last chunk (and the trailing SHA-1) goes out, and
 * the request is dropped, so B2 stores nothing (the body comes up short). `appendSha1: false`
 * sends the bytes alone, for presigned S3 parts.
 */
import { createHash, type Hash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import {
  Agent as HttpAgent,
  type ClientRequest,
  type IncomingMessage,
  request as httpRequest,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isUploadError } from '../upload/errors.js';
import { changedOnDisk, unreadable } from '../upload/to-upload-error.js';
import { noAnswer, type SendHashed, type SendHashedRequest, type SendResponse } from '../upload/transport.js';
import { type DiskFile, diskFileOf } from './disk-file.js';

/** Bytes per read and per socket write. */
const CHUNK_SIZE = 1024 * 1024;

export interface HashingSender {
  send: SendHashed;
  /** Closes the kept-alive connections. */
  close(): void;
}

interface BufferPool {
  take(): Buffer;
  give(buffer: Buffer): void;
}

export function createHashingSender(): HashingSender {
  // Keep-alive: one connection per part URL slot, reused part after part, as a browser would.
  const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  const spare: Buffer[] = [];
  const buffers: BufferPool = {
    take: () => spare.pop() ?? Buffer.allocUnsafeSlow(CHUNK_SIZE),
    give: (buffer) => spare.push(buffer),
  };
  return {
    send: (request) => sendHashed(request, agents, buffers),
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

async function sendHashed(
  request: SendHashedRequest,
  agents: { http: HttpAgent; https: HttpsAgent },
  buffers: BufferPool,
): Promise<SendResponse & { sha1: string }> {
  if (request.signal?.aborted) throw noAnswer('aborted', 'aborted before sending');
  const url = new URL(request.url);
  const length = request.end - request.start;
  const trailer = request.appendSha1 === false ? 0 : 40;
  const https = url.protocol === 'https:';
  const req = (https ? httpsRequest : httpRequest)(url, {
    method: request.method,
    agent: https ? agents.https : agents.http,
    headers: { ...request.headers, 'Content-Length': String(length + trailer) },
  });
  const answer = readAnswer(req);
  // What fails first decides the error; later failures of the same request are its echoes.
  answer.catch(() => undefined);
  let failure: Error | undefined;
  let answered = false;
  answer.then(
    () => (answered = true),
    () => undefined,
  );
  const fail = (error: Error) => {
    // Once answered, the socket may already serve the next part (keep-alive): leave it alone.
    if (answered) return;
    failure ??= error;
    req.destroy();
  };
  const onAbort = () => fail(noAnswer('aborted', 'request aborted'));
  request.signal?.addEventListener('abort', onAbort, { once: true });
  if (request.stallTimeoutMs !== undefined && request.stallTimeoutMs > 0) {
    // The socket's idle timer restarts on every write and every byte of the answer.
    req.setTimeout(request.stallTimeoutMs, () =>
      fail(noAnswer('timeout', `no progress for ${request.stallTimeoutMs} ms`)),
    );
  }
  try {
    const hash = createHash('sha1');
    try {
      await pump(request, req, hash, answer, buffers);
    } catch (error) {
      if (failure) throw failure;
      if (isUploadError(error)) {
        fail(error);
        throw error;
      }
      // B2 may answer (and close) before reading the whole body, e.g. 401 or 503: its answer is
      // what counts, not the write that failed.
      return {
        ...(await answer.catch(() => Promise.reject(noAnswer('network_error', describe(error))))),
        sha1: '',
      };
    }
    const sha1 = hash.digest('hex');
    req.end(trailer ? sha1 : undefined);
    const response = await answer.catch((error: unknown) => {
      throw failure ?? noAnswer('network_error', describe(error));
    });
    if (failure) throw failure;
    return { ...response, sha1 };
  } finally {
    request.signal?.removeEventListener('abort', onAbort);
  }
}

/** Writes the part's bytes (not yet the trailing SHA-1), hashing each chunk as it goes. */
async function pump(
  request: SendHashedRequest,
  req: ClientRequest,
  hash: Hash,
  answer: Promise<SendResponse>,
  buffers: BufferPool,
): Promise<void> {
  const closed = new Promise<never>((_, reject) => {
    req.once('close', () => reject(new Error('connection closed while sending')));
    answer.then(
      () => reject(new Error('answered before the body was sent')),
      (error: unknown) => reject(error),
    );
  });
  closed.catch(() => undefined);
  let sent = 0;
  const write = async (chunk: Uint8Array) => {
    hash.update(chunk);
    await Promise.race([
      new Promise<void>((resolve, reject) =>
        req.write(chunk, (error) => (error ? reject(error) : resolve())),
      ),
      closed,
    ]);
    sent += chunk.length;
    request.onProgress?.(sent);
  };
  const disk = diskFileOf(request.file);
  if (disk) await pumpFromDisk(disk, request, write, buffers);
  else await pumpFromBlob(request, write);
}

async function pumpFromDisk(
  disk: DiskFile,
  request: SendHashedRequest,
  write: (chunk: Uint8Array) => Promise<void>,
  pool: BufferPool,
): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(disk.path, 'r');
  } catch (error) {
    throw unreadable(error, disk.path);
  }
  try {
    const buffers = [pool.take(), pool.take()] as const;
    const read = async (position: number, buffer: Buffer) => {
      const want = Math.min(CHUNK_SIZE, request.end - position);
      const { bytesRead } = await handle.read(buffer, 0, want, position).catch((error: unknown) => {
        throw unreadable(error, disk.path);
      });
      // A short read means the file got shorter than when it was opened.
      if (bytesRead !== want) throw changedOnDisk(disk.path);
      return buffer.subarray(0, want);
    };
    let position = request.start;
    let next = position < request.end ? read(position, buffers[0]) : undefined;
    for (let i = 0; next; i++) {
      const chunk = await next;
      position += chunk.length;
      // Read the next chunk into the other buffer while this one goes out.
      next = position < request.end ? read(position, buffers[(i + 1) % 2]!) : undefined;
      next?.catch(() => undefined);
      // Checked before the last chunk goes out: without a trailing SHA-1 (an S3 part) the last
      // byte completes the body, and a changed file must leave it short.
      if (!next) await unchangedSince(handle, disk);
      await write(chunk);
    }
    // Every write has called back: the socket holds neither buffer any more.
    for (const buffer of buffers) pool.give(buffer);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

async function unchangedSince(handle: FileHandle, disk: DiskFile): Promise<void> {
  const now = await handle.stat().catch((error: unknown) => {
    throw unreadable(error, disk.path);
  });
  if (now.size !== disk.size || now.mtimeMs !== disk.mtimeMs) throw changedOnDisk(disk.path);
}

async function pumpFromBlob(
  request: SendHashedRequest,
  write: (chunk: Uint8Array) => Promise<void>,
): Promise<void> {
  const reader = request.file.slice(request.start, request.end).stream().getReader();
  try {
    for (;;) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        throw unreadable(error);
      }
      if (result.done) return;
      await write(result.value);
    }
  } finally {
    reader.releaseLock();
  }
}

function readAnswer(req: ClientRequest): Promise<SendResponse> {
  return new Promise((resolve, reject) => {
    // Every error of the request after the first one (a write failing after an early answer) is
    // an echo of it; without a listener Node would throw it.
    req.on('error', reject);
    req.once('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.once('end', () => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        resolve({ status: res.statusCode ?? 0, headers, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
  });
}

function describe(error: unknown): string {
  return `network error: ${error instanceof Error ? error.message : String(error)}`;
}
