import type { CorsRule } from '../b2/wire.js';

/** Name of the bucket CORS rule b2up manages; other rules of the bucket are left alone. */
export const B2UP_CORS_RULE_NAME = 'b2up-browser-uploads';

/**
 * The bucket CORS rule browser uploads need: parts go from the page straight to
 * B2's upload URLs, so B2 must approve `b2_upload_part` preflights from the app's origins with the
 * headers the SDK sends. `b2_upload_file` only when small files go direct (opt-in).
 */
export function browserUploadCorsRule(
  origins: string[],
  options: { directSmallFiles?: boolean } = {},
): CorsRule {
  return {
    corsRuleName: B2UP_CORS_RULE_NAME,
    allowedOrigins: origins,
    allowedOperations: options.directSmallFiles ? ['b2_upload_part', 'b2_upload_file'] : ['b2_upload_part'],
    allowedHeaders: [
      'authorization',
      'content-type',
      'x-bz-part-number',
      'x-bz-content-sha1',
      'x-bz-file-name',
      'x-bz-info-*',
    ],
    // Retry-After is not a CORS-safelisted header: without it here the page can't read how long a
    // 429 asked it to wait and comes back too early on the same part URL.
    exposeHeaders: ['x-bz-content-sha1', 'retry-after'],
    maxAgeSeconds: 3600,
  };
}

/** The bucket's rules with b2up's rule added or replaced, every other rule kept in place. */
export function withBrowserUploadRule(existing: CorsRule[], rule: CorsRule): CorsRule[] {
  const others = existing.filter((candidate) => candidate.corsRuleName !== rule.corsRuleName);
  return [...others, rule];
}
