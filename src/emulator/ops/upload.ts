/**
 * Upload URLs and the two data endpoints, b2_upload_file and b2_upload_part.
 * The upload token carries the key it came from, so that key's bucket and name-prefix restrictions are
 * enforced on the upload itself, and only one request may use a token at a time (400 auth_token_limit).
 */
import { decodeB2 } from '../../b2/encoding.js';
import { Limits } from '../../b2/wire.js';
import { type Grant, requireAccess, verifyToken } from '../auth.js';
import { bodyLength, receiveBody } from '../body.js';
import { resolveContentType } from '../content-type.js';
import {
  bucketEncryption,
  customerKeyFromHeaders,
  encryptionFields,
  encryptionFromHeaders,
  requireCustomerKey,
} from '../encryption.js';
import { B2Failure, badRequest } from '../errors.js';
import type { Exchange } from '../exchange.js';
import { newFileId, randomHex } from '../ids.js';
import type { FileRecord, PartRecord } from '../model.js';
import { reqString } from '../params.js';
import { lockFields, lockFromHeaders } from '../lock.js';
import { fileShape, partShape } from '../shapes.js';
import { partKey } from '../store.js';
import { uploadTimestamp } from '../timestamps.js';
import { checkFileName, normaliseFileInfo } from '../validate.js';
import { bucketOrFail, unfinishedOrFail } from './lookup.js';
import type { JsonHandler } from './types.js';

export const getUploadUrl: JsonHandler = (x, p, grant) => {
  const { ctx } = x;
  const bucket = bucketOrFail(ctx, reqString(p, 'bucketId'));
  requireAccess(grant, 'writeFiles', bucket.bucketId);
  const urlId = `c000_v0001000_t${randomHex(4)}`;
  const authorizationToken = ctx.tokens.mint({
    kind: 'upload',
    keyId: grant.key.applicationKeyId,
    serial: ctx.tokens.nextSerial(),
    expiresAt: ctx.clock.now() + Limits.tokenLifetimeMs,
    bucketId: bucket.bucketId,
    urlId,
  });
  return {
    bucketId: bucket.bucketId,
    uploadUrl: `${x.baseUrl}/b2api/${x.version}/b2_upload_file/${bucket.bucketId}/${urlId}`,
    authorizationToken,
  };
};

export const getUploadPartUrl: JsonHandler = (x, p, grant) => {
  const { ctx } = x;
  const file = unfinishedOrFail(ctx, reqString(p, 'fileId'));
  requireAccess(grant, 'writeFiles', file.bucketId, file.fileName);
  const urlId = randomHex(4);
  const authorizationToken = ctx.tokens.mint({
    kind: 'part',
    keyId: grant.key.applicationKeyId,
    serial: ctx.tokens.nextSerial(),
    expiresAt: ctx.clock.now() + Limits.tokenLifetimeMs,
    fileId: file.fileId,
    urlId,
  });
  return {
    fileId: file.fileId,
    uploadUrl: `${x.baseUrl}/b2api/${x.version}/b2_upload_part/${file.fileId}/${urlId}`,
    authorizationToken,
  };
};

/** Runs `work` holding the upload token; a second concurrent use is refused like B2 does. */
async function holdingToken(x: Exchange, token: string, work: () => Promise<void>): Promise<void> {
  const { ctx } = x;
  if (ctx.uploadsInFlight.has(token)) {
    if (x.endpoint) ctx.counters.tokenConflict(x.endpoint);
    throw new B2Failure(400, 'auth_token_limit', `more than one upload using auth token ${token}`);
  }
  ctx.uploadsInFlight.add(token);
  try {
    await work();
  } finally {
    ctx.uploadsInFlight.delete(token);
  }
}

function uploadGrant(x: Exchange, kind: 'upload' | 'part', target: string, urlId: string): Grant {
  const grant = verifyToken(x.ctx, x.header('authorization'));
  const c = grant.claims;
  const matches =
    c.kind === kind &&
    c.urlId === urlId &&
    (c.kind === 'upload' ? c.bucketId === target : c.kind === 'part' && c.fileId === target);
  if (!matches) throw new B2Failure(401, 'bad_auth_token', 'Invalid authorization token for this upload URL');
  return grant;
}

function infoFromHeaders(x: Exchange): Record<string, string> {
  const info: Record<string, string> = {};
  for (const [name, raw] of Object.entries(x.req.headers)) {
    if (!name.startsWith('x-bz-info-')) continue;
    const value = decodeB2(Array.isArray(raw) ? raw.join(', ') : (raw ?? ''));
    if (value === undefined) throw badRequest(`Invalid percent-encoding in ${name}`);
    info[name.slice('x-bz-info-'.length)] = value;
  }
  return info;
}

