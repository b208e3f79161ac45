/** Large files: start, list parts, list unfinished, finish, cancel, copy part. */
import { Limits } from '../../b2/wire.js';
import { requireAccess } from '../auth.js';
import { readBlobs, storeCopy } from '../content.js';
import { resolveContentType } from '../content-type.js';
import {
  bucketEncryption,
  customerKeyFromJson,
  encryptionFields,
  encryptionFromJson,
  requireCustomerKey,
} from '../encryption.js';
import { B2Failure, badRequest } from '../errors.js';
import { multipartEtag } from '../etag.js';
import { newFileId, seqOfFileId } from '../ids.js';
import type { FileRecord, PartRecord } from '../model.js';
import { optInt, optString, optStringArray, optStringMap, pageSize, reqInt, reqString } from '../params.js';
import { lockFields, lockFromJson } from '../lock.js';
import { fileShape, partShape } from '../shapes.js';
import { partKey } from '../store.js';
import { uploadTimestamp } from '../timestamps.js';
import { checkFileName, normaliseFileInfo, parseCopyRange } from '../validate.js';
import {
  bucketOrFail,
  dropUnfinished,
  readableSource,
  requireListPrefix,
  unfinishedOrFail,
} from './lookup.js';
import type { JsonHandler } from './types.js';

export const startLargeFile: JsonHandler = (x, p, grant) => {
  const { ctx } = x;
  const bucket = bucketOrFail(ctx, reqString(p, 'bucketId'));
  const fileName = reqString(p, 'fileName');
  checkFileName(fileName);
  requireAccess(grant, 'writeFiles', bucket.bucketId, fileName);
  const contentType = resolveContentType(reqString(p, 'contentType'), fileName);
  const encryption = encryptionFromJson(p, 'serverSideEncryption', bucketEncryption(bucket.defaultSse));
  const fileInfo = normaliseFileInfo(
    fileName,
    optStringMap(p, 'fileInfo') ?? {},
    encryption.mode !== null || bucket.fileLockEnabled,
  );
  const now = ctx.clock.now();
  const lock = lockFields(bucket, grant, lockFromJson(p), now);
  const stamp = uploadTimestamp(ctx, now, optInt(p, 'customUploadTimestamp'));
  const seq = ctx.nextSeq();
  const file: FileRecord = {
    fileId: newFileId(bucket.bucketId, seq, now),
    bucketId: bucket.bucketId,
    fileName,
    action: 'start',
    contentLength: 0,
    contentSha1: 'none',
    contentMd5: null,
    contentType,
    fileInfo,
    uploadTimestamp: stamp,
    seq,
    ...encryptionFields(encryption),
    ...lock,
    blobs: [],
  };
  ctx.store.put('files', file.fileId, file);
  return fileShape(ctx.account().accountId, file, grant, x.version);
};

export const listParts: JsonHandler = (x, p, grant) => {
  const { ctx } = x;
  const file = unfinishedOrFail(ctx, reqString(p, 'fileId'));
  requireAccess(grant, 'writeFiles', file.bucketId, file.fileName);
  // 0 is accepted like absent: the backblaze-b2 npm client sends it, and it works against real B2.
  const start = optInt(p, 'startPartNumber') ?? 1;
  if (start < 0 || start > Limits.maxParts)
    throw badRequest(`startPartNumber must be 1 to ${Limits.maxParts}`);
  const max = pageSize(p, 'maxPartCount', Limits.listParts);
  const parts = [...ctx.store.partsOf(file.fileId).values()]
    .filter((part) => part.partNumber >= start)
    .sort((a, b) => a.partNumber - b.partNumber);
  return {
    parts: parts.slice(0, max).map((part) => partShape(part, file.sse)),
    nextPartNumber: parts[max]?.partNumber ?? null,
  };
};

export const listUnfinishedLargeFiles: JsonHandler = (x, p, grant) => {
  const { ctx } = x;
  const bucket = bucketOrFail(ctx, reqString(p, 'bucketId'));
  requireAccess(grant, 'listFiles', bucket.bucketId);
  const namePrefix = optString(p, 'namePrefix') ?? '';
  requireListPrefix(grant, namePrefix);
  const max = pageSize(p, 'maxFileCount', Limits.listUnfinished);
  const startFileId = optString(p, 'startFileId');
  const startSeq = startFileId === undefined ? 0 : seqOfFileId(startFileId);
  if (startSeq === undefined)
    throw new B2Failure(400, 'invalid_file_id', `Invalid startFileId: ${startFileId}`);
  // Oldest first, by creation: a stable order that a startFileId can resume from.
  const files = ctx.store
    .values('files')
    .filter(
      (f) =>
        f.bucketId === bucket.bucketId &&
        f.action === 'start' &&
        f.fileName.startsWith(namePrefix) &&
        f.seq >= startSeq,
    )
    .sort((a, b) => a.seq - b.seq);
  const accountId = ctx.account().accountId;
  return {
    files: files.slice(0, max).map((f) => fileShape(accountId, f, grant, x.version)),
    nextFileId: files[max]?.fileId ?? null,
  };
};

