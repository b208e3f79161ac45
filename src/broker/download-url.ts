/**
 * Short-lived download links for files in a private bucket: b2_get_download_authorization for
 * exactly one name, then B2's by-name download URL carrying that token in the query, so a plain
 * `<a href>` or `<img src>` works without the B2 key ever leaving the server.
 * See https://www.backblaze.com/apidocs/b2-get-download-authorization.
 */
import type { B2Client } from '../b2/client.js';
import { encodeB2 } from '../b2/encoding.js';
import type { UploadTarget } from './readiness.js';

export interface DownloadUrlOptions {
  /** How long the link works, in seconds (B2 allows 1..604800). Default 300. */
  validSeconds?: number;
  /**
   * A Content-Disposition B2 serves the file with, e.g. `attachment; filename="report.pdf"`
   * (RFC 6266, without `*` parameters). Bound into the token: the link only works with it. Default none.
   */
  contentDisposition?: string;
}

export interface DownloadUrl {
  /** `<downloadUrl>/file/<bucket>/<name>?Authorization=…` */
  url: string;
  /** When the link stops working, in ms since the epoch. */
  expiresAt: number;
}

/** B2's longest download authorization: one week. */
const MAX_VALID_SECONDS = 604_800;
const DEFAULT_VALID_SECONDS = 300;

export async function mintDownloadUrl(
  client: B2Client,
  target: UploadTarget,
  bucket: string,
  fileName: string,
  options: DownloadUrlOptions,
  now: () => number,
): Promise<DownloadUrl> {
  const validSeconds = options.validSeconds ?? DEFAULT_VALID_SECONDS;
  if (!Number.isInteger(validSeconds) || validSeconds < 1 || validSeconds > MAX_VALID_SECONDS) {
    throw new TypeError(`validSeconds must be a whole number in 1..${MAX_VALID_SECONDS}`);
  }
  if (typeof fileName !== 'string' || fileName === '') throw new TypeError('fileName is required');
  const authorization = await client.authorize();
  const bucketName = await nameOfBucket(client, target, bucket, authorization.allowed.buckets);
  const disposition = options.contentDisposition;
  // The prefix is the whole name: the token opens this file (and, as B2 matches prefixes, names
  // that extend it — the broker's default names end in a unique segment, so there are none).
  const { authorizationToken } = await client.getDownloadAuthorization({
    bucketId: target.bucketId,
    fileNamePrefix: fileName,
    validDurationInSeconds: validSeconds,
    ...(disposition === undefined ? {} : { b2ContentDisposition: disposition }),
  });
  const query = new URLSearchParams({ Authorization: authorizationToken });
  if (disposition !== undefined) query.set('b2ContentDisposition', disposition);
  return {
    url: `${authorization.downloadUrl}/file/${encodeB2(bucketName)}/${encodeB2(fileName)}?${query}`,
    expiresAt: now() + validSeconds * 1000,
  };
}

/** `b2.bucket` may be a name or an id; download URLs need the name. */
async function nameOfBucket(
  client: B2Client,
  target: UploadTarget,
  bucket: string,
  allowed: { id: string; name: string | null }[] | null,
): Promise<string> {
  const known = allowed?.find((b) => b.id === target.bucketId)?.name;
  if (known) return known;
  if (bucket !== target.bucketId) return bucket;
  const { buckets } = await client.listBuckets({ bucketId: target.bucketId });
  const name = buckets[0]?.bucketName;
  if (!name) throw new TypeError(`bucket ${bucket} is not visible to the broker's key`);
  return name;
}