/** X-Bz-Custom-Upload-Timestamp: ms since the epoch, base 10. */
function customTimestampHeader(x: Exchange): number | undefined {
  const raw = x.header('x-bz-custom-upload-timestamp');
  if (raw === undefined) return undefined;
  if (!/^\d{1,16}$/.test(raw)) throw badRequest(`Invalid X-Bz-Custom-Upload-Timestamp: ${raw}`);
  return Number(raw);
}

/** POST /b2api/vN/b2_upload_file/<bucketId>/<urlId> */
export async function uploadFile(x: Exchange, bucketId: string, urlId: string): Promise<void> {
  const { ctx } = x;
  const token = x.header('authorization') ?? '';
  const grant = uploadGrant(x, 'upload', bucketId, urlId);
  await holdingToken(x, token, async () => {
    const { sha1Mode } = bodyLength(x, Limits.maxSmallFileSize);
    const bucket = bucketOrFail(ctx, bucketId);
    const rawName = x.header('x-bz-file-name');
    const fileName = rawName === undefined ? undefined : decodeB2(rawName);
    if (fileName === undefined) throw badRequest('X-Bz-File-Name is missing or badly encoded');
    checkFileName(fileName);
    requireAccess(grant, 'writeFiles', bucket.bucketId, fileName);
    const contentType = resolveContentType(x.header('content-type'), fileName);
    const encryption = encryptionFromHeaders(x, bucketEncryption(bucket.defaultSse));
    const lock = lockFields(bucket, grant, lockFromHeaders(x), ctx.clock.now());
    const custom = customTimestampHeader(x);
    const fileInfo = normaliseFileInfo(
      fileName,
      infoFromHeaders(x),
      encryption.mode !== null || bucket.fileLockEnabled,
    );
    const stamp = uploadTimestamp(ctx, ctx.clock.now(), custom);
    const body = await receiveBody(x, sha1Mode);
    if (!ctx.store.get('buckets', bucketId)) {
      ctx.blobs.delete(body.blob.blobId);
      throw new B2Failure(400, 'bad_bucket_id', `Bucket ${bucketId} does not exist`);
    }
    const now = ctx.clock.now();
    const seq = ctx.nextSeq();
    const file: FileRecord = {
      fileId: newFileId(bucketId, seq, now),
      bucketId,
      fileName,
      action: 'upload',
      contentLength: body.blob.length,
      contentSha1: body.contentSha1,
      contentMd5: body.contentMd5,
      contentType,
      fileInfo,
      uploadTimestamp: stamp,
      seq,
      ...encryptionFields(encryption),
      ...lock,
      blobs: [body.blob],
    };
    ctx.store.put('files', file.fileId, file);
    await x.sendJson(200, fileShape(ctx.account().accountId, file, grant, x.version));
  });
}

/** POST /b2api/vN/b2_upload_part/<fileId>/<urlId> */
export async function uploadPart(x: Exchange, fileId: string, urlId: string): Promise<void> {
  const { ctx } = x;
  const token = x.header('authorization') ?? '';
  const grant = uploadGrant(x, 'part', fileId, urlId);
  await holdingToken(x, token, async () => {
    const { sha1Mode } = bodyLength(x, Limits.maxPartSize);
    const file = unfinishedOrFail(ctx, fileId);
    requireAccess(grant, 'writeFiles', file.bucketId, file.fileName);
    const rawNumber = x.header('x-bz-part-number') ?? '';
    const partNumber = /^\d{1,5}$/.test(rawNumber) ? Number(rawNumber) : 0;
    if (partNumber < 1 || partNumber > Limits.maxParts) {
      throw badRequest(`X-Bz-Part-Number must be 1 to ${Limits.maxParts}`);
    }
    // Each part of an SSE-C large file carries the key it was started with.
    requireCustomerKey(file, customerKeyFromHeaders(x));
    if (x.header('x-bz-server-side-encryption') !== undefined)
      throw badRequest('SSE-B2 is chosen at b2_start_large_file, not per part');
    const body = await receiveBody(x, sha1Mode);
    // The file may have been finished or cancelled while the bytes were arriving.
    if (ctx.store.get('files', fileId)?.action !== 'start') {
      ctx.blobs.delete(body.blob.blobId);
      throw badRequest(`Invalid fileId: ${fileId}`);
    }
    const part: PartRecord = {
      fileId,
      partNumber,
      contentLength: body.blob.length,
      contentSha1: body.contentSha1,
      contentMd5: body.contentMd5,
      uploadTimestamp: ctx.clock.now(),
      blob: body.blob,
    };
    // Uploading a part number again replaces it.
    const old = ctx.store.get('parts', partKey(fileId, partNumber));
    ctx.store.put('parts', partKey(fileId, partNumber), part);
    if (old) ctx.blobs.delete(old.blob.blobId);
    await x.sendJson(200, partShape(part, file.sse));
  });
}
