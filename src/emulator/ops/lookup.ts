/**
 * Looking records up the way every operation needs them, failing with B2's codes: unknown bucket
 * `400 bad_bucket_id`, unknown unfinished file `400 bad_request "Invalid fileId"`, unknown file
 * `404 not_found`.
 */
import { createHash } from 'node:crypto';
import { type Grant, requireAccess } from '../auth.js';
import type { EmulatorContext } from '../context.js';
import { B2Failure, badRequest, notFound, unauthorized } from '../errors.js';
import { seqOfFileId } from '../ids.js';
import type { BucketRecord, FileRecord } from '../model.js';
import { partKey } from '../store.js';

export function bucketOrFail(
  ctx: EmulatorContext,
  bucketId: string,
  code: 'bad_bucket_id' | 'invalid_bucket_id' = 'bad_bucket_id',
): BucketRecord {
  const bucket = ctx.store.get('buckets', bucketId);
  if (!bucket) throw new B2Failure(400, code, `Bucket ${bucketId} does not exist`);
  return bucket;
}

export function unfinishedOrFail(ctx: EmulatorContext, fileId: string): FileRecord {
  const file = ctx.store.get('files', fileId);
  if (file?.action !== 'start') throw badRequest(`Invalid fileId: ${fileId}`);
  return file;
}

/** A key with a name prefix may only list inside it. */
export function requireListPrefix(grant: Grant, prefix: string): void {
  const keyPrefix = grant.key.namePrefix;
  if (keyPrefix && !prefix.startsWith(keyPrefix))
    throw unauthorized(`key is restricted to names starting with ${keyPrefix}`);
}

/** Looks a file id up: malformed → 400 bad_request, unknown → 404 not_found. */
export function fileOrFail(ctx: EmulatorContext, fileId: string): FileRecord {
  if (seqOfFileId(fileId) === undefined) throw badRequest(`Invalid fileId: ${fileId}`);
  const file = ctx.store.get('files', fileId);
  if (!file) throw notFound(`File not present: ${fileId}`);
  return file;
}

/** A copy source: an uploaded version the key may read (private buckets need readFiles). */
export function readableSource(ctx: EmulatorContext, grant: Grant, fileId: string): FileRecord {
  const source = fileOrFail(ctx, fileId);
  if (source.action !== 'upload') throw badRequest(`Invalid source fileId: ${fileId}`);
  const bucket = bucketOrFail(ctx, source.bucketId);
  if (bucket.bucketType !== 'allPublic') requireAccess(grant, 'readFiles', source.bucketId, source.fileName);
  return source;
}

/** The newest version of a name that is not an unfinished large file. */
export function latestVersion(
  ctx: EmulatorContext,
  bucketId: string,
  fileName: string,
): FileRecord | undefined {
  let latest: FileRecord | undefined;
  for (const f of ctx.store.values('files')) {
    if (
      f.bucketId === bucketId &&
      f.fileName === fileName &&
      f.action !== 'start' &&
      (!latest || f.seq > latest.seq)
    ) {
      latest = f;
    }
  }
  return latest;
}

/** Deletes a version and its bytes. */
export function dropVersion(ctx: EmulatorContext, file: FileRecord): void {
  ctx.store.delete('files', file.fileId);
  for (const blob of file.blobs) ctx.blobs.delete(blob.blobId);
}

const EMPTY_SHA1 = createHash('sha1').digest('hex');
const EMPTY_MD5 = createHash('md5').digest('hex');

/** A hide marker, with the fields exactly as recorded from the real service. */
export function hideMarker(
  f: Pick<FileRecord, 'fileId' | 'bucketId' | 'fileName' | 'uploadTimestamp' | 'seq'>,
): FileRecord {
  return {
    ...f,
    action: 'hide',
    contentLength: 0,
    contentSha1: EMPTY_SHA1,
    contentMd5: EMPTY_MD5,
    contentType: 'application/x-bz-hide-marker',
    fileInfo: {},
    sse: null,
    blobs: [],
  };
}

export function dropUnfinished(ctx: EmulatorContext, file: FileRecord): void {
  for (const part of [...ctx.store.partsOf(file.fileId).values()]) {
    ctx.store.delete('parts', partKey(file.fileId, part.partNumber));
    ctx.blobs.delete(part.blob.blobId);
  }
  ctx.store.delete('files', file.fileId);
}