const bareSha1 = (sha1: string) => sha1.replace(/^unverified:/, '').toLowerCase();

export const finishLargeFile: JsonHandler = (x, p, grant) => {
  const { ctx } = x;
  const file = unfinishedOrFail(ctx, reqString(p, 'fileId'));
  requireAccess(grant, 'writeFiles', file.bucketId, file.fileName);
  const sha1s = optStringArray(p, 'partSha1Array');
  if (!sha1s?.length) throw badRequest('partSha1Array must list the SHA-1 of every part');
  const stored = ctx.store.partsOf(file.fileId);
  const parts: PartRecord[] = [];
  // Parts must be 1..n with no gaps, match the array one for one, and all but the last be at least
  // absoluteMinimumPartSize.
  sha1s.forEach((sha1, i) => {
    const part = stored.get(i + 1);
    if (!part) throw new B2Failure(400, 'missing_part', `Part number ${i + 1} has not been uploaded`);
    if (bareSha1(part.contentSha1) !== sha1.toLowerCase()) {
      throw new B2Failure(400, 'part_sha1_mismatch', `Part number ${i + 1} has wrong SHA1 ${sha1}`);
    }
    parts.push(part);
  });
  if (stored.size > sha1s.length)
    throw badRequest(`${stored.size} parts were uploaded but only ${sha1s.length} listed`);
  parts.slice(0, -1).forEach((part) => {
    if (part.contentLength < ctx.settings.minPartSize) {
      throw badRequest(
        `Part number ${part.partNumber} is smaller than the minimum part size ${ctx.settings.minPartSize}`,
      );
    }
  });
  const finished: FileRecord = {
    ...file,
    action: 'upload',
    contentLength: parts.reduce((n, part) => n + part.contentLength, 0),
    blobs: parts.map((part) => part.blob),
    multipartEtag: multipartEtag(parts.map((part) => part.contentMd5)),
  };
  ctx.store.put('files', file.fileId, finished);
  for (const part of parts) ctx.store.delete('parts', partKey(file.fileId, part.partNumber));
  return fileShape(ctx.account().accountId, finished, grant, x.version);
};

export const cancelLargeFile: JsonHandler = (x, p, grant) => {
  const { ctx } = x;
  const file = unfinishedOrFail(ctx, reqString(p, 'fileId'));
  requireAccess(grant, 'writeFiles', file.bucketId, file.fileName);
  dropUnfinished(ctx, file);
  return {
    accountId: ctx.account().accountId,
    bucketId: file.bucketId,
    fileId: file.fileId,
    fileName: file.fileName,
  };
};

export const copyPart: JsonHandler = async (x, p, grant) => {
  const { ctx } = x;
  const source = readableSource(ctx, grant, reqString(p, 'sourceFileId'));
  const file = unfinishedOrFail(ctx, reqString(p, 'largeFileId'));
  requireAccess(grant, 'writeFiles', file.bucketId, file.fileName);
  requireCustomerKey(source, customerKeyFromJson(p, 'sourceServerSideEncryption'));
  // The destination's encryption was fixed at start; an SSE-C file needs its key again here.
  requireCustomerKey(file, customerKeyFromJson(p, 'destinationServerSideEncryption'));
  const partNumber = reqInt(p, 'partNumber');
  if (partNumber < 1 || partNumber > Limits.maxParts)
    throw badRequest(`partNumber must be 1 to ${Limits.maxParts}`);
  const { start, end } = parseCopyRange(optString(p, 'range'), source.contentLength);
  if (end - start + 1 > Limits.maxPartSize) throw badRequest('A part may be at most 5 GB');
  const copy = await storeCopy(ctx, readBlobs(ctx, source.blobs, start, end));
  if (ctx.store.get('files', file.fileId)?.action !== 'start') {
    ctx.blobs.delete(copy.blob.blobId);
    throw badRequest(`Invalid fileId: ${file.fileId}`);
  }
  const part: PartRecord = {
    fileId: file.fileId,
    partNumber,
    contentLength: copy.blob.length,
    contentSha1: copy.contentSha1,
    contentMd5: copy.contentMd5,
    uploadTimestamp: ctx.clock.now(),
    blob: copy.blob,
  };
  const old = ctx.store.get('parts', partKey(file.fileId, partNumber));
  ctx.store.put('parts', partKey(file.fileId, partNumber), part);
  if (old) ctx.blobs.delete(old.blob.blobId);
  return partShape(part, file.sse);
};
