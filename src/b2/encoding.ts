/**
 * B2's percent-encoding for X-Bz-File-Name, X-Bz-Info-* and download paths.
 * We encode everything but the always-safe set `A-Z a-z 0-9 - . _ ~ /`; B2 decodes `+` as a space,
 * so a literal `+` must travel as `%2B` (encodeURIComponent already does that).
 */
export function encodeB2(value: string): string {
  return encodeURIComponent(value)
    .replace(/%2F/g, '/')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Decodes a percent-encoded header value or path as B2 does: `%XX` as UTF-8 bytes, `+` as a space.
 * Returns undefined for malformed input (a stray `%` or invalid UTF-8), which B2 answers with 400.
 */
export function decodeB2(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}
