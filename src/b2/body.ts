/**
 * Upload bodies: normalising what callers hand us into something fetch can re-send from the start on
 * every attempt, and the SHA-1 that B2 checks (X-Bz-Content-Sha1).
 */
import { createSHA1 } from 'hash-wasm';
import { DO_NOT_VERIFY, HEX_DIGITS_AT_END } from './wire.js';

/** What an upload accepts. Strings are sent as UTF-8. */
export type UploadBody = Blob | Uint8Array | ArrayBuffer | string;

/**
 * How the body's SHA-1 reaches B2: a 40-hex digest you already have, `'hex_digits_at_end'` (the digest
 * is computed and appended after the bytes, as B2 allows), or `'do_not_verify'` (no check; B2 marks the
 * file unverified). Omitted: the client computes the digest and sends it in the header.
 */
export type ContentSha1 = string | typeof HEX_DIGITS_AT_END | typeof DO_NOT_VERIFY;

/** A body ready to send any number of times, with the X-Bz-Content-Sha1 value that goes with it. */
export interface PreparedBody {
  /** Blob and Uint8Array are rewindable: each fetch re-reads them from byte 0. */
  payload: Blob | Uint8Array;
  sha1Header: string;
  /** The digest of the content (without appended hex), or undefined for do_not_verify. */
  contentSha1: string | undefined;
}

/** Hashing reads a Blob in slices of this size, so a 5 GB file never sits in memory at once. */
const HASH_SLICE_BYTES = 8 * 1024 * 1024;

export async function prepareBody(body: UploadBody, contentSha1?: ContentSha1): Promise<PreparedBody> {
  const content = toBytesOrBlob(body);
  if (contentSha1 === DO_NOT_VERIFY) {
    return { payload: content, sha1Header: DO_NOT_VERIFY, contentSha1: undefined };
  }
  if (contentSha1 === HEX_DIGITS_AT_END) {
    const digest = await sha1Hex(content);
    // B2 reads the last 40 bytes as the digest; they count in Content-Length and are not stored.
    const payload = new Blob([content as BlobPart, digest]);
    return { payload, sha1Header: HEX_DIGITS_AT_END, contentSha1: digest };
  }
  const digest = contentSha1 === undefined ? await sha1Hex(content) : contentSha1.toLowerCase();
  if (!/^[0-9a-f]{40}$/.test(digest)) {
    throw new TypeError(`contentSha1 must be 40 hex digits, '${HEX_DIGITS_AT_END}' or '${DO_NOT_VERIFY}'`);
  }
  return { payload: content, sha1Header: digest, contentSha1: digest };
}

export function toBytesOrBlob(body: UploadBody): Blob | Uint8Array {
  if (typeof body === 'string') return new TextEncoder().encode(body);
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  return body;
}

export function byteLength(body: Blob | Uint8Array): number {
  return body instanceof Uint8Array ? body.byteLength : body.size;
}

/** Lower-case hex SHA-1, streaming a Blob slice by slice (hash-wasm works in browsers and Node). */
export async function sha1Hex(body: Blob | Uint8Array): Promise<string> {
  const hasher = await createSHA1();
  hasher.init();
  if (body instanceof Uint8Array) {
    hasher.update(body);
  } else {
    for (let offset = 0; offset < body.size; offset += HASH_SLICE_BYTES) {
      const slice = await body.slice(offset, offset + HASH_SLICE_BYTES).arrayBuffer();
      hasher.update(new Uint8Array(slice));
    }
  }
  return hasher.digest('hex');
}
