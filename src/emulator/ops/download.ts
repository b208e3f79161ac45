/**
 * Downloads by id and by name, GET and HEAD, with Range. Public buckets need no
 * token; private ones need an account token with readFiles covering bucket and name, or (by name only)
 * a download-authorization token whose bucket and prefix cover the file.
 */
import { decodeB2, encodeB2 } from '../../b2/encoding.js';
import { B2_INFO_HEADERS } from '../../b2/wire.js';
import { type Grant, requireAccess, verifyToken } from '../auth.js';
import { readBlobs } from '../content.js';
import { customerKeyFromHeaders, requireCustomerKey } from '../encryption.js';
import { B2Failure, badRequest, notFound, unauthorized } from '../errors.js';
import type { Exchange } from '../exchange.js';
import type { BucketRecord, FileRecord } from '../model.js';
import { reqString } from '../params.js';
import { fileOrFail, latestVersion } from './lookup.js';

/** Query parameters that override response headers (by id and by name). */
const OVERRIDE_HEADERS: Record<string, string> = {
  b2ContentDisposition: 'Content-Disposition',
  b2ContentLanguage: 'Content-Language',
  b2Expires: 'Expires',
  b2CacheControl: 'Cache-Control',
  b2ContentEncoding: 'Content-Encoding',
  b2ContentType: 'Content-Type',
};

export async function downloadById(x: Exchange): Promise<void> {
  const { ctx } = x;
  const p = await x.params();
  const file = fileOrFail(ctx, reqString(p, 'fileId'));
  if (file.action !== 'upload') throw notFound(`File not present: ${file.fileId}`);
  const bucket = ctx.store.get('buckets', file.bucketId);
  if (!bucket) throw notFound();
  const grant = authorizeDownload(x, bucket, file, false);
  await serve(x, bucket, file, grant);
}

/** GET/HEAD /file/<bucketName>/<fileName> */
export async function downloadByName(x: Exchange, rawBucket: string, rawName: string): Promise<void> {
  const { ctx } = x;
  const bucketName = decodeB2(rawBucket);
  const fileName = decodeB2(rawName);
  if (bucketName === undefined || fileName === undefined)
    throw badRequest('Invalid percent-encoding in the URL');
  const bucket = ctx.store.values('buckets').find((b) => b.bucketName === bucketName);
  if (!bucket) throw notFound(`Bucket not found: ${bucketName}`);
  const file = latestVersion(ctx, bucket.bucketId, fileName);
  // Auth first, so a caller without access cannot tell hidden names from missing ones.
  const grant = authorizeDownload(x, bucket, file ?? { bucketId: bucket.bucketId, fileName }, true);
  if (file?.action !== 'upload') throw notFound(`File not present: ${fileName}`);
  await serve(x, bucket, file, grant);
}

function authorizeDownload(
  x: Exchange,
  bucket: BucketRecord,
  file: Pick<FileRecord, 'bucketId' | 'fileName'>,
  byName: boolean,
): Grant | undefined {
  if (bucket.bucketType === 'allPublic') return undefined;
  const token =
    x.header('authorization') ??
    (byName ? (x.url.searchParams.get('Authorization') ?? undefined) : undefined);
  const grant = verifyToken(x.ctx, token);
  const c = grant.claims;
  if (c.kind === 'account') {
    requireAccess(grant, 'readFiles', file.bucketId, file.fileName);
    return grant;
  }
  // Download-authorization tokens work by name only, inside their bucket and prefix.
  if (c.kind !== 'download' || !byName)
    throw new B2Failure(401, 'bad_auth_token', 'Invalid authorization token');
  if (c.bucketId !== file.bucketId || !file.fileName.startsWith(c.prefix)) {
    throw unauthorized('download authorization does not cover this file');
  }
  for (const [name, value] of Object.entries(c.overrides)) {
    if (x.url.searchParams.get(name) !== value)
      throw unauthorized(`${name} must match the download authorization`);
  }
  return grant;
}

const RETENTION_HEADERS = ['X-Bz-File-Retention-Mode', 'X-Bz-File-Retention-Retain-Until-Timestamp'];
const HOLD_HEADER = 'X-Bz-File-Legal-Hold';

