/**
 * The per-upload calls: part URLs, parts, finish, cancel (docs/broker-protocol.md). Each first
 * proves, through the upload token, that the caller started this upload.
 */
import { type B2Error, isB2Error } from '../../b2/errors.js';
import { type FileVersion, Limits, type Part } from '../../b2/wire.js';
import { formatBytes } from '../../units.js';
import { refusalFromB2 } from '../b2-errors.js';
import { reportCompletion } from '../completion.js';
import { type BrokerContext, takeUploadCalls, uploadResult } from '../context.js';
import { badRequest, Refusal } from '../errors.js';
import { json, readJson } from '../http.js';
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
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_TARGETS) {
    throw badRequest(`count must be an integer from 1 to ${MAX_TARGETS}`);
  }
  // More URLs than the declared size has parts only serve to send parts it can't hold.
  const most = Math.max(1, Math.ceil(claims.size / context.target.minPartSize));
  if (count > most) throw badRequest(`a ${claims.size}-byte upload has at most ${most} parts`);
  await takeUploadCalls(context, claims, count + 1);
  const parts = await storedParts(context, uploadId).catch(fromB2);
  await refuseOverfull(context, claims, parts);
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
  await takeUploadCalls(context, await openUpload(context, request, uploadId), 1);
  const parts = await storedParts(context, uploadId).catch(fromB2);
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

  let parts: Part[];
  try {
    parts = await storedParts(context, uploadId);
  } catch (error) {
    return finishedAlready(context, claims, error, request);
  }
  await refuseMismatch(context, claims, parts);
  const listed = parts.map((part) => part.contentSha1.replace(/^unverified:/, '').toLowerCase());
  if (listed.length !== partSha1Array.length || listed.some((sha1, i) => sha1 !== partSha1Array[i])) {
    throw badRequest('partSha1Array does not match the parts B2 holds; list them and upload what differs');
  }
  let file: FileVersion;
  try {
    file = await context.client.finishLargeFile({ fileId: uploadId, partSha1Array: listed });
  } catch (error) {
    // A concurrent or earlier finish may have won (it reported completion), or a part landed
    // after the listing.
    return finishedAlready(context, claims, error, request);
  }
  await checkFinished(context, claims, file, request);
  await reportCompletion(context, claims.principal, file, request);
  return json(uploadResult(file));
}

export async function cancel(context: BrokerContext, request: Request, uploadId: string): Promise<Response> {
  await takeUploadCalls(context, await openUpload(context, request, uploadId), 1);
  await context.client.cancelLargeFile({ fileId: uploadId }).catch(fromB2);
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
  await context.client.cancelLargeFile({ fileId: claims.uploadId }).catch(() => {});
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
    .deleteFileVersion({ fileId: claims.uploadId, fileName: claims.fileName })
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
  // part_sha1_mismatch, too small): only the file's state tells them apart.
  if (!isB2Error(error) || (error.status !== 400 && error.status !== 404))
    throw refusalFromB2(error, 'upload');
  let file: Awaited<ReturnType<BrokerContext['client']['getFileInfo']>>;
  try {
    file = await context.client.getFileInfo({ fileId: claims.uploadId });
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
    await refuseMismatch(context, claims, await storedParts(context, claims.uploadId).catch(fromB2));
    throw finishRefused(error);
  }
  throw refusalFromB2(error, 'upload');
}

/** B2 refused to finish a file that is still unfinished: the part SHA-1s or sizes are wrong. */
function finishRefused(error: B2Error): Refusal {
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
