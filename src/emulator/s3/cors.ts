/**
 * CORS for the S3 endpoint from the bucket's native `corsRules`: the request method picks the B2
 * operation (`s3_get`, `s3_head`, `s3_put`, `s3_post`, `s3_delete`), and the first rule whose origins,
 * operations and headers match answers. Actual responses expose the rule's `exposeHeaders` (`ETag`
 * for browser multipart uploads).
 */
import type { CorsOperation } from '../../b2/wire.js';
import type { EmulatorContext } from '../context.js';
import { type CorsScope, findRule, responseCorsHeaders } from '../cors.js';

const OPERATION_OF_METHOD: Record<string, CorsOperation> = {
  GET: 's3_get',
  HEAD: 's3_head',
  PUT: 's3_put',
  POST: 's3_post',
  DELETE: 's3_delete',
};

/** The rules that apply: the named bucket's, or every bucket's for the service root. */
function scopeOf(
  ctx: EmulatorContext,
  bucketName: string | undefined,
  method: string,
): CorsScope | undefined {
  const operation = OPERATION_OF_METHOD[method.toUpperCase()];
  if (!operation) return undefined;
  const buckets = ctx.store
    .values('buckets')
    .filter((b) => bucketName === undefined || b.bucketName === bucketName);
  return { operation, buckets };
}

/** Headers of an approved preflight, or undefined when the bucket's rules say no. */
export function s3PreflightHeaders(
  ctx: EmulatorContext,
  bucketName: string | undefined,
  origin: string,
  method: string,
  requestHeaders: string[],
): Record<string, string> | undefined {
  const scope = scopeOf(ctx, bucketName, method);
  const match = scope && findRule(scope, origin, requestHeaders);
  if (!match) return undefined;
  const methods = Object.entries(OPERATION_OF_METHOD)
    .filter(([, op]) => match.rule.allowedOperations.includes(op))
    .map(([m]) => m);
  const headers: Record<string, string> = {
    'Access-Control-Allow-Origin': match.rule.allowedOrigins.includes('*') ? '*' : origin,
    'Access-Control-Allow-Methods': methods.join(', '),
    'Access-Control-Max-Age': String(match.rule.maxAgeSeconds),
    Vary: 'Origin',
  };
  if (requestHeaders.length) headers['Access-Control-Allow-Headers'] = requestHeaders.join(', ');
  return headers;
}

/** Headers an actual cross-origin S3 response carries when a rule allows it. */
export function s3ResponseCorsHeaders(
  ctx: EmulatorContext,
  bucketName: string | undefined,
  origin: string,
  method: string,
): Record<string, string> {
  const scope = scopeOf(ctx, bucketName, method);
  return scope ? responseCorsHeaders(scope, origin) : {};
}
