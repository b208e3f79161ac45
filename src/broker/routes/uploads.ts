/**
 * The per-upload calls: part URLs, parts, finish, cancel (docs/broker-protocol.md). Each first
 * proves, through the upload token, that the caller started this upload.
 */
import { type B2Error, isB2Error } from '../../b2/errors.js';
import { type FileVersion, Limits, type Part } from '../../b2/wire.js';
import { formatBytes } from '../../units.js';
import { refusalFromB2 } from '../b2-errors.js';
import { partPlan, partRange } from '../../protocol.js';
import { reportCompletion } from '../completion.js';
import { type BrokerContext, s3Of, takeUploadCalls, uploadResult } from '../context.js';
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
  const claims = await openUpload(context, request, uploadId);
  const { count } = await context.bodies.read(claims.principalId, () => readJson(request));
  const wanted = partUrlCount(context, claims.size, count, 'count');
  await takeUploadCalls(context, claims, wanted + 1);
  const parts = await storedParts(context, uploadId).catch(fromB2);
  await refuseOverfull(context, claims, parts);
  return json({ targets: await issuePartUrls(context, uploadId, wanted) });
}

/**
 * A wanted number of part URLs, checked: 1 to 16, and no more than the declared size can have
 * parts (more URLs would only serve to send parts it can't hold).
 */
export function partUrlCount(context: BrokerContext, size: number, count: unknown, field: string): number {
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_TARGETS) {
    throw badRequest(`${field} must be an integer from 1 to ${MAX_TARGETS}`);
  }
  const most = Math.max(1, Math.ceil(size / context.target.minPartSize));
  if (count > most) throw badRequest(`a ${size}-byte upload has at most ${most} parts`);
  return count;
}

/** One b2_get_upload_part_url per target: B2 allows one request at a time per URL. */
export async function issuePartUrls(
  context: BrokerContext,
  fileId: string,
  count: number,
): Promise<{ uploadUrl: string; authorizationToken: string }[]> {
  const targets = await Promise.all(
    Array.from({ length: count }, () => context.client.getUploadPartUrl({ fileId }).catch(fromB2)),
  );
  return targets.map((t) => ({ uploadUrl: t.uploadUrl, authorizationToken: t.authorizationToken }));
}

export async function listParts(
  context: BrokerContext,
  request: Request,
  uploadId: string,
): Promise<Response> {
  await takeUploadCalls(context, await openUpload(context, request, uploadId), 1);
  const parts = await storedParts(context, fileIdOf(uploadId)).catch(fromB2);
  return json({
    parts: parts.map((p) => ({
      partNumber: p.partNumber,
      contentLength: p.contentLength,
      contentSha1: p.contentSha1,
    })),
  });
}

/**
 * Finishes with the SHA-1s of the parts the broker itself listed and checked, never the client's
 * list: a part that lands between the listing and the finish is then not part of the file (B2
 * refuses a list that doesn't cover every part), and what B2 reports after finishing is checked too.
 */
