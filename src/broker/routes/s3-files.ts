/**
 * Small files straight to B2 through S3 (docs/broker-protocol.md, POST /files/presign and
 * POST /files/{id}/confirm, or both for a batch of files: `{files: [...]}`, POST /files/confirm). The broker signs one PutObject for the name it chose, binding the
 * exact Content-Length, Content-Type, Content-MD5 and file info, for a few minutes; the browser PUTs
 * the bytes to B2; then the broker reads what B2 stored (native API) and keeps it only if it is
 * what was declared.
 */
import { isB2Error } from '../../b2/errors.js';
import type { DownloadedFile } from '../../b2/download-request.js';
import { refusalFromB2 } from '../b2-errors.js';
import { reportCompletion } from '../completion.js';
import { authenticate, type BrokerContext, s3Of } from '../context.js';
import { badRequest, Refusal } from '../errors.js';
import { isRefusal, json, readJson, refusalBody } from '../http.js';
import { objectHeaders } from '../s3/metadata.js';
import { presign } from '../s3/signer.js';
import type { Principal } from '../options.js';
import type { UploadClaims } from '../token.js';
import { fileFieldsOf } from './admission.js';
import { checkUploadToken, openUpload } from './session.js';
import { admitSmallFile } from './small-files.js';

const SHA1 = /^[0-9a-f]{40}$/;
const MD5 = /^[0-9a-f]{32}$/;

export async function presignSmallFile(context: BrokerContext, request: Request): Promise<Response> {
  s3Of(context);
  const principal = await authenticate(context, request);
  const body = await context.bodies.read(principal.id, () => readJson(request));
  if (body.files === undefined) return json(await presignOne(context, principal, body));
  const items = batchItems(body.files, 'files');
  // One after another: each takes a start from the caller's budget, in the order sent.
  const results = [];
  for (const item of items)
    results.push(await settle(context, request, () => presignOne(context, principal, item)));
  return json({ results });
}

async function presignOne(context: BrokerContext, principal: Principal, body: Record<string, unknown>) {
  const s3 = s3Of(context);
  const sha1 = hexField(body.sha1, 'sha1', SHA1);
  const md5 = hexField(body.md5, 'md5', MD5);
  const admitted = await admitSmallFile(context, principal, fileFieldsOf(body));

  const now = context.options.now();
  const ttl = context.options.presignedUrlTtlSeconds;
  // What the browser must send, byte for byte: all of it is in the signature.
  const headers = {
    ...objectHeaders(admitted.contentType, admitted.fileInfo),
    'content-md5': hexToBase64(md5),
  };
  const url = await presign(
    s3.endpoint,
    {
      method: 'PUT',
      key: admitted.fileName,
      headers: { ...headers, 'content-length': String(admitted.size) },
    },
    ttl,
    now,
  );
  const uploadId = crypto.randomUUID();
  const expiresAt = now + context.options.tokenTtlMs;
  const token = await context.tokens.sign({
    uploadId,
    principalId: principal.id,
    fileName: admitted.fileName,
    size: admitted.size,
    expiresAt,
    expected: {
      sha1,
      md5,
      contentType: admitted.contentType,
      infoKeys: Object.keys(admitted.fileInfo).map((key) => key.toLowerCase()),
    },
  });
  return {
    uploadId,
    token,
    fileName: admitted.fileName,
    expiresAt,
    put: { url, method: 'PUT', headers, expiresAt: now + ttl * 1000 },
  };
}

/** How the stored bytes were checked against the client's hashes. */
export type VerifiedBy = 'sha1' | 'md5';

export async function confirmSmallFile(
  context: BrokerContext,
  request: Request,
  uploadId: string,
): Promise<Response> {
  const claims = await openUpload(context, request, uploadId);
  return json(await confirmOne(context, claims, request));
}

/**
 * POST /files/confirm: several presigned files at once, each with its own upload token, each
 * checked as POST /files/{id}/confirm checks one. A few at a time, since each reads from B2.
 */
export async function confirmSmallFiles(context: BrokerContext, request: Request): Promise<Response> {
  const principal = await authenticate(context, request);
  const body = await context.bodies.read(principal.id, () => readJson(request));
  const items = batchItems(body.uploads, 'uploads');
  const results: unknown[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) {
      const item = items[i]!;
      results[i] = await settle(context, request, async () => {
        const uploadId = typeof item.uploadId === 'string' ? item.uploadId : '';
        const token = typeof item.token === 'string' ? item.token : '';
        if (!token) throw new Refusal(401, 'bad_upload_token', 'Each upload needs its token.');
        return confirmOne(context, await checkUploadToken(context, principal, token, uploadId), request);
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONFIRMS_AT_ONCE, items.length) }, worker));
  return json({ results });
}

