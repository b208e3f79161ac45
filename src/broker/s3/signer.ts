/**
 * SigV4 for B2's S3-compatible API, with aws4fetch (WebCrypto only, so the broker still runs on
 * Node, Deno, Bun and edge runtimes). Two uses: presigned URLs the browser sends its bytes with,
 * and header-signed calls the broker makes itself (probe, multipart create/list/complete/abort).
 * Path-style URLs (`<endpoint>/<bucket>/<key>`), which B2 and the emulator both serve.
 */
import { AwsV4Signer } from 'aws4fetch';

/** Where and as whom the broker speaks S3. */
export interface S3Endpoint {
  /** B2's `s3ApiUrl`, e.g. https://s3.us-west-004.backblazeb2.com (no trailing slash). */
  url: string;
  /** The signing region, e.g. us-west-004. */
  region: string;
  bucketName: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export type S3Method = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';

export interface S3Request {
  method: S3Method;
  /** The object key; '' for the bucket itself. */
  key: string;
  /** Operation parameters (`uploadId`, `partNumber`, `uploads`): signed with the rest. */
  query?: Record<string, string>;
  /** Headers the request must carry exactly (lower-case names); every one is signed. */
  headers?: Record<string, string>;
}

/** Presigned URLs last at most this long (what S3 clients accept; B2 publishes no cap). */
export const MAX_PRESIGN_SECONDS = 604_800;

/** `<endpoint>/<bucket>/<key>?query`, each path segment percent-encoded once (RFC 3986). */
export function objectUrl(endpoint: S3Endpoint, key: string, query: Record<string, string> = {}): URL {
  const path = [endpoint.bucketName, ...(key === '' ? [] : key.split('/'))].map(encodeSegment).join('/');
  const url = new URL(`${endpoint.url.replace(/\/+$/, '')}/${path}`);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return url;
}

/**
 * A URL that performs exactly `request` until `now + expiresSeconds`: method, key, query and the
 * values of every header in `request.headers` (Content-Length, Content-Type, Content-MD5, …) are
 * in the signature, so a change to any of them is refused by B2 as SignatureDoesNotMatch.
 */
export async function presign(
  endpoint: S3Endpoint,
  request: S3Request,
  expiresSeconds: number,
  now: number,
): Promise<string> {
  if (!Number.isInteger(expiresSeconds) || expiresSeconds < 1 || expiresSeconds > MAX_PRESIGN_SECONDS) {
    throw new RangeError(`expiresSeconds must be 1..${MAX_PRESIGN_SECONDS}`);
  }
  const url = objectUrl(endpoint, request.key, request.query);
  url.searchParams.set('X-Amz-Expires', String(expiresSeconds));
  const signer = new AwsV4Signer({
    ...credentials(endpoint),
    method: request.method,
    url: url.toString(),
    headers: request.headers ?? {},
    signQuery: true,
    // aws4fetch leaves Content-Length and Content-Type out of the signature by default; binding
    // them is the point here.
    allHeaders: true,
    datetime: amzDate(now),
  });
  const signed = await signer.sign();
  return signed.url.toString();
}

/** A header-signed request (payload UNSIGNED-PAYLOAD) for the broker's own S3 calls. */
export async function signedRequest(
  endpoint: S3Endpoint,
  request: S3Request & { body?: string },
  now: number,
): Promise<Request> {
  const signer = new AwsV4Signer({
    ...credentials(endpoint),
    method: request.method,
    url: objectUrl(endpoint, request.key, request.query).toString(),
    headers: request.headers ?? {},
    ...(request.body === undefined ? {} : { body: request.body }),
    datetime: amzDate(now),
  });
  const signed = await signer.sign();
  return new Request(signed.url, {
    method: signed.method,
    headers: signed.headers,
    ...(request.body === undefined ? {} : { body: request.body }),
  });
}

function credentials(endpoint: S3Endpoint) {
  return {
    accessKeyId: endpoint.accessKeyId,
    secretAccessKey: endpoint.secretAccessKey,
    service: 's3',
    region: endpoint.region,
  };
}

/** SigV4's `YYYYMMDDTHHMMSSZ`, from the broker's clock (so tests can move it). */
export function amzDate(now: number): string {
  return new Date(now).toISOString().replace(/[:-]|\.\d{3}/g, '');
}

function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The region in B2's S3 host name (`s3.<region>.backblazeb2.com`), if it has one. */
export function regionOf(s3ApiUrl: string): string | undefined {
  try {
    return /^s3\.([a-z0-9-]+)\.backblazeb2\.com$/.exec(new URL(s3ApiUrl).hostname)?.[1];
  } catch {
    return undefined;
  }
}
