/** Everything a route may use, built once per broker (the target once it is ready). */
import type { B2Client } from '../b2/client.js';
import type { FileVersion } from '../b2/wire.js';
import { formatBytes } from '../units.js';
import { Refusal } from './errors.js';
import { largeFileSha1 } from './file-info.js';
import { checkFinalName, defaultFileName } from './names.js';
import type { Principal, ResolvedBrokerOptions } from './options.js';
import type { UploadTarget } from './readiness.js';
import type { S3Mode } from './s3/mode.js';
import type { S3Session } from './s3/multipart.js';
import type { TokenSigner } from './token.js';

export interface BrokerContext {
  options: ResolvedBrokerOptions;
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
  const decision = await context.options.rateLimiter.take(principal.id, context.options.now());
  if (!decision.allowed) {
    throw new Refusal(429, 'rate_limited', 'Too many uploads started; try again later.', {
      retryAfterSeconds: decision.retryAfterSeconds,
    });
  }
}

export function checkSizeAndType(context: BrokerContext, size: number, essence: string): void {
  if (size > context.options.maxFileSize) {
    const limit = context.options.maxFileSize;
    throw new Refusal(413, 'too_large', `Files may be at most ${formatBytes(limit)}.`);
  }
  if (!context.options.isTypeAllowed(essence)) {
    const allowed = context.options.allowedTypes;
    const accepted = allowed ? ` Accepted: ${allowed.join(', ')}.` : '';
    throw new Refusal(415, 'type_not_allowed', `Files of type ${essence} are not accepted.${accepted}`);
  }
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

/** The protocol's upload result from a B2 file version. */
export function uploadResult(file: FileVersion) {
  const sha1 = file.contentSha1;
  const verified = sha1 && /^[0-9a-f]{40}$/i.test(sha1) ? sha1.toLowerCase() : null;
  return {
    fileId: file.fileId ?? '',
    fileName: file.fileName,
    size: file.contentLength,
    contentType: file.contentType ?? 'application/octet-stream',
    contentSha1: verified ?? largeFileSha1(file.fileInfo),
    uploadTimestamp: file.uploadTimestamp,
  };
}