export async function finish(context: BrokerContext, request: Request, uploadId: string): Promise<Response> {
  const claims = await openUpload(context, request, uploadId);
  const body = await context.bodies.read(claims.principalId, () => readJson(request));
  const partSha1Array = sha1List(body.partSha1Array);
  await takeUploadCalls(context, claims, 2);

  const fileId = fileIdOf(uploadId);
  let parts: Part[];
  try {
    parts = await storedParts(context, fileId);
  } catch (error) {
    return finishedAlready(context, claims, error, request);
  }
  await refuseMismatch(context, claims, parts);
  const listed = parts.map((part) => part.contentSha1.replace(/^unverified:/, '').toLowerCase());
  const native = claims.s3PartSize === undefined;
  if (
    native &&
    (listed.length !== partSha1Array.length || listed.some((sha1, i) => sha1 !== partSha1Array[i]))
  ) {
    throw badRequest('partSha1Array does not match the parts B2 holds; list them and upload what differs');
  }
  let file: FileVersion;
  try {
    if (native) {
      file = await context.client.finishLargeFile({ fileId, partSha1Array: listed });
    } else {
      await completeS3(context, claims, parts, partSha1Array);
      file = await context.client.getFileInfo({ fileId });
    }
  } catch (error) {
    if (isRefusal(error)) throw error;
    // A concurrent or earlier finish may have won (it reported completion), or a part landed
    // after the listing.
    return finishedAlready(context, claims, error, request);
  }
  await checkFinished(context, claims, file, request);
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
  const { partNumbers } = await context.bodies.read(claims.principalId, () => readJson(request));
  if (
    !Array.isArray(partNumbers) ||
    partNumbers.length < 1 ||
    partNumbers.length > MAX_TARGETS ||
    !partNumbers.every((n) => Number.isInteger(n) && n >= 1 && n <= plan.count)
  ) {
    throw badRequest(`partNumbers must list 1 to ${MAX_TARGETS} part numbers from 1 to ${plan.count}`);
  }
  // Signing costs B2 nothing, but the check that B2 holds no more than declared lists the parts.
  await takeUploadCalls(context, claims, 1);
  await refuseOverfull(context, claims, await storedParts(context, fileIdOf(uploadId)).catch(fromB2));
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
  await takeUploadCalls(context, await openUpload(context, request, uploadId), 1);
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
 * The parts can't make the file that was declared (and checked against the limits) at start: drop
 * them so they stop costing storage, and tell the client.
 */
async function refuseMismatch(context: BrokerContext, claims: UploadClaims, parts: Part[]): Promise<void> {
  const problem = sizeProblem(context, claims, parts);
  if (problem) await cancelWith(context, claims, problem);
}

/** Parts past the declared size: no more part URLs, and the upload is cancelled. */
async function refuseOverfull(context: BrokerContext, claims: UploadClaims, parts: Part[]): Promise<void> {
  const total = parts.reduce((sum, part) => sum + part.contentLength, 0);
  if (total > claims.size) {
    await cancelWith(
      context,
      claims,
      `B2 holds ${total} bytes of a ${claims.size}-byte upload; it was cancelled.`,
    );
  }
}

async function cancelWith(context: BrokerContext, claims: UploadClaims, problem: string): Promise<never> {
  await context.client.cancelLargeFile({ fileId: fileIdOf(claims.uploadId) }).catch(() => {});
  throw new Refusal(409, 'size_mismatch', problem);
}

/**
 * What B2 finished must be what was declared. It can only differ if B2 took parts the broker did not
 * list; then the file is deleted (a key with deleteFiles) or at least hidden, the operator told, and
 * the client refused.
 */
async function checkFinished(
  context: BrokerContext,
  claims: UploadClaims,
  file: FileVersion,
  request: Request,
): Promise<void> {
  if (file.contentLength === claims.size) return;
  const { client, target } = context;
  const removed = await client
    .deleteFileVersion({ fileId: fileIdOf(claims.uploadId), fileName: claims.fileName })
    .then(() => 'deleted')
    .catch(() =>
      client.hideFile({ bucketId: target.bucketId, fileName: claims.fileName }).then(
        () => 'hidden',
        () => 'left in place',
      ),
    );
  const problem = `B2 finished ${file.contentLength} bytes of a ${claims.size}-byte upload`;
  context.options.onError(
    new Error(`${problem} (${claims.fileName}, ${claims.uploadId}): ${removed}`),
    request,
  );
  throw new Refusal(409, 'size_mismatch', `${problem}; the file was ${removed}.`);
}

/**
 * After B2 refused to list or finish an upload: if the file is finished under the token's name,
 * that is the answer (a repeated finish); if B2 no longer knows it, 404; otherwise B2's refusal.
 */
async function finishedAlready(
  context: BrokerContext,
  claims: UploadClaims,
  error: unknown,
  request: Request,
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
  if (file.action === 'upload' && file.fileName === claims.fileName) {
    await checkFinished(context, claims, file, request);
    return json(uploadResult(file));
  }
  if (file.action === 'start') {
    // A part may have landed after the listing: if the parts no longer make the declared size, the
    // upload is cancelled rather than left holding them.
    await refuseMismatch(
      context,
      claims,
      await storedParts(context, fileIdOf(claims.uploadId)).catch(fromB2),
    );
    throw finishRefused(error);
  }
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
