/**
 * CORS answered from the bucket's corsRules: the first rule whose origins match, whose
 * operations include the one the URL implies, and whose allowedHeaders cover every requested header.
 *
 * Which buckets' rules apply: upload_file → the URL's bucket; upload_part → the large file's bucket;
 * download by name → the bucket named in the path; download by id → the file's bucket (from `fileId` in
 * the query) or, for POST by id without a query, any bucket. B2's JSON api endpoints are not covered by
 * bucket rules in the docs; the emulator allows an origin there when ANY bucket has a rule allowing that
 * origin (any operation), which is what a browser app using a bucket needs.
 */
import type { CorsOperation, CorsRule } from '../b2/wire.js';
import type { EmulatorContext } from './context.js';
import { seqOfFileId } from './ids.js';
import type { BucketRecord } from './model.js';
import { methodsOf, type Route } from './routes.js';

export interface CorsScope {
  operation: CorsOperation | 'api';
  buckets: BucketRecord[];
}

export function corsScope(ctx: EmulatorContext, route: Route, url: URL): CorsScope | undefined {
  const all = () => ctx.store.values('buckets');
  const bucketOfFile = (fileId: string | null) => {
    const file = fileId && seqOfFileId(fileId) !== undefined ? ctx.store.get('files', fileId) : undefined;
    const bucket = file && ctx.store.get('buckets', file.bucketId);
    return bucket ? [bucket] : [];
  };
  switch (route.kind) {
    case 'upload_file': {
      const bucket = ctx.store.get('buckets', route.bucketId);
      return { operation: 'b2_upload_file', buckets: bucket ? [bucket] : [] };
    }
    case 'upload_part':
      return { operation: 'b2_upload_part', buckets: bucketOfFile(route.fileId) };
    case 'download_by_name': {
      const name = decodeURIComponentSafe(route.bucket);
      return { operation: 'b2_download_file_by_name', buckets: all().filter((b) => b.bucketName === name) };
    }
    case 'download_by_id': {
      const fileId = url.searchParams.get('fileId');
      return { operation: 'b2_download_file_by_id', buckets: fileId ? bucketOfFile(fileId) : all() };
    }
    case 'json':
    case 'authorize':
      return { operation: 'api', buckets: all() };
    default:
      return undefined;
  }
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `*`, a scheme alone (`https`), an exact origin, or one `*` wildcard (`https://*.example.com`). */
export function originMatches(pattern: string, origin: string): boolean {
  const p = pattern.toLowerCase();
  const o = origin.toLowerCase();
  if (p === '*' || p === o) return true;
  if (/^[a-z]+$/.test(p)) return o.startsWith(`${p}://`);
  const star = p.indexOf('*');
  if (star < 0) return false;
  const head = p.slice(0, star);
  const tail = p.slice(star + 1);
  return o.length > head.length + tail.length && o.startsWith(head) && o.endsWith(tail);
}

/** `*` covers all; `x-bz-info-*` covers a prefix; otherwise an exact, case-insensitive name. */
export function headerAllowed(allowed: string[] | null | undefined, header: string): boolean {
  return (allowed ?? []).some((a) => {
    const rule = a.toLowerCase();
    if (rule === '*') return true;
    if (rule.endsWith('*')) return header.startsWith(rule.slice(0, -1));
    return rule === header;
  });
}

export interface CorsMatch {
  rule: CorsRule;
}

export function findRule(scope: CorsScope, origin: string, requestHeaders: string[]): CorsMatch | undefined {
  for (const bucket of scope.buckets) {
    for (const rule of bucket.corsRules) {
      if (!rule.allowedOrigins.some((o) => originMatches(o, origin))) continue;
      if (scope.operation !== 'api') {
        if (!rule.allowedOperations.includes(scope.operation)) continue;
        if (!requestHeaders.every((h) => headerAllowed(rule.allowedHeaders, h))) continue;
      }
      return { rule };
    }
  }
  return undefined;
}

const allowOrigin = (rule: CorsRule, origin: string) => (rule.allowedOrigins.includes('*') ? '*' : origin);

/** Headers of an approved preflight, or undefined when B2 would say no. */
export function preflightHeaders(
  scope: CorsScope,
  route: Route,
  origin: string,
  method: string,
  requestHeaders: string[],
): Record<string, string> | undefined {
  const methods = methodsOf(route);
  if (!methods.includes(method.toUpperCase())) return undefined;
  const match = findRule(scope, origin, requestHeaders);
  if (!match) return undefined;
  const headers: Record<string, string> = {
    'Access-Control-Allow-Origin': allowOrigin(match.rule, origin),
    'Access-Control-Allow-Methods': methods.join(', '),
    'Access-Control-Max-Age': String(match.rule.maxAgeSeconds),
    Vary: 'Origin',
  };
  if (requestHeaders.length) headers['Access-Control-Allow-Headers'] = requestHeaders.join(', ');
  return headers;
}

/** Headers an actual cross-origin response carries when a rule allows the origin. */
export function responseCorsHeaders(scope: CorsScope, origin: string): Record<string, string> {
  const match = findRule(scope, origin, []);
  if (!match) return {};
  const headers: Record<string, string> = {
    'Access-Control-Allow-Origin': allowOrigin(match.rule, origin),
    Vary: 'Origin',
  };
  if (match.rule.exposeHeaders?.length)
    headers['Access-Control-Expose-Headers'] = match.rule.exposeHeaders.join(', ');
  return headers;
}
