/** File versions: info, hide, delete, copy, download authorization. */
import { Limits } from '../../b2/wire.js';
import { requireAccess } from '../auth.js';
import { readBlobs, storeCopy } from '../content.js';
import {
  bucketEncryption,
  customerKeyFromJson,
  encryptionFields,
  encryptionFromJson,
  requireCustomerKey,
} from '../encryption.js';
import { B2Failure, badRequest } from '../errors.js';
import { newFileId } from '../ids.js';
import type { FileRecord } from '../model.js';
import { lockFields, lockFromJson, requireUnlocked } from '../lock.js';
import { optBool, optInt, optString, optStringMap, reqString } from '../params.js';
import { fileShape } from '../shapes.js';
import { checkFileName, normaliseFileInfo, parseCopyRange } from '../validate.js';
import {
  bucketOrFail,
  dropUnfinished,
  dropVersion,
  fileOrFail,
  hideMarker,
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
  // A locked version stays the visible one: no bypass applies to hiding.
  requireUnlocked(latest, now, { asked: false, grant });
  const seq = ctx.nextSeq();
  const marker = hideMarker({
    fileId: newFileId(bucket.bucketId, seq, now),
    bucketId: bucket.bucketId,
    fileName,
    uploadTimestamp: Math.floor(now / 1000) * 1000,
    seq,
  });
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
  const bypass = { asked: optBool(p, 'bypassGovernance') ?? false, grant };
  if (file.action === 'start') {
    // Cancelling an unfinished large file never loses a locked version: there is none yet.
    dropUnfinished(ctx, file);
  } else {
    requireUnlocked(file, ctx.clock.now(), bypass);
    dropVersion(ctx, file);
  }
  return { fileId, fileName };
};

export const copyFile: JsonHandler = async (x, p, grant) => {
  const { ctx } = x;
  const source = readableSource(ctx, grant, reqString(p, 'sourceFileId'));
  requireCustomerKey(source, customerKeyFromJson(p, 'sourceServerSideEncryption'));
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
  // Like every new version, a copy gets the encryption it asks for, else the bucket's default.
  const encryption = encryptionFromJson(
    p,
    'destinationServerSideEncryption',
    bucketEncryption(bucket.defaultSse),
  );
  const lock = lockFields(bucket, grant, lockFromJson(p), ctx.clock.now());
  const fileInfo =
    directive === 'COPY'
      ? source.fileInfo
      : normaliseFileInfo(fileName, info ?? {}, encryption.mode !== null || bucket.fileLockEnabled);
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
    ...encryptionFields(encryption),
    ...lock,
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
