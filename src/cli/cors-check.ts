/**
 * A real preflight against a B2 part-upload URL, the way a browser sends one before each part: the
 * only proof that a bucket's CORS rules let a page upload (rules can be shadowed by an earlier rule,
 * or name a header the SDK doesn't send). It needs an upload URL, so it starts a throw-away large
 * file and always cancels it (no part is ever uploaded, so nothing is stored or billed).
 */
import type { B2Client } from '../b2/client.js';

/**
 * The headers a browser lists when the SDK sends a part (src/b2/upload-headers.ts; content-type too,
 * which a typed Blob adds), lower-case and sorted as browsers list them.
 */
export const PART_REQUEST_HEADERS = 'authorization,content-type,x-bz-content-sha1,x-bz-part-number';

/** Where the throw-away file is started; its name says what it is if a crash ever leaves it behind. */
export const CHECK_PREFIX = '.b2up-cors-check/';

export interface PreflightResult {
  origin: string;
  allowed: boolean;
  /** HTTP status of the preflight. */
  status: number;
  /** Why it was denied, in a few words; absent when allowed. */
  reason?: string;
}

export async function checkPartPreflights(
  client: B2Client,
  bucketId: string,
  origins: readonly string[],
  fetcher: typeof fetch = fetch,
): Promise<PreflightResult[]> {
  const file = await client.startLargeFile({
    bucketId,
    fileName: `${CHECK_PREFIX}${crypto.randomUUID()}`,
    contentType: 'application/octet-stream',
  });
  // FileVersion.fileId is null only for listings of hide markers; a started file always has one.
  const fileId = file.fileId as string;
  try {
    const { uploadUrl } = await client.getUploadPartUrl({ fileId });
    const results: PreflightResult[] = [];
    for (const origin of origins) results.push(await preflight(fetcher, uploadUrl, origin));
    return results;
  } finally {
    await client.cancelLargeFile({ fileId });
  }
}

/**
 * The headers a browser lists before a presigned small-file PUT to the S3 endpoint: the signed
 * type, MD5 and file info the broker puts in it (src/broker/routes/s3-files.ts).
 */
export const S3_PUT_REQUEST_HEADERS =
  'content-md5,content-type,x-amz-meta-b2up-name,x-amz-meta-b2up-user,x-amz-meta-src_last_modified_millis';

/**
 * The same proof for the S3 path: a preflight of a presigned PUT to `<s3ApiUrl>/<bucket>/<name>`.
 * A preflight stores nothing, so no object or upload is needed.
 */
export async function checkS3Preflights(
  client: B2Client,
  bucketName: string,
  origins: readonly string[],
  fetcher: typeof fetch = fetch,
): Promise<PreflightResult[]> {
  const { s3ApiUrl } = await client.authorize();
  const url = `${s3ApiUrl.replace(/\/+$/, '')}/${encodeURIComponent(bucketName)}/${CHECK_PREFIX}${crypto.randomUUID()}`;
  const results: PreflightResult[] = [];
  for (const origin of origins)
    results.push(await preflight(fetcher, url, origin, 'PUT', S3_PUT_REQUEST_HEADERS));
  return results;
}

async function preflight(
  fetcher: typeof fetch,
  url: string,
  origin: string,
  method = 'POST',
  requestHeaders = PART_REQUEST_HEADERS,
): Promise<PreflightResult> {
  const response = await fetcher(url, {
    method: 'OPTIONS',
    headers: {
      Origin: origin,
      'Access-Control-Request-Method': method,
      'Access-Control-Request-Headers': requestHeaders,
    },
  });
  await response.body?.cancel();
  const status = response.status;
  // What a browser checks (Fetch standard, CORS check): an ok status, the origin (or *) allowed, and
  // every requested header allowed — else it never sends the part.
  const allowOrigin = response.headers.get('access-control-allow-origin');
  if (status < 200 || status > 299)
    return { origin, allowed: false, status, reason: `preflight answered ${status}` };
  if (allowOrigin !== origin && allowOrigin !== '*') {
    return { origin, allowed: false, status, reason: 'no Access-Control-Allow-Origin for this origin' };
  }
  const allowHeaders = (response.headers.get('access-control-allow-headers') ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase());
  // A `*` answer never covers Authorization (Fetch standard, CORS-preflight fetch step 7.7).
  const wildcard = allowHeaders.includes('*');
  const missing = requestHeaders
    .split(',')
    .filter((h) => !allowHeaders.includes(h) && !(wildcard && h !== 'authorization'));
  if (missing.length > 0)
    return { origin, allowed: false, status, reason: `headers not allowed: ${missing.join(', ')}` };
  return { origin, allowed: true, status };
}
