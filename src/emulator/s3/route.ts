/**
 * Which S3 operation a request is, from its method, path (`/<bucket>/<key>`, path-style) and query
 * (`?uploads`, `?uploadId=`, `?cors`, …) — the same dispatch S3 itself does.
 */
import { S3Failure } from './errors.js';
import type { S3Operation } from './operations.js';
import { uriDecode } from './sigv4.js';

export interface S3Target {
  /** Undefined for the service root (`/`). */
  bucket?: string;
  /** Undefined for bucket-level requests. */
  key?: string;
}

/** First path segments the native API owns; any other path is S3's (`/<bucket>[/<key>]`). */
const NATIVE_ROOTS = new Set(['b2api', 'file', '__emulator']);

/** True for paths the S3 API serves. No valid bucket name (6–63 letters, digits, `-`) is a native root. */
export function isS3Path(rawPath: string): boolean {
  const first = rawPath.split('/')[1] ?? '';
  return !NATIVE_ROOTS.has(first);
}

/** `/bucket/some/key` → bucket and decoded key (`//` and trailing `/` kept: they are part of the key). */
export function parseTarget(rawPath: string): S3Target {
  const path = rawPath.slice(1);
  if (path === '') return {};
  const slash = path.indexOf('/');
  if (slash < 0) return { bucket: uriDecode(path) };
  const bucket = uriDecode(path.slice(0, slash));
  const key = path.slice(slash + 1);
  return key === '' ? { bucket } : { bucket, key: uriDecode(key) };
}

const notAllowed = (method: string) =>
  new S3Failure(
    405,
    'MethodNotAllowed',
    `The specified method ${method} is not allowed against this resource.`,
  );

export function operationOf(
  method: string,
  target: S3Target,
  query: ReadonlyMap<string, string>,
  copySource: boolean,
): S3Operation {
  const has = (name: string) => query.has(name);
  if (target.bucket === undefined) {
    if (method === 'GET') return 'ListBuckets';
    throw notAllowed(method);
  }
  if (target.key === undefined) {
    switch (method) {
      case 'HEAD':
        return 'HeadBucket';
      case 'GET':
        if (has('location')) return 'GetBucketLocation';
        if (has('versioning')) return 'GetBucketVersioning';
        if (has('cors')) return 'GetBucketCors';
        if (has('encryption')) return 'GetBucketEncryption';
        if (has('object-lock')) return 'GetObjectLockConfiguration';
        if (has('acl')) return 'GetBucketAcl';
        if (has('uploads')) return 'ListMultipartUploads';
        if (has('versions')) return 'ListObjectVersions';
        return query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
      case 'PUT':
        if (has('cors')) return 'PutBucketCors';
        if (has('encryption')) return 'PutBucketEncryption';
        break;
      case 'DELETE':
        if (has('cors')) return 'DeleteBucketCors';
        break;
      case 'POST':
        return has('delete') ? 'DeleteObjects' : 'PostObject';
    }
    throw new S3Failure(
      501,
      'NotImplemented',
      `${method} on a bucket with this subresource is not implemented`,
    );
  }
  switch (method) {
    case 'HEAD':
      return 'HeadObject';
    case 'GET':
      if (has('uploadId')) return 'ListParts';
      if (has('acl')) return 'GetObjectAcl';
      if (has('retention')) return 'GetObjectRetention';
      if (has('legal-hold')) return 'GetObjectLegalHold';
      return 'GetObject';
    case 'PUT':
      if (has('partNumber') || has('uploadId')) return copySource ? 'UploadPartCopy' : 'UploadPart';
      if (has('acl') || has('retention') || has('legal-hold') || has('tagging')) break;
      return copySource ? 'CopyObject' : 'PutObject';
    case 'POST':
      if (has('uploads')) return 'CreateMultipartUpload';
      if (has('uploadId')) return 'CompleteMultipartUpload';
      break;
    case 'DELETE':
      return has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
    default:
      throw notAllowed(method);
  }
  throw new S3Failure(
    501,
    'NotImplemented',
    `${method} on an object with this subresource is not implemented`,
  );
}
