/**
 * AWS Signature Version 4 verification, for the `Authorization` header and for presigned query strings
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html). The canonical
 * request is rebuilt from what was received: the method, each path segment decoded and re-encoded once,
 * every query parameter but the signature, the received values of the signed headers, and the payload
 * hash the client declared. Libraries for SigV4 sign; this side only verifies, so it is written here.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { S3Failure } from './errors.js';

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const EMPTY_SHA256 = createHash('sha256').digest('hex');
const ALGORITHM = 'AWS4-HMAC-SHA256';
/** S3 refuses requests dated more than 15 minutes from its clock. */
export const MAX_SKEW_MS = 15 * 60_000;
/** Presigned URLs live at most a week (AWS's limit; B2 publishes none, clients cap here). */
export const MAX_PRESIGN_SECONDS = 604_800;

/** What verification needs from a received request. */
export interface SignedRequest {
  method: string;
  /** The path exactly as received, before decoding. */
  rawPath: string;
  /** The query string exactly as received, without `?`. */
  rawQuery: string;
  /** Lower-case names; repeated headers keep each value (Node's `headersDistinct`). */
  headers: Record<string, string[] | undefined>;
}

export interface VerifyOptions {
  region: string;
  /** Emulator clock, ms since the epoch. */
  now: number;
  /** The secret of an access key; throws an S3Failure for unknown or unusable keys. */
  secretOf(accessKeyId: string): string;
}

export interface Verified {
  accessKeyId: string;
  /** 64 hex chars the body must hash to, or UNSIGNED-PAYLOAD. */
  payloadHash: string;
  presigned: boolean;
}

/** RFC 3986 percent-encoding as SigV4 wants it: only `A-Z a-z 0-9 - _ . ~` kept (and `/` in paths). */
export function uriEncode(value: string, keepSlash = false): string {
  const encoded = encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return keepSlash ? encoded.replace(/%2F/g, '/') : encoded;
}

/** Percent-decoding that answers 400 InvalidURI instead of throwing URIError. */
export function uriDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new S3Failure(400, 'InvalidURI', 'Could not parse the specified URI');
  }
}

/** `a=1&b&c=` → decoded pairs in order (a bare name has an empty value, as `?uploads`). */
export function parseQuery(rawQuery: string): [string, string][] {
  return rawQuery
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf('=');
      return at < 0 ? [uriDecode(pair), ''] : [uriDecode(pair.slice(0, at)), uriDecode(pair.slice(at + 1))];
    });
}

