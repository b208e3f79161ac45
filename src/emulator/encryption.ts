/**
 * Server-side encryption as B2 takes it: SSE-B2 (B2 holds the key) or SSE-C (the customer sends an
 * AES-256 key with every request that touches the bytes). Only the key's MD5 is kept, to recognise the
 * same key on later requests; the key itself is never stored. A file encrypted with SSE-C can't be
 * read, copied or extended without its key: `403 access_denied`, which b2sdk reads as its SSE-C key
 * error (B2's exact code for this is unconfirmed). Malformed key headers are `400 bad_request`.
 * See https://www.backblaze.com/docs/cloud-storage-server-side-encryption.
 */
import { createHash } from 'node:crypto';
import { B2Failure, badRequest } from './errors.js';
import type { Exchange } from './exchange.js';
import type { FileRecord } from './model.js';
import type { Params } from './params.js';

export type Encryption = { mode: 'SSE-B2' } | { mode: 'SSE-C'; keyMd5: string } | { mode: null };

const NONE: Encryption = { mode: null };

const CUSTOMER_HEADER = 'x-bz-server-side-encryption-customer-';

/** The base64 MD5 of a base64 AES-256 key, after checking the key and the MD5 the client sent. */
function checkedKeyMd5(algorithm: unknown, key: unknown, keyMd5: unknown): string {
  if (algorithm !== 'AES256') throw badRequest('SSE-C algorithm must be AES256');
  if (typeof key !== 'string' || typeof keyMd5 !== 'string')
    throw badRequest('SSE-C needs the customer key and its MD5');
  const raw = Buffer.from(key, 'base64');
  if (raw.length !== 32 || raw.toString('base64') !== key)
    throw badRequest('SSE-C customer key must be 32 bytes, base64-encoded');
  const actual = createHash('md5').update(raw).digest('base64');
  if (actual !== keyMd5) throw badRequest('SSE-C customer key MD5 does not match the key');
  return actual;
}

/** The SSE-C key a request carries in headers (upload, part, download, HEAD), or undefined. */
export function customerKeyFromHeaders(x: Exchange): string | undefined {
  const algorithm = x.header(`${CUSTOMER_HEADER}algorithm`);
  const key = x.header(`${CUSTOMER_HEADER}key`);
  const keyMd5 = x.header(`${CUSTOMER_HEADER}key-md5`);
  if (algorithm === undefined && key === undefined && keyMd5 === undefined) return undefined;
  return checkedKeyMd5(algorithm, key, keyMd5);
}

/** Encryption asked for by upload headers; `fallback` (the bucket default) when none is named. */
export function encryptionFromHeaders(x: Exchange, fallback: Encryption): Encryption {
  const customer = customerKeyFromHeaders(x);
  const sse = x.header('x-bz-server-side-encryption');
  if (customer !== undefined) {
    if (sse !== undefined) throw badRequest('SSE-B2 and SSE-C headers exclude each other');
    return { mode: 'SSE-C', keyMd5: customer };
  }
  if (sse === undefined) return fallback;
  if (sse !== 'AES256') throw badRequest(`Invalid X-Bz-Server-Side-Encryption: ${sse}`);
  return { mode: 'SSE-B2' };
}

/**
 * Encryption named by a JSON field (`serverSideEncryption`, `destinationServerSideEncryption`);
 * `fallback` when the field is absent. `{mode: null}` asks for none.
 */
export function encryptionFromJson(p: Params, name: string, fallback: Encryption): Encryption {
  const v = p[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'object' || v === null) throw badRequest(`${name} must be an object`);
  const s = v as Params;
  if (s.mode === null || s.mode === undefined) return NONE;
  if (s.mode === 'SSE-B2') {
    if (s.algorithm !== undefined && s.algorithm !== null && s.algorithm !== 'AES256')
      throw badRequest(`${name}.algorithm must be AES256`);
    return { mode: 'SSE-B2' };
  }
  if (s.mode === 'SSE-C')
    return { mode: 'SSE-C', keyMd5: checkedKeyMd5(s.algorithm, s.customerKey, s.customerKeyMd5) };
  throw badRequest(`${name}.mode must be SSE-B2, SSE-C or null`);
}

/** The SSE-C key named by a JSON field (`sourceServerSideEncryption`), or undefined. */
export function customerKeyFromJson(p: Params, name: string): string | undefined {
  const e = encryptionFromJson(p, name, NONE);
  return e.mode === 'SSE-C' ? e.keyMd5 : undefined;
}

export const bucketEncryption = (defaultSse: 'SSE-B2' | null): Encryption =>
  defaultSse ? { mode: defaultSse } : NONE;

/** The record fields of an encryption choice. */
export function encryptionFields(e: Encryption): Pick<FileRecord, 'sse' | 'sseKeyMd5'> {
  return e.mode === 'SSE-C' ? { sse: 'SSE-C', sseKeyMd5: e.keyMd5 } : { sse: e.mode };
}

/** A request touching an SSE-C file's bytes must carry its key; other files must not get one. */
export function requireCustomerKey(
  file: Pick<FileRecord, 'sse' | 'sseKeyMd5' | 'fileId'>,
  keyMd5: string | undefined,
): void {
  if (file.sse === 'SSE-C') {
    if (keyMd5 === undefined)
      throw new B2Failure(403, 'access_denied', `File ${file.fileId} is encrypted with SSE-C: send its key`);
    if (keyMd5 !== file.sseKeyMd5)
      throw new B2Failure(403, 'access_denied', `Wrong SSE-C key for file ${file.fileId}`);
  } else if (keyMd5 !== undefined) {
    throw badRequest(`File ${file.fileId} is not encrypted with SSE-C`);
  }
}
