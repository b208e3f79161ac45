/** Reading a file's bytes across its blobs (a finished large file is streamed part by part). */
import { createHash } from 'node:crypto';
import type { EmulatorContext } from './context.js';
import { B2Failure } from './errors.js';
import type { BlobRef } from './model.js';

/**
 * Bytes `start..end` inclusive of a run of blobs, in order, without concatenating them. An emulator
 * that keeps no bytes refuses here, when the call is made: before a download's status and headers
 * go out or a copy starts, so a client never gets a truncated or made-up body.
 */
export function readBlobs(
  ctx: EmulatorContext,
  blobs: BlobRef[],
  start: number,
  end: number,
): AsyncIterable<Buffer> {
  if (!ctx.blobs.keepsBytes && end >= start) {
    throw new B2Failure(
      501,
      'unsupported',
      'This emulator keeps no bytes (started with keepBytes: false, a benchmark and test mode): ' +
        "it checked and counted this file's bytes on upload, but can't serve or copy them.",
    );
  }
  return readKept(ctx, blobs, start, end);
}

async function* readKept(
  ctx: EmulatorContext,
  blobs: BlobRef[],
  start: number,
  end: number,
): AsyncGenerator<Buffer> {
  let offset = 0;
  for (const blob of blobs) {
    const blobStart = offset;
    const blobEnd = offset + blob.length - 1;
    offset += blob.length;
    if (blobEnd < start || blobStart > end || blob.length === 0) continue;
    yield* ctx.blobs.read(
      blob.blobId,
      Math.max(start, blobStart) - blobStart,
      Math.min(end, blobEnd) - blobStart,
    );
  }
}

/** Writes a byte stream into a new blob (used by the copy operations), hashing as it goes. */
export async function storeCopy(
  ctx: EmulatorContext,
  source: AsyncIterable<Buffer>,
): Promise<{ blob: BlobRef; contentSha1: string; contentMd5: string }> {
  const writer = ctx.blobs.create();
  const sha1 = createHash('sha1');
  const md5 = createHash('md5');
  let length = 0;
  try {
    for await (const chunk of source) {
      sha1.update(chunk);
      md5.update(chunk);
      length += chunk.length;
      if (!writer.write(chunk)) await writer.drained();
    }
    const blobId = await writer.commit();
    return { blob: { blobId, length }, contentSha1: sha1.digest('hex'), contentMd5: md5.digest('hex') };
  } catch (error) {
    writer.abort();
    throw error;
  }
}
