/**
 * Receives an upload body straight into the blob store while hashing it, so a 1 GiB part never sits in
 * memory (dataDir mode). Implements B2's three X-Bz-Content-Sha1 modes: a 40-hex SHA-1,
 * `hex_digits_at_end` (the last 40 bytes of the body are the hex SHA-1 and are not stored), and
 * `do_not_verify`. Nothing becomes visible unless every byte arrived and the hash matched.
 * Bodies from 1 MiB up are hashed in the emulator's worker pool (digest-pool.ts), smaller ones inline,
 * where a round trip to a worker would cost more than the hashing.
 */
import { createHash } from 'node:crypto';
import { DO_NOT_VERIFY, HEX_DIGITS_AT_END } from '../b2/wire.js';
import { B2Failure, badRequest } from './errors.js';
import type { Exchange } from './exchange.js';
import type { BodyDigests, BodyHasher } from './digest-pool.js';
import type { BlobRef } from './model.js';
import { splitTrailer } from './trailer.js';

export interface ReceivedBody {
  blob: BlobRef;
  /** What B2 reports: the verified hex SHA-1, or `unverified:<hex>` for do_not_verify. */
  contentSha1: string;
  contentMd5: string;
}

const SHA1_HEX = /^[0-9a-fA-F]{40}$/;

/** Below this many bytes a body is hashed on the main thread. */
const WORKER_HASH_MIN_BYTES = 1024 * 1024;

function inlineHasher(): BodyHasher {
  const sha1 = createHash('sha1');
  const md5 = createHash('md5');
  return {
    update(chunk) {
      sha1.update(chunk);
      md5.update(chunk);
      return true;
    },
    room: async () => {},
    async digest(): Promise<BodyDigests> {
      return { sha1: sha1.digest('hex'), md5: md5.digest('hex') };
    },
    abort() {},
  };
}

/** Checks Content-Length, chunked encoding and X-Bz-Content-Sha1 before any byte is read. */
export function bodyLength(x: Exchange, max: number): { length: number; sha1Mode: string } {
  if (x.header('transfer-encoding')) {
    throw badRequest('Transfer-Encoding is not supported; send Content-Length');
  }
  const raw = x.header('content-length');
  if (raw === undefined || !/^\d+$/.test(raw)) throw badRequest('Content-Length header is required');
  const sha1Mode = x.header('x-bz-content-sha1');
  if (sha1Mode === undefined) throw badRequest('X-Bz-Content-Sha1 header is required');
  if (sha1Mode !== HEX_DIGITS_AT_END && sha1Mode !== DO_NOT_VERIFY && !SHA1_HEX.test(sha1Mode)) {
    throw badRequest(`Invalid X-Bz-Content-Sha1: ${sha1Mode}`);
  }
  const total = Number(raw);
  const length = sha1Mode === HEX_DIGITS_AT_END ? total - 40 : total;
  if (length < 0) throw badRequest('Content-Length is too small to hold the trailing SHA-1');
  if (length > max) throw badRequest(`Content-Length ${length} exceeds the maximum of ${max}`);
  return { length, sha1Mode };
}

/** How ingestBody treats a body beyond storing and hashing it. */
export interface IngestOptions {
  /** Bytes at the end held back from the content (B2's `hex_digits_at_end` trailer); default 0. */
  trailerBytes?: number;
  /** Sees every content byte in order, e.g. S3's SHA-256 payload check. */
  tap?: (chunk: Buffer) => void;
  /** Runs after the last byte and before the blob becomes visible; throw to store nothing. */
  check(digests: BodyDigests, trailer: Buffer): void;
}

/**
 * Streams the body into a new blob while hashing it (SHA-1 and MD5), and commits the blob only when
 * every byte arrived and `check` passed. The native upload endpoints and S3's PutObject/UploadPart share it.
 */
export async function ingestBody(
  x: Exchange,
  options: IngestOptions,
): Promise<{ blob: BlobRef; digests: BodyDigests }> {
  const writer = x.ctx.blobs.create();
  const length = Number(x.header('content-length') ?? 0);
  const pool = x.ctx.hashing;
  const hasher = pool && length >= WORKER_HASH_MIN_BYTES ? pool.start() : inlineHasher();
  // The last bytes may be a trailer, not content: held back until the body ends.
  const trailer = options.trailerBytes ? splitTrailer(options.trailerBytes) : undefined;
  let stored = 0;
  try {
    for await (const chunk of x.body()) {
      for (const piece of trailer ? trailer.content(chunk) : [chunk]) {
        stored += piece.length;
        options.tap?.(piece);
        const hashing = hasher.update(piece);
        const writing = writer.write(piece);
        // Wait only when the workers or the disk are behind: an await per 64 KiB chunk was measurable.
        if (!hashing) await hasher.room();
        if (!writing) await writer.drained();
      }
    }
    const digests = await hasher.digest();
    options.check(digests, trailer ? trailer.trailer() : Buffer.alloc(0));
    const blobId = await writer.commit();
    return { blob: { blobId, length: stored }, digests };
  } catch (error) {
    hasher.abort();
    writer.abort();
    throw error;
  }
}

export async function receiveBody(x: Exchange, sha1Mode: string): Promise<ReceivedBody> {
  const atEnd = sha1Mode === HEX_DIGITS_AT_END;
  const { blob, digests } = await ingestBody(x, {
    trailerBytes: atEnd ? 40 : 0,
    check(actual, trailer) {
      const expected = atEnd ? trailer.toString('latin1') : sha1Mode;
      if (sha1Mode !== DO_NOT_VERIFY && expected.toLowerCase() !== actual.sha1) {
        throw new B2Failure(400, 'bad_request', 'Sha1 did not match data received');
      }
    },
  });
  return {
    blob,
    contentSha1: sha1Mode === DO_NOT_VERIFY ? `unverified:${digests.sha1}` : digests.sha1,
    contentMd5: digests.md5,
  };
}