async function confirmOne(
  context: BrokerContext,
  claims: UploadClaims & { principal: Principal },
  request: Request,
) {
  const expected = claims.expected;
  if (!expected) throw new Refusal(401, 'bad_upload_token', 'The upload token is not for a presigned file.');
  const bucketName = context.target.bucketName ?? '';
  let stored: DownloadedFile;
  try {
    stored = (await context.client.headFileByName(bucketName, claims.fileName)).file;
  } catch (error) {
    if (isB2Error(error) && error.status === 404) {
      throw new Refusal(404, 'not_found', 'B2 holds no file under this name: send the PUT first.');
    }
    throw refusalFromB2(error, 'upload');
  }
  const check = await compare(context, claims, stored);
  if (!check.ok) {
    // Nothing that fails its check is kept: the version goes, the client hears why.
    await context.client
      .deleteFileVersion({ fileName: stored.fileName, fileId: stored.fileId })
      .catch((error: unknown) => {
        throw refusalFromB2(error, 'upload');
      });
    throw check.refusal;
  }
  if (context.options.onUploadComplete) {
    const file = await context.client.getFileInfo({ fileId: stored.fileId }).catch((error: unknown) => {
      throw refusalFromB2(error, 'upload');
    });
    await reportCompletion(context, claims.principal, file, request);
  }
  return {
    fileId: stored.fileId,
    fileName: stored.fileName,
    size: stored.contentLength,
    contentType: stored.contentType,
    contentSha1: expected.sha1,
    uploadTimestamp: stored.uploadTimestamp,
    verifiedBy: check.verifiedBy,
  };
}

/** The most files one batch call may carry (GET /config's `smallFileBatchMax`). */
export const SMALL_FILE_BATCH_MAX = 50;
const CONFIRMS_AT_ONCE = 8;

function batchItems(value: unknown, field: string): Record<string, unknown>[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > SMALL_FILE_BATCH_MAX) {
    throw badRequest(`${field} must be a list of 1 to ${SMALL_FILE_BATCH_MAX} objects`);
  }
  for (const item of value) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw badRequest(`each of ${field} must be a JSON object`);
    }
  }
  return value as Record<string, unknown>[];
}

/**
 * One batch item's answer: its result, or `{error: {status, code, message}}` as a refused single
 * call would have answered (an unexpected failure goes to `onError`, never into the answer).
 */
async function settle(context: BrokerContext, request: Request, run: () => Promise<unknown>) {
  try {
    return await run();
  } catch (error) {
    if (isRefusal(error)) {
      const { retryAfterSeconds } = error.extra;
      return {
        error: { ...refusalBody(error), ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) },
      };
    }
    context.options.onError(error, request);
    return { error: { status: 500, code: 'unavailable', message: 'The broker failed unexpectedly.' } };
  }
}

type Check = { ok: true; verifiedBy: VerifiedBy } | { ok: false; refusal: Refusal };

/**
 * Size, type, file info, then content: the SHA-1 B2 computed where it reports one, else the MD5 it stored
 * (b2_get_file_info's contentMd5). A file B2 can vouch for by neither fails: never a silent pass.
 */
async function compare(context: BrokerContext, claims: UploadClaims, stored: DownloadedFile): Promise<Check> {
  const expected = claims.expected!;
  const mismatch = (what: string): Check => ({
    ok: false,
    refusal: new Refusal(409, 'content_mismatch', `B2 holds other bytes than were declared: ${what}.`),
  });
  if (stored.contentLength !== claims.size) {
    return {
      ok: false,
      refusal: new Refusal(
        409,
        'size_mismatch',
        `B2 holds ${stored.contentLength} bytes; ${claims.size} were declared.`,
      ),
    };
  }
  if (stored.contentType !== expected.contentType) return mismatch(`type ${stored.contentType}`);
  // The URL signs every x-amz-meta-* the broker chose, but S3 does not forbid a sender adding more.
  const signed = new Set(expected.infoKeys);
  const added = Object.keys(stored.info).filter((key) => !signed.has(key.toLowerCase()));
  if (added.length > 0) return mismatch(`file info the broker did not sign (${added.join(', ')})`);
  const sha1 = stored.contentSha1?.toLowerCase().replace(/^unverified:/, '');
  if (sha1 && SHA1.test(sha1)) {
    return sha1 === expected.sha1 ? { ok: true, verifiedBy: 'sha1' } : mismatch('another SHA-1');
  }
  const info = await context.client.getFileInfo({ fileId: stored.fileId }).catch((error: unknown) => {
    throw refusalFromB2(error, 'upload');
  });
  const md5 = info.contentMd5?.toLowerCase();
  if (md5 && MD5.test(md5)) {
    return md5 === expected.md5 ? { ok: true, verifiedBy: 'md5' } : mismatch('another MD5');
  }
  return mismatch('B2 reports neither a SHA-1 nor an MD5 to check it by');
}

function hexField(value: unknown, field: string, pattern: RegExp): string {
  const hex = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (!pattern.test(hex)) throw badRequest(`${field} must be ${pattern === SHA1 ? 40 : 32} hex digits`);
  return hex;
}

function hexToBase64(hex: string): string {
  let binary = '';
  for (let i = 0; i < hex.length; i += 2)
    binary += String.fromCharCode(Number.parseInt(hex.slice(i, i + 2), 16));
  return btoa(binary);
}
