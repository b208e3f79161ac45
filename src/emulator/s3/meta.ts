/**
 * Object metadata between S3 headers and B2 file records: `x-amz-meta-*` ↔ file info, the standard
 * headers ↔ B2's `b2-*` info keys, and the write headers B2 accepts only in one form (canned ACL equal
 * to the bucket's, storage class STANDARD, SSE AES256).
 */
import { B2_INFO_HEADERS, type Capability } from '../../b2/wire.js';
import type { Grant } from '../auth.js';
import { etagOf } from '../etag.js';
import type { LockRequest } from '../lock.js';
import type { BucketRecord, FileRecord } from '../model.js';
import { normaliseFileInfo } from '../validate.js';
import { S3Failure, invalidArgument, notImplemented } from './errors.js';
import { type S3Request, httpDate, isoDate } from './request.js';

const META_PREFIX = 'x-amz-meta-';

/** Standard response headers stored as B2 `b2-*` file info, by lower-case request header name. */
const STANDARD_HEADERS = Object.fromEntries(
  Object.entries(B2_INFO_HEADERS).map(([info, header]) => [header.toLowerCase(), info]),
) as Record<string, string>;

/** B2 buckets are private or public-read, and an object's ACL can only be the bucket's. */
function checkAcl(r: S3Request, bucket: BucketRecord): void {
  const acl = r.x.header('x-amz-acl');
  if (acl === undefined) return;
  const bucketAcl = bucket.bucketType === 'allPublic' ? 'public-read' : 'private';
  if (acl !== bucketAcl) {
    throw invalidArgument(`The object ACL must be the bucket's ACL ('${bucketAcl}'), not '${acl}'`);
  }
}

export interface WriteSettings {
  sse: 'SSE-B2' | null;
  /** Object Lock asked for with `x-amz-object-lock-*` (checked by lockFields when stored). */
  lock: LockRequest;
}

/** `x-amz-object-lock-mode` + `-retain-until-date` and `x-amz-object-lock-legal-hold`, as B2's lock. */
function lockFromHeaders(r: S3Request): LockRequest {
  const mode = r.x.header('x-amz-object-lock-mode');
  const until = r.x.header('x-amz-object-lock-retain-until-date');
  const hold = r.x.header('x-amz-object-lock-legal-hold');
  const lock: LockRequest = {};
  if (mode !== undefined || until !== undefined) {
    const retainUntil = until === undefined ? Number.NaN : Date.parse(until);
    if ((mode !== 'GOVERNANCE' && mode !== 'COMPLIANCE') || Number.isNaN(retainUntil)) {
      throw invalidArgument(
        'x-amz-object-lock-mode (GOVERNANCE or COMPLIANCE) and x-amz-object-lock-retain-until-date go together',
      );
    }
    lock.retention = {
      mode: mode === 'GOVERNANCE' ? 'governance' : 'compliance',
      retainUntilTimestamp: retainUntil,
    };
  }
  if (hold !== undefined) {
    if (hold !== 'ON' && hold !== 'OFF')
      throw invalidArgument('x-amz-object-lock-legal-hold must be ON or OFF');
    lock.legalHold = hold === 'ON' ? 'on' : 'off';
  }
  return lock;
}

/** Checks the headers a write may carry and returns what they set. */
export function writeSettings(r: S3Request, bucket: BucketRecord): WriteSettings {
  checkAcl(r, bucket);
  const storageClass = r.x.header('x-amz-storage-class');
  if (storageClass !== undefined && storageClass !== 'STANDARD') {
    throw new S3Failure(
      400,
      'InvalidArgument',
      `Storage class ${storageClass} is not supported; use STANDARD`,
    );
  }
  if (r.x.header('x-amz-server-side-encryption-customer-algorithm') !== undefined) {
    throw notImplemented('SSE-C');
  }
  const sse = r.x.header('x-amz-server-side-encryption');
  if (sse !== undefined && sse !== 'AES256') {
    throw invalidArgument(`Server-side encryption ${sse} is not supported; use AES256`);
  }
  return { sse: sse === 'AES256' ? 'SSE-B2' : bucket.defaultSse, lock: lockFromHeaders(r) };
}

/** File info from `x-amz-meta-*` and the standard headers, checked by B2's rules. */
export function fileInfoFromHeaders(
  r: S3Request,
  fileName: string,
  encrypted: boolean,
): Record<string, string> {
  const info: Record<string, string> = {};
  for (const [name, value] of Object.entries(r.x.req.headers)) {
    const text = Array.isArray(value) ? value.join(',') : (value ?? '');
    if (name.startsWith(META_PREFIX)) info[name.slice(META_PREFIX.length)] = text;
    else if (name in STANDARD_HEADERS) info[STANDARD_HEADERS[name]!] = text;
  }
  return normaliseFileInfo(fileName, info, encrypted);
}

/** Content type as sent; S3 stores `binary/octet-stream` when none is given. */
export function contentTypeOf(r: S3Request): string {
  return r.x.header('content-type') || 'binary/octet-stream';
}

/** Headers describing a stored version (GET, HEAD); Object Lock ones only for keys that may read them. */
export function objectHeaders(file: FileRecord, grant: Grant | undefined): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': file.contentType,
    ETag: etagOf(file),
    'Last-Modified': httpDate(file.uploadTimestamp),
    'Accept-Ranges': 'bytes',
    'x-amz-version-id': file.fileId,
  };
  for (const [key, value] of Object.entries(file.fileInfo)) {
    const standard = B2_INFO_HEADERS[key as keyof typeof B2_INFO_HEADERS];
    if (standard) headers[standard] = value;
    else headers[`${META_PREFIX}${key}`] = value;
  }
  if (file.sse === 'SSE-B2') headers['x-amz-server-side-encryption'] = 'AES256';
  const can = (capability: Capability) => grant?.key.capabilities.includes(capability) === true;
  if (file.retention && can('readFileRetentions')) {
    headers['x-amz-object-lock-mode'] = file.retention.mode.toUpperCase();
    headers['x-amz-object-lock-retain-until-date'] = isoDate(file.retention.retainUntilTimestamp);
  }
  if (file.legalHold && can('readFileLegalHolds'))
    headers['x-amz-object-lock-legal-hold'] = file.legalHold.toUpperCase();
  return headers;
}

/** Response headers a signed GET may override (`response-content-type=…`). */
export const RESPONSE_OVERRIDES: Record<string, string> = {
  'response-content-type': 'Content-Type',
  'response-content-language': 'Content-Language',
  'response-expires': 'Expires',
  'response-cache-control': 'Cache-Control',
  'response-content-disposition': 'Content-Disposition',
  'response-content-encoding': 'Content-Encoding',
};
