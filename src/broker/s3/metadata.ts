/**
 * An object's type and file info as S3 request headers. B2 stores `x-amz-meta-*` as file info;
 * values travel percent-encoded as B2 encodes X-Bz-Info-* headers, since a header value must be
 * ASCII and a user's file name need not be.
 */
import { encodeB2 } from '../../b2/encoding.js';

export function objectHeaders(contentType: string, fileInfo: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': contentType };
  for (const [key, value] of Object.entries(fileInfo)) headers[`x-amz-meta-${key}`] = encodeB2(value);
  return headers;
}
