/**
 * Object operations: PutObject, GetObject, HeadObject, CopyObject, DeleteObject, DeleteObjects. An S3
 * object is a B2 file version (the version id is its fileId), so everything written here reads back
 * through the native API with its SHA-1, and the other way round.
 */
import { createHash } from 'node:crypto';
import { Limits } from '../../b2/wire.js';
import { ingestBody } from '../body.js';
import { readBlobs, storeCopy } from '../content.js';
import { etagOf } from '../etag.js';
import { newFileId } from '../ids.js';
import type { LockRequest } from '../lock.js';
import type { BucketRecord, FileRecord } from '../model.js';
import { parseRange } from '../ops/download.js';
import { lockFields, requireUnlocked } from '../lock.js';
import { dropVersion, hideMarker, latestVersion } from '../ops/lookup.js';
import { checkFileName } from '../validate.js';
import { asS3Failure, S3Failure, invalidArgument } from './errors.js';
import {
  RESPONSE_OVERRIDES,
  contentTypeOf,
  fileInfoFromHeaders,
  objectHeaders,
  writeSettings,
} from './meta.js';
import { preconditionsOf } from './preconditions.js';
import {
  objectTarget,
  type S3Request,
  allow,
  bucketOf,
  checkContentMd5,
  checkPayloadHash,
  isoDate,
  keyOf,
  readXml,
  sendEmpty,
  sendXml,
  signedGrant,
} from './request.js';
import { UNSIGNED_PAYLOAD } from './sigv4.js';
import { readableVersion, versionById } from './versions.js';
import { childrenOf, textOf } from './xml.js';

