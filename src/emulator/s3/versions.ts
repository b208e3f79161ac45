/** Finding the version an S3 request means: `?versionId=` (a B2 fileId) or the newest one of the key. */
import { seqOfFileId } from '../ids.js';
import type { BucketRecord, FileRecord } from '../model.js';
import { latestVersion } from '../ops/lookup.js';
import { S3Failure } from './errors.js';
import type { S3Request } from './request.js';

/** The version named by `versionId`; 400 for a malformed id, 404 NoSuchVersion for an unknown one. */
export function versionById(r: S3Request, bucket: BucketRecord, key: string, versionId: string): FileRecord {
  if (seqOfFileId(versionId) === undefined)
    throw new S3Failure(400, 'InvalidArgument', 'Invalid version id specified');
  const file = r.ctx.store.get('files', versionId);
  if (!file || file.bucketId !== bucket.bucketId || file.fileName !== key || file.action === 'start') {
    throw new S3Failure(404, 'NoSuchVersion', 'The specified version does not exist.');
  }
  return file;
}

/** What a read of `key` finds: the requested version, or the newest one (a hide marker = deleted). */
export function readableVersion(r: S3Request, bucket: BucketRecord, key: string): FileRecord {
  const versionId = r.query.get('versionId');
  const file =
    versionId !== undefined && versionId !== 'null'
      ? versionById(r, bucket, key, versionId)
      : latestVersion(r.ctx, bucket.bucketId, key);
  if (!file) throw new S3Failure(404, 'NoSuchKey', 'The specified key does not exist.');
  if (file.action === 'hide') {
    throw new S3Failure(404, 'NoSuchKey', 'The specified key does not exist.', {
      'x-amz-delete-marker': 'true',
      'x-amz-version-id': file.fileId,
    });
  }
  return file;
}