/**
 * Object Lock headers of a lock-enabled bucket's file, for a caller whose key may read them; the
 * ones withheld are named in X-Bz-Client-Unauthorized-To-Read (as b2sdk expects).
 */
function lockHeaders(file: FileRecord, grant: Grant | undefined): Record<string, string> {
  const can = (capability: string) => (grant?.key.capabilities as string[] | undefined)?.includes(capability);
  const headers: Record<string, string> = {};
  const withheld: string[] = [];
  if (!can('readFileRetentions')) withheld.push(...RETENTION_HEADERS);
  else if (file.retention) {
    headers[RETENTION_HEADERS[0]!] = file.retention.mode;
    headers[RETENTION_HEADERS[1]!] = String(file.retention.retainUntilTimestamp);
  }
  if (!can('readFileLegalHolds')) withheld.push(HOLD_HEADER);
  else if (file.legalHold) headers[HOLD_HEADER] = file.legalHold;
  if (withheld.length) headers['X-Bz-Client-Unauthorized-To-Read'] = withheld.join(',');
  return headers;
}

function encryptionHeaders(file: FileRecord): Record<string, string> {
  if (file.sse === 'SSE-B2') return { 'X-Bz-Server-Side-Encryption': 'AES256' };
  if (file.sse === 'SSE-C') {
    return {
      'X-Bz-Server-Side-Encryption-Customer-Algorithm': 'AES256',
      'X-Bz-Server-Side-Encryption-Customer-Key-Md5': file.sseKeyMd5 ?? '',
    };
  }
  return {};
}

export type Range = { start: number; end: number } | 'unsatisfiable' | undefined;

/** `bytes=a-b`, `bytes=a-`, `bytes=-n`; malformed or multi-range headers are ignored (whole file). */
export function parseRange(header: string | undefined, size: number): Range {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

async function serve(
  x: Exchange,
  bucket: BucketRecord,
  file: FileRecord,
  grant: Grant | undefined,
): Promise<void> {
  // GET and HEAD alike: an SSE-C file's bytes and headers need its key.
  requireCustomerKey(file, customerKeyFromHeaders(x));
  const size = file.contentLength;
  const range = parseRange(x.header('range'), size);
  if (range === 'unsatisfiable') {
    throw new B2Failure(416, 'range_not_satisfiable', `Range ${x.header('range')} is outside the file`, {
      'Content-Range': `bytes */${size}`,
    });
  }
  const headers: Record<string, string> = {
    'Content-Type': file.contentType,
    'Content-Length': String(range ? range.end - range.start + 1 : size),
    'Accept-Ranges': 'bytes',
    'X-Bz-File-Id': file.fileId,
    'X-Bz-File-Name': encodeB2(file.fileName),
    'X-Bz-Content-Sha1': file.contentSha1,
    'X-Bz-Upload-Timestamp': String(file.uploadTimestamp),
  };
  const bucketCache = Object.entries(bucket.bucketInfo).find(([k]) => k.toLowerCase() === 'cache-control');
  if (bucketCache) headers['Cache-Control'] = bucketCache[1];
  for (const [key, value] of Object.entries(file.fileInfo)) {
    const standard = B2_INFO_HEADERS[key as keyof typeof B2_INFO_HEADERS];
    if (standard) headers[standard] = value;
    else headers[`X-Bz-Info-${key}`] = encodeB2(value);
  }
  for (const [param, header] of Object.entries(OVERRIDE_HEADERS)) {
    const value = x.url.searchParams.get(param);
    if (value !== null) headers[header] = value;
  }
  Object.assign(headers, encryptionHeaders(file));
  if (bucket.fileLockEnabled) Object.assign(headers, lockHeaders(file, grant));
  if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${size}`;
  const { start, end } = range ?? { start: 0, end: size - 1 };
  // HEAD reads no bytes (and so works on an emulator that keeps none).
  const body = x.req.method === 'HEAD' ? undefined : readBlobs(x.ctx, file.blobs, start, end);
  await x.send(range ? 206 : 200, headers, body);
}
