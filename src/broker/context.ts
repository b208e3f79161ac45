/** Everything a route may use, built once per broker (the target once it is ready). */
import type { B2Client } from '../b2/client.js';
import type { FileVersion } from '../b2/wire.js';
import { formatBytes } from '../units.js';
import type { BodyGate } from './body-gate.js';
import { acceptContentType } from './content-types.js';
import { Refusal } from './errors.js';
import { largeFileSha1 } from './file-info.js';
import { checkFinalName, defaultFileName } from './names.js';
import type { Principal, ResolvedBrokerOptions } from './options.js';
import type { UploadTarget } from './readiness.js';
import type { RateDecision, RateLimiter } from './rate-limit.js';
import type { S3Mode } from './s3/mode.js';
import type { S3Session } from './s3/multipart.js';
import type { TokenSigner, UploadClaims } from './token.js';

/** Retry-After of a 503 when the rate limiter can't be reached (a shared store reconnecting). */
const LIMITER_RETRY_SECONDS = 5;

export interface BrokerContext {
  options: ResolvedBrokerOptions;
  /** Counts the request bodies each principal has in flight. */
  bodies: BodyGate;
  client: B2Client;
  tokens: TokenSigner;
  target: UploadTarget;
  /** Whether presigned S3 URLs can be handed out, decided once at start-up. */
  s3: S3Mode;
}

/** The S3 endpoint, or the refusal for a call that needs one on a broker without S3. */
export function s3Of(context: BrokerContext): S3Session {
  if (context.s3.kind === 's3') {
    return { endpoint: context.s3.endpoint, fetch: context.s3.fetch, now: context.options.now };
  }
  throw new Refusal(404, 'not_found', `This broker cannot use B2's S3 API: ${context.s3.reason}.`);
}

/** How small files travel, as GET /config reports it: 's3' falls back to 'proxy' without S3. */
export function smallFileMode(context: BrokerContext): 's3' | 'proxy' | 'direct' {
  const wanted = context.options.smallFiles;
  return wanted === 's3' && context.s3.kind !== 's3' ? 'proxy' : wanted;
}

/** Files below this go through POST /files. */
export function smallFileMaxSize(context: BrokerContext): number {
  return context.options.smallFileMaxSize ?? 2 * context.target.minPartSize;
}

/** The app's `authorize` hook; null, a throw or a principal without an id is 401. */
export async function authenticate(context: BrokerContext, request: Request): Promise<Principal> {
  let principal: Principal | null | undefined;
  try {
    principal = await context.options.authorize(request);
  } catch {
    principal = null;
  }
  if (!principal || typeof principal.id !== 'string' || principal.id === '') {
    throw new Refusal(401, 'unauthenticated', 'Log in to upload.');
  }
  return principal;
}

/** One start from the principal's budget, or 429 with Retry-After. */
export async function takeStart(context: BrokerContext, principal: Principal): Promise<void> {
  await take(context.options.rateLimiter, principal.id, context.options.now(), 1, 'Too many uploads started');
}

/**
 * `cost` B2 calls from the budgets of the caller and of the upload, before a per-upload call does
 * its work, or 429 with Retry-After.
 */
export async function takeUploadCalls(
  context: BrokerContext,
  claims: Pick<UploadClaims, 'uploadId' | 'principalId'>,
  cost: number,
): Promise<void> {
  const { perUser, perUpload } = context.options.uploadCallLimiters;
  const now = context.options.now();
  const tooMany = 'Too many calls for uploads';
  await take(perUpload, claims.uploadId, now, cost, tooMany);
  await take(perUser, claims.principalId, now, cost, tooMany);
}

async function take(limiter: RateLimiter, key: string, now: number, cost: number, tooMany: string) {
  let decision: RateDecision;
  try {
    decision = await limiter.take(key, now, cost);
  } catch {
    // Fail closed: without a decision nothing is let through, and nothing crashes.
    throw new Refusal(503, 'unavailable', 'The rate limiter is unavailable; try again shortly.', {
      retryAfterSeconds: LIMITER_RETRY_SECONDS,
    });
  }
  if (!decision.allowed) {
    throw new Refusal(429, 'rate_limited', `${tooMany}; try again later.`, {
      retryAfterSeconds: decision.retryAfterSeconds,
    });
  }
}

/** The declared size against `maxFileSize`: 413 too_large. */
export function checkSize(context: BrokerContext, size: number): void {
  if (size > context.options.maxFileSize) {
    const limit = context.options.maxFileSize;
    throw new Refusal(413, 'too_large', `Files may be at most ${formatBytes(limit)}.`);
  }
}

/** The raw Content-Type checked by the broker's type policy (acceptContentType); the type to store. */
export function acceptType(context: BrokerContext, raw: string | null | undefined) {
  return acceptContentType(raw, context.options.isTypeAllowed, context.options.allowedTypes);
}

/** The final B2 name: the app's hook (checked) or `<prefix>/<uuid>/<safe name>`. */
export async function chooseName(
  context: BrokerContext,
  principal: Principal,
  name: string,
  contentType: string,
  size: number,
): Promise<string> {
  const hook = context.options.name;
  const chosen = hook
    ? await hook({ principal, name, contentType, size })
    : defaultFileName(context.options.prefix, name, crypto.randomUUID());
  return checkFinalName(chosen, context.target.namePrefix);
}

/**
 * The protocol's upload result from a B2 file version. `contentSha1` is only ever a SHA-1 B2 checked
 * against the bytes (small files); a large file's whole-file SHA-1 is the uploader's claim at start,
 * which nobody checked, so it is reported apart as `claimedSha1` — never as `contentSha1`, which apps
 * may use to deduplicate or to trust a file.
 */
export function uploadResult(file: FileVersion) {
  const sha1 = file.contentSha1;
  const verified = sha1 && /^[0-9a-f]{40}$/i.test(sha1) ? sha1.toLowerCase() : null;
  return {
    fileId: file.fileId ?? '',
    fileName: file.fileName,
    size: file.contentLength,
    contentType: file.contentType ?? 'application/octet-stream',
    contentSha1: verified,
    claimedSha1: verified ? null : largeFileSha1(file.fileInfo),
    uploadTimestamp: file.uploadTimestamp,
  };
}
