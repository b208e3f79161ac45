/**
 * The per-upload calls: part URLs, parts, finish, cancel (docs/broker-protocol.md). Each first
 * proves, through the upload token, that the caller started this upload.
 */
import { type B2Error, isB2Error } from '../../b2/errors.js';
import { Limits, type Part } from '../../b2/wire.js';
import { formatBytes } from '../../units.js';
import { refusalFromB2 } from '../b2-errors.js';
import { partPlan, partRange } from '../../protocol.js';
import { reportCompletion } from '../completion.js';
import { type BrokerContext, s3Of, uploadResult } from '../context.js';
import { badRequest, Refusal } from '../errors.js';
import { isRefusal, json, readJson } from '../http.js';
import {
  completeMultipartUpload,
  fileIdOf,
  isS3CallError,
  listPartEtags,
  type S3CallError,
  refusalFromS3,
} from '../s3/multipart.js';
import { presign } from '../s3/signer.js';
import type { UploadClaims } from '../token.js';
import { openUpload } from './session.js';

/** Part URLs per call: enough for 16 parallel part uploads, few enough that one call stays quick. */
const MAX_TARGETS = 16;
const SHA1 = /^[0-9a-f]{40}$/i;

const fromB2 = (error: unknown) => {
  throw refusalFromB2(error, 'upload');
};

export async function partUrls(
  context: BrokerContext,
  request: Request,
  uploadId: string,
): Promise<Response> {
  await openUpload(context, request, uploadId);
  const { count } = await readJson(request);
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_TARGETS) {
    throw badRequest(`count must be an integer from 1 to ${MAX_TARGETS}`);
  }
  // One b2_get_upload_part_url per target: B2 allows one request at a time per URL.
  const targets = await Promise.all(
    Array.from({ length: count }, () => context.client.getUploadPartUrl({ fileId: uploadId }).catch(fromB2)),
  );
  return json({
    targets: targets.map((t) => ({ uploadUrl: t.uploadUrl, authorizationToken: t.authorizationToken })),
  });
}

export async function listParts(
  context: BrokerContext,
  request: Request,
  uploadId: string,
): Promise<Response> {
  await openUpload(context, request, uploadId);
  const parts = await storedParts(context, fileIdOf(uploadId)).catch(fromB2);
  return json({
    parts: parts.map((p) => ({
      partNumber: p.partNumber,
      contentLength: p.contentLength,
      contentSha1: p.contentSha1,
    })),
  });
}

export async function finish(context: BrokerContext, request: Request, uploadId: string): Promise<Response> {
  const claims = await openUpload(context, request, uploadId);
  const partSha1Array = sha1List((await readJson(request)).partSha1Array);

  const fileId = fileIdOf(uploadId);
  let parts: Part[];
  try {
    parts = await storedParts(context, fileId);
  } catch (error) {
    return finishedAlready(context, claims, error);
  }
  const problem = sizeProblem(context, claims, parts);
  if (problem) {
    // The parts can't make the file that was declared (and checked against the limits) at start:
    // drop them so they stop costing storage, and tell the client.
    await context.client.cancelLargeFile({ fileId }).catch(() => {});
    throw new Refusal(409, 'size_mismatch', problem);
  }
  let file: Awaited<ReturnType<BrokerContext['client']['finishLargeFile']>>;
  try {
    if (claims.s3PartSize === undefined) {
      file = await context.client.finishLargeFile({ fileId, partSha1Array });
    } else {
      await completeS3(context, claims, parts, partSha1Array);
      file = await context.client.getFileInfo({ fileId });
    }
  } catch (error) {
    if (isRefusal(error)) throw error;
    // A concurrent or earlier finish may have won: answer with its result (it reported completion).
    return finishedAlready(context, claims, error);
  }
  await reportCompletion(context, claims.principal, file, request);
  return json(uploadResult(file));
}

/**
 * S3 transport: B2 hashed each part it received; those SHA-1s (native b2_list_parts) must be the
 * ones the client computed, part for part, or nothing is kept. Then CompleteMultipartUpload with
 * the parts' ETags as B2 lists them.
 */
async function completeS3(
  context: BrokerContext,
  claims: UploadClaims,
  parts: Part[],
  partSha1Array: string[],
): Promise<void> {
  const differs =
    parts.length !== partSha1Array.length ||
    parts.some((part, i) => part.partNumber !== i + 1 || part.contentSha1.toLowerCase() !== partSha1Array[i]);
  if (differs) {
    await context.client.cancelLargeFile({ fileId: fileIdOf(claims.uploadId) }).catch(() => {});
    throw new Refusal(409, 'content_mismatch', 'The parts B2 holds are not the ones hashed by the client.');
  }
  const s3 = s3Of(context);
  try {
    const etags = await listPartEtags(s3, claims.fileName, claims.uploadId);
    await completeMultipartUpload(
      s3,
      claims.fileName,
      claims.uploadId,
      parts.map((part) => ({ partNumber: part.partNumber, etag: etags.get(part.partNumber) ?? '' })),
    );
  } catch (error) {
    if (isS3CallError(error) && error.code === 'NoSuchUpload') throw error; // finishedAlready decides
    throw refusalFromS3(error);
  }
}