function canonicalQuery(pairs: [string, string][]): string {
  return pairs
    .filter(([name]) => name !== 'X-Amz-Signature')
    .map(([name, value]) => [uriEncode(name), uriEncode(value)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

function canonicalPath(rawPath: string): string {
  return rawPath
    .split('/')
    .map((segment) => uriEncode(uriDecode(segment)))
    .join('/');
}

function canonicalHeaders(headers: SignedRequest['headers'], signed: string[]): string {
  return signed
    .map((name) => {
      const values = (headers[name] ?? []).map((v) => v.trim().replace(/\s+/g, ' '));
      return `${name}:${values.join(',')}\n`;
    })
    .join('');
}

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

function signature(secret: string, scope: Scope, amzDate: string, canonicalRequest: string): string {
  const stringToSign = [
    ALGORITHM,
    amzDate,
    `${scope.date}/${scope.region}/s3/aws4_request`,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  const kDate = hmac(`AWS4${secret}`, scope.date);
  const kSigning = hmac(hmac(hmac(kDate, scope.region), 's3'), 'aws4_request');
  return createHmac('sha256', kSigning).update(stringToSign).digest('hex');
}

interface Scope {
  accessKeyId: string;
  date: string;
  region: string;
}

type Malformed = (message: string) => S3Failure;

/** `<key>/<yyyymmdd>/<region>/s3/aws4_request`, checked against our region and the request date. */
function parseScope(credential: string, amzDate: string, region: string, malformed: Malformed): Scope {
  const parts = credential.split('/');
  if (parts.length !== 5 || !parts[0]) throw malformed(`invalid credential: ${credential}`);
  const [accessKeyId, date, scopeRegion, service, terminator] = parts as [
    string,
    string,
    string,
    string,
    string,
  ];
  if (scopeRegion !== region) throw malformed(`the region '${scopeRegion}' is wrong; expecting '${region}'`);
  if (service !== 's3') throw malformed(`incorrect service '${service}'. This endpoint belongs to 's3'.`);
  if (terminator !== 'aws4_request') throw malformed(`incorrect terminal '${terminator}'`);
  if (date !== amzDate.slice(0, 8))
    throw malformed(`invalid date '${date}'; expected ${amzDate.slice(0, 8)}`);
  return { accessKeyId, date, region };
}

/** `20250101T120000Z` → ms since the epoch, or undefined. */
export function parseAmzDate(value: string | undefined): number | undefined {
  const m = value ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value) : null;
  if (!m) return undefined;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return Number.isNaN(ms) ? undefined : ms;
}

function sameHex(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function canonicalRequest(req: SignedRequest, signed: string[], payloadHash: string): string {
  return [
    req.method,
    canonicalPath(req.rawPath),
    canonicalQuery(parseQuery(req.rawQuery)),
    canonicalHeaders(req.headers, signed),
    signed.join(';'),
    payloadHash,
  ].join('\n');
}

function verifyOrFail(
  req: SignedRequest,
  options: VerifyOptions,
  scope: Scope,
  amzDate: string,
  signed: string[],
  payloadHash: string,
  given: string,
): void {
  const secret = options.secretOf(scope.accessKeyId);
  const canonical = canonicalRequest(req, signed, payloadHash);
  if (!/^[0-9a-f]{64}$/.test(given) || !sameHex(signature(secret, scope, amzDate, canonical), given)) {
    throw new S3Failure(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    );
  }
}

function signedHeaderList(value: string, malformed: Malformed): string[] {
  const names = value.split(';');
  if (!names.includes('host')) throw malformed('SignedHeaders must include host');
  if (names.some((n) => !n || n !== n.toLowerCase())) throw malformed(`invalid SignedHeaders: ${value}`);
  return names;
}

function first(req: SignedRequest, name: string): string | undefined {
  return req.headers[name]?.[0];
}

/** Header-signed request: `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`. */
function verifyHeader(req: SignedRequest, authorization: string, options: VerifyOptions): Verified {
  const malformed: Malformed = (message) =>
    new S3Failure(400, 'AuthorizationHeaderMalformed', `The authorization header is malformed; ${message}`);
  if (!authorization.startsWith(`${ALGORITHM} `)) {
    throw new S3Failure(
      400,
      'InvalidRequest',
      'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.',
    );
  }
  const fields = new Map<string, string>();
  for (const part of authorization.slice(ALGORITHM.length).split(',')) {
    const at = part.indexOf('=');
    if (at > 0) fields.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const given = fields.get('Signature');
  if (!credential || !signedHeaders || given === undefined)
    throw malformed('Credential, SignedHeaders and Signature are required');
  const amzDate = first(req, 'x-amz-date');
  const at = parseAmzDate(amzDate);
  if (amzDate === undefined || at === undefined) {
    throw new S3Failure(403, 'AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  }
  const scope = parseScope(credential, amzDate, options.region, malformed);
  const payloadHash = first(req, 'x-amz-content-sha256');
  if (payloadHash === undefined) {
    throw new S3Failure(
      400,
      'InvalidRequest',
      'Missing required header for this request: x-amz-content-sha256',
    );
  }
  if (payloadHash.startsWith('STREAMING-')) {
    throw new S3Failure(
      400,
      'InvalidRequest',
      `Payload signing mode ${payloadHash} is not supported; send a hex SHA-256 or UNSIGNED-PAYLOAD`,
    );
  }
  if (payloadHash !== UNSIGNED_PAYLOAD && !/^[0-9a-f]{64}$/.test(payloadHash)) {
    throw new S3Failure(
      400,
      'InvalidArgument',
      'x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a SHA-256 hex digest',
    );
  }
  const signed = signedHeaderList(signedHeaders, malformed);
  verifyOrFail(req, options, scope, amzDate, signed, payloadHash, given);
  if (Math.abs(at - options.now) > MAX_SKEW_MS) {
    throw new S3Failure(
      403,
      'RequestTimeTooSkewed',
      "The difference between the request time and the server's time is too large.",
    );
  }
  return { accessKeyId: scope.accessKeyId, payloadHash, presigned: false };
}

/** Presigned request: `X-Amz-Algorithm`, `-Credential`, `-Date`, `-Expires`, `-SignedHeaders`, `-Signature`. */
function verifyQuery(req: SignedRequest, query: Map<string, string>, options: VerifyOptions): Verified {
  const malformed: Malformed = (message) =>
    new S3Failure(
      400,
      'AuthorizationQueryParametersError',
      `Error parsing the X-Amz-Credential parameter; ${message}`,
    );
  const missing = [
    'X-Amz-Algorithm',
    'X-Amz-Credential',
    'X-Amz-Date',
    'X-Amz-Expires',
    'X-Amz-SignedHeaders',
  ].filter((name) => !query.has(name));
  if (missing.length) {
    throw new S3Failure(
      400,
      'AuthorizationQueryParametersError',
      `Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters (missing ${missing.join(', ')}).`,
    );
  }
  if (query.get('X-Amz-Algorithm') !== ALGORITHM) {
    throw new S3Failure(
      400,
      'AuthorizationQueryParametersError',
      'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"',
    );
  }
  const amzDate = query.get('X-Amz-Date')!;
  const at = parseAmzDate(amzDate);
  if (at === undefined) {
    throw new S3Failure(
      400,
      'AuthorizationQueryParametersError',
      "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
    );
  }
  const expiresText = query.get('X-Amz-Expires')!;
  const expires = /^\d{1,9}$/.test(expiresText) ? Number(expiresText) : Number.NaN;
  if (!(expires >= 1)) {
    throw new S3Failure(
      400,
      'AuthorizationQueryParametersError',
      'X-Amz-Expires should be a number of seconds from 1 up',
    );
  }
  if (expires > MAX_PRESIGN_SECONDS) {
    throw new S3Failure(
      400,
      'AuthorizationQueryParametersError',
      `X-Amz-Expires must be less than a week (in seconds) that is; ${MAX_PRESIGN_SECONDS}`,
    );
  }
  const scope = parseScope(query.get('X-Amz-Credential')!, amzDate, options.region, malformed);
  const signed = signedHeaderList(query.get('X-Amz-SignedHeaders')!, malformed);
  const payloadHash = query.get('X-Amz-Content-Sha256') ?? UNSIGNED_PAYLOAD;
  verifyOrFail(req, options, scope, amzDate, signed, payloadHash, query.get('X-Amz-Signature') ?? '');
  if (options.now > at + expires * 1000) {
    // B2's wording (not AWS's AccessDenied "Request has expired").
    throw new S3Failure(
      403,
      'UnauthorizedAccess',
      `Request has expired given timestamp: '${amzDate}' and expiration: ${expires}`,
    );
  }
  if (at > options.now + MAX_SKEW_MS) throw new S3Failure(403, 'AccessDenied', 'Request is not valid yet');
  return { accessKeyId: scope.accessKeyId, payloadHash, presigned: true };
}

/**
 * Verifies a request's SigV4 signature; undefined = the request carries none (anonymous).
 * Throws S3Failure with S3's status and code for every way it can be wrong.
 */
export function verifySigV4(req: SignedRequest, options: VerifyOptions): Verified | undefined {
  const authorization = first(req, 'authorization');
  const query = new Map(parseQuery(req.rawQuery));
  if (authorization !== undefined) {
    if (query.has('X-Amz-Signature') || query.has('X-Amz-Credential')) {
      throw new S3Failure(
        400,
        'InvalidArgument',
        'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified',
      );
    }
    return verifyHeader(req, authorization, options);
  }
  if (query.has('X-Amz-Signature') || query.has('X-Amz-Credential') || query.has('X-Amz-Algorithm')) {
    if (!query.has('X-Amz-Signature')) {
      throw new S3Failure(400, 'AuthorizationQueryParametersError', 'X-Amz-Signature is missing');
    }
    return verifyQuery(req, query, options);
  }
  return undefined;
}
