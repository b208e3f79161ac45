/** File versions: info, hide, delete, copy, download authorization. */
import { createHash } from 'node:crypto';
import { Limits } from '../../b2/wire.js';
import { requireAccess } from '../auth.js';
import { readBlobs, storeCopy } from '../content.js';
import { B2Failure, badRequest } from '../errors.js';
import { newFileId } from '../ids.js';
import type { FileRecord } from '../model.js';
import { optInt, optString, optStringMap, reqString } from '../params.js';
import { fileShape } from '../shapes.js';
import { checkFileName, normaliseFileInfo, parseCopyRange } from '../validate.js';
import {
  bucketOrFail,
  dropUnfinished,
  fileOrFail,
  latestVersion,
  readableSource,
  requireListPrefix,
} from './lookup.js';
import type { JsonHandler } from './types.js';

export const getFileInfo: JsonHandler = (x, p, grant) => {
  const file = fileOrFail(x.ctx, reqString(p, 'fileId'));
  requireAccess(grant, 'readFiles', file.bucketId, file.fileName);
  return fileShape(x.ctx.account().accountId, file, grant, x.version);
};

const EMPTY_SHA1 = createHash('sha1').digest('hex');
const EMPTY_MD5 = createHash('md5').digest('hex');

export const hideFile: JsonHandler = (x, p, grant) => {
  const { ctx } = x;
  const bucket = bucketOrFail(ctx, reqString(p, 'bucketId'));
  const fileName = reqString(p, 'fileName');
  checkFileName(fileName);
  requireAccess(grant, 'writeFiles', bucket.bucketId, fileName);
  const latest = latestVersion(ctx, bucket.bucketId, fileName);
  if (!latest) throw new B2Failure(400, 'no_such_file', `File not present: ${fileName}`);
  if (latest.action === 'hide')
    throw new B2Failure(400, 'already_hidden', `File already hidden: ${fileName}`);
  const now = ctx.clock.now();
  const seq = ctx.nextSeq();
  // Hide marker fields exactly as recorded.
  const marker: FileRecord = {
    fileId: newFileId(bucket.bucketId, seq, now),
    bucketId: bucket.bucketId,
    fileName,
    action: 'hide',
    contentLength: 0,
    contentSha1: EMPTY_SHA1,
    contentMd5: EMPTY_MD5,
    contentType: 'application/x-bz-hide-marker',
    fileInfo: {},
    uploadTimestamp: Math.floor(now / 1000) * 1000,
    seq,
    sse: null,
    blobs: [],
  };
  ctx.store.put('files', marker.fileId, marker);
  return fileShape(ctx.account().accountId, marker, grant, x.version);
};

export const deleteFileVersion: JsonHandler = (x, p, grant) => {
  const { ctx } = x;
  const fileName = reqString(p, 'fileName');
  const fileId = reqString(p, 'fileId');
  const file = ctx.store.get('files', fileId);
  if (!file || file.fileName !== fileName) {
    throw new B2Failure(400, 'file_not_present', `File not present: ${fileName} ${fileId}`);
  }
  requireAccess(grant, 'deleteFiles', file.bucketId, file.fileName);
  if (file.action === 'start') {
    dropUnfinished(ctx, file);
  } else {
    ctx.store.delete('files', fileId);
    for (const blob of file.blobs) ctx.blobs.delete(blob.blobId);
  }
  return { fileId, fileName };
};

export const copyFile: JsonHandler = async (x, p, grant) => {
  const { ctx } = x;
  const source = readableSource(ctx, grant, reqString(p, 'sourceFileId'));
  const fileName = reqString(p, 'fileName');
  checkFileName(fileName);
  const bucket = bucketOrFail(ctx, optString(p, 'destinationBucketId') ?? source.bucketId);
  requireAccess(grant, 'writeFiles', bucket.bucketId, fileName);
  const directive = optString(p, 'metadataDirective') ?? 'COPY';
  const contentType = optString(p, 'contentType');
  const info = optStringMap(p, 'fileInfo');
  // COPY keeps the source's metadata and refuses new metadata; REPLACE needs a content type.
  if (directive === 'COPY' && (contentType !== undefined || info !== undefined)) {
    throw badRequest('contentType and fileInfo must not be set when metadataDirective is COPY');
  }
  if (directive === 'REPLACE' && contentType === undefined) {
    throw badRequest('contentType is required when metadataDirective is REPLACE');
  }
  if (directive !== 'COPY' && directive !== 'REPLACE')
    throw badRequest(`Invalid metadataDirective: ${directive}`);
  const { start, end } = parseCopyRange(optString(p, 'range'), source.contentLength);
  const size = end - start + 1;
  if (size > Limits.maxSmallFileSize)
    throw new B2Failure(400, 'source_too_large', `Copy source too big: ${size}`);
  const sse = bucket.defaultSse;
  const fileInfo =
    directive === 'COPY' ? source.fileInfo : normaliseFileInfo(fileName, info ?? {}, sse !== null);
  const copy = await storeCopy(ctx, readBlobs(ctx, source.blobs, start, end));
  const now = ctx.clock.now();
  const seq = ctx.nextSeq();
  const file: FileRecord = {
    fileId: newFileId(bucket.bucketId, seq, now),
    bucketId: bucket.bucketId,
    fileName,
    action: 'upload',
    contentLength: copy.blob.length,
    contentSha1: copy.contentSha1,
    contentMd5: copy.contentMd5,
    contentType: directive === 'COPY' ? source.contentType : contentType!,
    fileInfo,
    uploadTimestamp: Math.floor(now / 1000) * 1000,
    seq,
    sse,
    blobs: [copy.blob],
  };
  ctx.store.put('files', file.fileId, file);
  // The copy response says "copy"; listings later say "upload" (recorded).
  return fileShape(ctx.account().accountId, file, grant, x.version, 'copy');
};

const OVERRIDES = [
  'b2ContentDisposition',
  'b2ContentLanguage',
  'b2Expires',
  'b2CacheControl',
  'b2ContentEncoding',
  'b2ContentType',
];

export const getDownloadAuthorization: JsonHandler = (x, p, grant) => {
  const { ctx } = x;
  const bucket = bucketOrFail(ctx, reqString(p, 'bucketId'));
  const prefix = reqString(p, 'fileNamePrefix');
  requireAccess(grant, 'shareFiles', bucket.bucketId);
  requireListPrefix(grant, prefix);
  const seconds = optInt(p, 'validDurationInSeconds');
  if (seconds === undefined || seconds < 1 || seconds > Limits.maxDownloadAuthSeconds) {
    throw badRequest(`validDurationInSeconds must be 1 to ${Limits.maxDownloadAuthSeconds}`);
  }
  const overrides: Record<string, string> = {};
  for (const name of OVERRIDES) {
    const v = optString(p, name);
    if (v !== undefined) overrides[name] = v;
  }
  const authorizationToken = ctx.tokens.mint({
    kind: 'download',
    keyId: grant.key.applicationKeyId,
    serial: ctx.tokens.nextSerial(),
    expiresAt: ctx.clock.now() + seconds * 1000,
    bucketId: bucket.bucketId,
    prefix,
    overrides,
  });
  return { bucketId: bucket.bucketId, fileNamePrefix: prefix, authorizationToken };
};