/**
 * POST /uploads/{id}/s3-part-urls (S3 transport): presigned UploadPart URLs for the listed parts,
 * each bound to this upload, its part number and that part's exact size, for a few minutes.
 */
export async function s3PartUrls(
  context: BrokerContext,
  request: Request,
  uploadId: string,
): Promise<Response> {
  const claims = await openUpload(context, request, uploadId);
  if (claims.s3PartSize === undefined) throw badRequest('this upload uses B2 part URLs: POST part-urls');
  const plan = partPlan(claims.size, claims.s3PartSize);
  const { partNumbers } = await readJson(request);
  if (
    !Array.isArray(partNumbers) ||
    partNumbers.length < 1 ||
    partNumbers.length > MAX_TARGETS ||
    !partNumbers.every((n) => Number.isInteger(n) && n >= 1 && n <= plan.count)
  ) {
    throw badRequest(`partNumbers must list 1 to ${MAX_TARGETS} part numbers from 1 to ${plan.count}`);
  }
  const s3 = s3Of(context);
  const now = context.options.now();
  const ttl = context.options.presignedUrlTtlSeconds;
  const parts = await Promise.all(
    (partNumbers as number[]).map(async (partNumber) => {
      const { start, end } = partRange(plan, partNumber);
      const url = await presign(
        s3.endpoint,
        {
          method: 'PUT',
          key: claims.fileName,
          query: { partNumber: String(partNumber), uploadId },
          headers: { 'content-length': String(end - start) },
        },
        ttl,
        now,
      );
      return { partNumber, url, expiresAt: now + ttl * 1000 };
    }),
  );
  return json({ parts });
}

export async function cancel(context: BrokerContext, request: Request, uploadId: string): Promise<Response> {
  await openUpload(context, request, uploadId);
  await context.client.cancelLargeFile({ fileId: fileIdOf(uploadId) }).catch(fromB2);
  return json({ cancelled: true });
}

async function storedParts(context: BrokerContext, fileId: string): Promise<Part[]> {
  const parts: Part[] = [];
  for await (const part of context.client.iterateParts({ fileId, maxPartCount: Limits.listParts.max })) {
    parts.push(part);
  }
  return parts.sort((a, b) => a.partNumber - b.partNumber);
}

function sizeProblem(context: BrokerContext, claims: UploadClaims, parts: Part[]): string | undefined {
  const total = parts.reduce((sum, part) => sum + part.contentLength, 0);
  if (total !== claims.size)
    return `B2 holds ${total} bytes in ${parts.length} parts; ${claims.size} were declared.`;
  if (total > context.options.maxFileSize)
    return `The file is over the ${formatBytes(context.options.maxFileSize)} limit.`;
  if (parts.length > Limits.maxParts)
    return `B2 holds ${parts.length} parts; at most ${Limits.maxParts} make a file.`;
  return undefined;
}

/**
 * After B2 refused to list or finish an upload: if the file is finished under the token's name,
 * that is the answer (a repeated finish); if B2 no longer knows it, 404; otherwise B2's refusal.
 */
async function finishedAlready(
  context: BrokerContext,
  claims: UploadClaims,
  error: unknown,
): Promise<Response> {
  // 400 covers both "no such unfinished file" and "these parts don't make it" (missing_part,
  // part_sha1_mismatch, too small): only the file's state tells them apart. On S3 the same
  // ambiguity is NoSuchUpload.
  if (isS3CallError(error)) {
    if (error.code !== 'NoSuchUpload') throw refusalFromS3(error);
  } else if (!isB2Error(error) || (error.status !== 400 && error.status !== 404)) {
    throw refusalFromB2(error, 'upload');
  }
  let file: Awaited<ReturnType<BrokerContext['client']['getFileInfo']>>;
  try {
    file = await context.client.getFileInfo({ fileId: fileIdOf(claims.uploadId) });
  } catch (lookup) {
    throw refusalFromB2(lookup, 'upload');
  }
  if (file.action === 'upload' && file.fileName === claims.fileName) return json(uploadResult(file));
  if (file.action === 'start') throw finishRefused(error);
  throw isS3CallError(error) ? refusalFromS3(error) : refusalFromB2(error, 'upload');
}

/** B2 refused to finish a file that is still unfinished: the part SHA-1s or sizes are wrong. */
function finishRefused(error: B2Error | S3CallError): Refusal {
  return badRequest(
    `B2 refused to finish: the parts don't match partSha1Array or are too small (${error.code})`,
  );
}

function sha1List(value: unknown): string[] {
  if (!Array.isArray(value) || value.length < 1 || value.length > Limits.maxParts) {
    throw badRequest(`partSha1Array must list 1 to ${Limits.maxParts} SHA-1s`);
  }
  if (!value.every((sha1) => typeof sha1 === 'string' && SHA1.test(sha1))) {
    throw badRequest('partSha1Array entries must be 40 hex digits');
  }
  return value.map((sha1: string) => sha1.toLowerCase());
}