/** Content-Length is required on S3 writes (no chunked bodies); returns it. */
export function declaredLength(r: S3Request, max: number): number {
  const raw = r.x.header('content-length');
  if (raw === undefined || !/^\d+$/.test(raw) || r.x.header('transfer-encoding')) {
    throw new S3Failure(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.');
  }
  const length = Number(raw);
  if (length > max) {
    throw new S3Failure(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size');
  }
  return length;
}

/**
 * Receives a write's body into a new blob: the SHA-256 the signature promised and the Content-MD5
 * are checked before anything becomes visible (BadDigest stores nothing).
 */
export async function receiveObjectBody(r: S3Request) {
  const sha256 = r.payloadHash === UNSIGNED_PAYLOAD ? undefined : createHash('sha256');
  const contentMd5 = r.x.header('content-md5');
  const { blob, digests } = await ingestBody(r.x, {
    tap: sha256 && ((chunk) => sha256.update(chunk)),
    check(actual) {
      if (sha256) checkPayloadHash(r, sha256.digest('hex'));
      checkContentMd5(contentMd5, actual.md5);
    },
  });
  return { blob, sha1: digests.sha1, md5: digests.md5 };
}

/** Stores a new version unless the bucket went away while the bytes arrived. */
function storeVersion(r: S3Request, file: FileRecord): void {
  if (!r.ctx.store.get('buckets', file.bucketId)) {
    for (const b of file.blobs) r.ctx.blobs.delete(b.blobId);
    throw new S3Failure(404, 'NoSuchBucket', 'The specified bucket does not exist');
  }
  r.ctx.store.put('files', file.fileId, file);
}

/** A new version's id, timestamp and sequence, and its Object Lock (asked for, else the bucket default). */
function newVersion(
  r: S3Request,
  bucket: BucketRecord,
  lock: LockRequest,
  fields: Omit<FileRecord, 'fileId' | 'uploadTimestamp' | 'seq' | 'bucketId'>,
): FileRecord {
  const now = r.ctx.clock.now();
  const locked = lockFields(bucket, signedGrant(r), lock, now);
  const seq = r.ctx.nextSeq();
  // File timestamps are whole seconds, as on the native API.
  return {
    ...fields,
    ...locked,
    bucketId: bucket.bucketId,
    fileId: newFileId(bucket.bucketId, seq, now),
    uploadTimestamp: Math.floor(now / 1000) * 1000,
    seq,
  };
}

function versionHeaders(file: FileRecord): Record<string, string> {
  const headers: Record<string, string> = { ETag: etagOf(file), 'x-amz-version-id': file.fileId };
  if (file.sse) headers['x-amz-server-side-encryption'] = 'AES256';
  return headers;
}

export async function putObject(r: S3Request): Promise<void> {
  const { bucket, key } = objectTarget(r, 'writeFiles');
  checkFileName(key);
  const { sse, lock } = writeSettings(r, bucket);
  const fileInfo = fileInfoFromHeaders(r, key, sse !== null || bucket.fileLockEnabled);
  const contentType = contentTypeOf(r);
  declaredLength(r, Limits.maxSmallFileSize);
  const body = await receiveObjectBody(r);
  const file = newVersion(r, bucket, lock, {
    fileName: key,
    action: 'upload',
    contentLength: body.blob.length,
    contentSha1: body.sha1,
    contentMd5: body.md5,
    contentType,
    fileInfo,
    sse,
    blobs: [body.blob],
  });
  storeVersion(r, file);
  await sendEmpty(r, 200, versionHeaders(file));
}

/** SSE-C objects need the customer key, which this S3 API does not take (native downloads do). */
function refuseCustomerEncrypted(file: FileRecord): void {
  if (file.sse === 'SSE-C') {
    throw new S3Failure(
      400,
      'InvalidRequest',
      'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.',
    );
  }
}

const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** GET and HEAD: one version, whole or a byte range, after S3's conditional headers. */
export async function getObject(r: S3Request): Promise<void> {
  const { bucket, key } = objectTarget(r, 'readFiles');
  const file = readableVersion(r, bucket, key);
  refuseCustomerEncrypted(file);
  const headers = { ...objectHeaders(file, r.grant) };
  const verdict = preconditionsOf(r.x, file);
  if (verdict === 'not-modified')
    return sendEmpty(r, 304, { ETag: headers.ETag!, 'Last-Modified': headers['Last-Modified']! });
  if (verdict === 'failed')
    throw new S3Failure(
      412,
      'PreconditionFailed',
      'At least one of the pre-conditions you specified did not hold',
    );
  for (const [param, header] of Object.entries(RESPONSE_OVERRIDES)) {
    const value = r.query.get(param);
    if (value === undefined) continue;
    // An answer header can't carry controls or characters beyond ISO-8859-1: refused, not a 500.
    if (!HEADER_VALUE.test(value))
      throw invalidArgument(`Header value cannot be represented using ISO-8859-1: ${param}`);
    headers[header] = value;
  }
  const size = file.contentLength;
  const range = parseRange(r.x.header('range'), size);
  if (range === 'unsatisfiable') {
    throw new S3Failure(416, 'InvalidRange', 'The requested range is not satisfiable', {
      'Content-Range': `bytes */${size}`,
    });
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  headers['Content-Length'] = String(end - start + 1);
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  // HEAD reads no bytes (and so works on an emulator that keeps none).
  const body = r.x.req.method === 'HEAD' ? undefined : readBlobs(r.ctx, file.blobs, start, end);
  await r.x.send(range ? 206 : 200, { ...r.headers, ...headers }, body);
}

interface DeleteOutcome {
  versionId?: string;
  deleteMarker: boolean;
}

/**
 * Deletes as B2 does for versioned buckets: with a version id that version is gone for good; without
 * one a delete marker (B2 hide marker) is added, unless the key is already absent or hidden. A version
 * under Object Lock is neither deleted nor hidden; governance yields to
 * `x-amz-bypass-governance-retention: true` from a key with bypassGovernance, as on the native API.
 */
function deleteOne(
  r: S3Request,
  bucket: BucketRecord,
  key: string,
  versionId: string | undefined,
): DeleteOutcome {
  allow(r, 'deleteFiles', bucket, key);
  const now = r.ctx.clock.now();
  const grant = signedGrant(r);
  if (versionId !== undefined && versionId !== 'null') {
    const file = versionById(r, bucket, key, versionId);
    const asked = r.x.header('x-amz-bypass-governance-retention')?.toLowerCase() === 'true';
    requireUnlocked(file, now, { asked, grant });
    dropVersion(r.ctx, file);
    return { versionId: file.fileId, deleteMarker: file.action === 'hide' };
  }
  const latest = latestVersion(r.ctx, bucket.bucketId, key);
  if (!latest) return { deleteMarker: false };
  if (latest.action === 'hide') return { versionId: latest.fileId, deleteMarker: true };
  requireUnlocked(latest, now, { asked: false, grant });
  const seq = r.ctx.nextSeq();
  const marker = hideMarker({
    fileId: newFileId(bucket.bucketId, seq, now),
    bucketId: bucket.bucketId,
    fileName: key,
    uploadTimestamp: Math.floor(now / 1000) * 1000,
    seq,
  });
  r.ctx.store.put('files', marker.fileId, marker);
  return { versionId: marker.fileId, deleteMarker: true };
}

export async function deleteObject(r: S3Request): Promise<void> {
  const bucket = bucketOf(r);
  const outcome = deleteOne(r, bucket, keyOf(r), r.query.get('versionId'));
  const headers: Record<string, string> = {};
  if (outcome.versionId) headers['x-amz-version-id'] = outcome.versionId;
  if (outcome.deleteMarker) headers['x-amz-delete-marker'] = 'true';
  await sendEmpty(r, 204, headers);
}

/** S3 caps one DeleteObjects request at 1,000 keys. */
const MAX_DELETE_KEYS = 1000;

export async function deleteObjects(r: S3Request): Promise<void> {
  const bucket = bucketOf(r);
  const doc = await readXml(r, 'Delete');
  const objects = childrenOf(doc, 'Object');
  if (objects.length === 0 || objects.length > MAX_DELETE_KEYS) {
    throw new S3Failure(400, 'MalformedXML', `Delete must name 1 to ${MAX_DELETE_KEYS} objects`);
  }
  const quiet = textOf(doc, 'Quiet') === 'true';
  const deleted: Record<string, string | undefined>[] = [];
  const errors: Record<string, string | undefined>[] = [];
  for (const object of objects) {
    const key = textOf(object, 'Key') ?? '';
    const versionId = textOf(object, 'VersionId');
    try {
      const outcome = deleteOne(r, bucket, key, versionId);
      if (quiet) continue;
      deleted.push({
        Key: key,
        VersionId: versionId,
        DeleteMarker: outcome.deleteMarker ? 'true' : undefined,
        DeleteMarkerVersionId: outcome.deleteMarker ? outcome.versionId : undefined,
      });
    } catch (error) {
      const failure = asS3Failure(error);
      if (!failure) throw error;
      errors.push({ Key: key, VersionId: versionId, Code: failure.code, Message: failure.message });
    }
  }
  await sendXml(r, 'DeleteResult', { Deleted: deleted, Error: errors });
}

/** `x-amz-copy-source: [/]bucket/key[?versionId=…]`, URL-encoded. */
export function copySourceOf(r: S3Request): FileRecord {
  const raw = r.x.header('x-amz-copy-source') ?? '';
  const [path = '', query = ''] = raw.replace(/^\//, '').split('?', 2);
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) {
    throw invalidArgument('Copy Source must mention the source bucket and key: sourcebucket/sourcekey');
  }
  let bucketName: string;
  let key: string;
  try {
    bucketName = decodeURIComponent(path.slice(0, slash));
    key = decodeURIComponent(path.slice(slash + 1));
  } catch {
    throw invalidArgument('Copy Source is not a valid URL-encoded bucket and key');
  }
  const versionId = new URLSearchParams(query).get('versionId') ?? undefined;
  const source: S3Request = {
    ...r,
    bucketName,
    key,
    query: new Map(versionId ? [['versionId', versionId]] : []),
  };
  const bucket = bucketOf(source);
  allow(source, 'readFiles', bucket, key);
  const file = readableVersion(source, bucket, key);
  refuseCustomerEncrypted(file);
  const verdict = preconditionsOf(r.x, file, 'x-amz-copy-source-');
  if (verdict !== 'ok')
    throw new S3Failure(
      412,
      'PreconditionFailed',
      'At least one of the pre-conditions you specified did not hold',
    );
  return file;
}

export async function copyObject(r: S3Request): Promise<void> {
  const { bucket, key } = objectTarget(r, 'writeFiles');
  checkFileName(key);
  const source = copySourceOf(r);
  const { sse, lock } = writeSettings(r, bucket);
  const directive = r.x.header('x-amz-metadata-directive') ?? 'COPY';
  if (directive !== 'COPY' && directive !== 'REPLACE')
    throw invalidArgument(`Unknown metadata directive ${directive}`);
  if (directive === 'COPY' && source.bucketId === bucket.bucketId && source.fileName === key) {
    throw new S3Failure(
      400,
      'InvalidRequest',
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }
  if (source.contentLength > Limits.maxSmallFileSize) {
    throw invalidArgument(
      `The specified copy source is larger than the maximum allowable size for a copy source: ${Limits.maxSmallFileSize}`,
    );
  }
  const replace = directive === 'REPLACE';
  const fileInfo = replace
    ? fileInfoFromHeaders(r, key, sse !== null || bucket.fileLockEnabled)
    : source.fileInfo;
  const contentType = replace ? contentTypeOf(r) : source.contentType;
  const copy = await storeCopy(r.ctx, readBlobs(r.ctx, source.blobs, 0, source.contentLength - 1));
  const file = newVersion(r, bucket, lock, {
    fileName: key,
    action: 'upload',
    contentLength: copy.blob.length,
    contentSha1: copy.contentSha1,
    contentMd5: copy.contentMd5,
    contentType,
    fileInfo,
    sse,
    blobs: [copy.blob],
  });
  storeVersion(r, file);
  await sendXml(
    r,
    'CopyObjectResult',
    { LastModified: isoDate(file.uploadTimestamp), ETag: etagOf(file) },
    200,
    {
      'x-amz-version-id': file.fileId,
      'x-amz-copy-source-version-id': source.fileId,
    },
  );
}
