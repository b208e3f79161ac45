import type { CorsRule } from '../b2/wire.js';

/** Name of the bucket CORS rule b2up manages; other rules of the bucket are left alone. */
export const B2UP_CORS_RULE_NAME = 'b2up-browser-uploads';

export interface BrowserUploadRuleOptions {
  /** Also allow `b2_upload_file` (a broker with `smallFiles: 'direct'`). Default false. */
  directSmallFiles?: boolean;
  /**
   * Allow the S3 requests browsers make with presigned URLs: `s3_put` (small files, S3 parts),
   * `s3_get` and `s3_delete` (Uppy's ListParts and AbortMultipartUpload). Default true.
   */
  s3?: boolean;
}

/**
 * The bucket CORS rule browser uploads need: parts go from the page straight to B2's upload URLs,
 * and small files (and S3-transport parts) to B2's S3 endpoint with presigned URLs, so B2 must
 * approve those preflights from the app's origins with the headers the SDK sends.
 */
export function browserUploadCorsRule(origins: string[], options: BrowserUploadRuleOptions = {}): CorsRule {
  const s3 = options.s3 ?? true;
  return {
    corsRuleName: B2UP_CORS_RULE_NAME,
    allowedOrigins: origins,
    allowedOperations: [
      'b2_upload_part',
      ...(options.directSmallFiles ? (['b2_upload_file'] as const) : []),
      ...(s3 ? (['s3_put', 's3_get', 's3_delete'] as const) : []),
    ],
    allowedHeaders: [
      'authorization',
      'content-type',
      'x-bz-part-number',
      'x-bz-content-sha1',
      'x-bz-file-name',
      'x-bz-info-*',
      // A presigned PUT carries the signed Content-MD5 and file info (x-amz-meta-*).
      ...(s3 ? ['content-md5', 'x-amz-meta-*'] : []),
    ],
    // Retry-After is not a CORS-safelisted header: without it here the page can't read how long a
    // 429 asked it to wait and comes back too early on the same part URL. S3 clients (Uppy) read a
    // part's ETag to complete the upload.
    exposeHeaders: ['x-bz-content-sha1', 'retry-after', ...(s3 ? ['etag'] : [])],
    maxAgeSeconds: 3600,
  };
}

/** The bucket's rules with b2up's rule added or replaced, every other rule kept in place. */
export function withBrowserUploadRule(existing: CorsRule[], rule: CorsRule): CorsRule[] {
  const others = existing.filter((candidate) => candidate.corsRuleName !== rule.corsRuleName);
  return [...others, rule];
}
