/**
 * The S3 request pipeline, the twin of the native one in ../server.ts: route → count → fault → CORS →
 * refused headers → SigV4 → operation, every failure answered as S3's XML error.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorContext } from '../context.js';
import { ConnectionGone, Exchange } from '../exchange.js';
import type { Fault } from '../faults/kinds.js';
import { randomHex } from '../ids.js';
import type { KeyRecord } from '../model.js';
import {
  getBucketAcl,
  getBucketCors,
  getBucketEncryption,
  getBucketLocation,
  getBucketVersioning,
  getObjectAcl,
  getObjectLockConfiguration,
  getObjectLegalHold,
  getObjectRetention,
  deleteBucketCors,
  headBucket,
  listBuckets,
  putBucketCors,
  putBucketEncryption,
} from './buckets.js';
import { s3PreflightHeaders, s3ResponseCorsHeaders } from './cors.js';
import { asS3Failure, S3Failure, type S3Code, notImplemented } from './errors.js';
import { listObjectVersions, listObjects } from './listing.js';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  listMultipartUploads,
  listParts,
  uploadPart,
  uploadPartCopy,
} from './multipart.js';
import { copyObject, deleteObject, deleteObjects, getObject, putObject } from './objects.js';
import type { S3Request } from './request.js';
import type { S3Operation } from './operations.js';
import { type S3Target, operationOf, parseTarget } from './route.js';
import { EMPTY_SHA256, UNSIGNED_PAYLOAD, parseQuery, verifySigV4 } from './sigv4.js';
import { toXml } from './xml.js';

const HANDLERS: Record<S3Operation, (r: S3Request) => Promise<void>> = {
  ListBuckets: listBuckets,
  HeadBucket: headBucket,
  GetBucketLocation: getBucketLocation,
  GetBucketVersioning: getBucketVersioning,
  ListObjects: (r) => listObjects(r, 1),
  ListObjectsV2: (r) => listObjects(r, 2),
  ListObjectVersions: listObjectVersions,
  ListMultipartUploads: listMultipartUploads,
  GetBucketCors: getBucketCors,
  PutBucketCors: putBucketCors,
  DeleteBucketCors: deleteBucketCors,
  GetBucketEncryption: getBucketEncryption,
  PutBucketEncryption: putBucketEncryption,
  GetObjectLockConfiguration: getObjectLockConfiguration,
  GetBucketAcl: getBucketAcl,
  DeleteObjects: deleteObjects,
  // B2 has no browser form upload (PostObject) and answers 501.
  PostObject: async () => {
    throw notImplemented('POST Object (browser form upload)');
  },
  HeadObject: getObject,
  GetObject: getObject,
  PutObject: putObject,
  CopyObject: copyObject,
  DeleteObject: deleteObject,
  GetObjectAcl: getObjectAcl,
  GetObjectRetention: getObjectRetention,
  GetObjectLegalHold: getObjectLegalHold,
  CreateMultipartUpload: createMultipartUpload,
  UploadPart: uploadPart,
  UploadPartCopy: uploadPartCopy,
  ListParts: listParts,
  CompleteMultipartUpload: completeMultipartUpload,
  AbortMultipartUpload: abortMultipartUpload,
};

/** Operations that read a request body; the others must carry none (checked against the signed hash). */
const BODY_OPERATIONS = new Set<S3Operation>([
  'PutObject',
  'UploadPart',
  'CompleteMultipartUpload',
  'DeleteObjects',
  'PutBucketCors',
  'PutBucketEncryption',
]);

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** B2 refuses the SDKs' additional checksums outright (400 InvalidArgument). */
function refuseChecksumHeaders(req: IncomingMessage): void {
  for (const name of Object.keys(req.headers)) {
    if (name.startsWith('x-amz-checksum-') || name === 'x-amz-sdk-checksum-algorithm') {
      throw new S3Failure(400, 'InvalidArgument', `Unsupported header '${name}' received for this API call.`);
    }
  }
}

/** An application key's secret; the master key and expired keys can't sign S3 requests on B2. */
function secretOf(ctx: EmulatorContext, accessKeyId: string): KeyRecord {
  const key = ctx.store.get('keys', accessKeyId);
  if (!key) {
    throw new S3Failure(
      403,
      'InvalidAccessKeyId',
      'The AWS Access Key Id you provided does not exist in our records.',
    );
  }
  if (key.master) throw new S3Failure(403, 'InvalidAccessKeyId', 'Malformed Access Key Id');
  if (key.expirationTimestamp !== null && ctx.clock.now() >= key.expirationTimestamp) {
    throw new S3Failure(403, 'InvalidAccessKeyId', 'The key has expired');
  }
  return key;
}

/** An injected status fault in S3's words, keeping the status the test asked for. */
function faultFailure(fault: Extract<Fault, { kind: 'status' }>): S3Failure {
  const codes: Record<number, S3Code> = {
    500: 'InternalError',
    503: 'ServiceUnavailable',
    408: 'RequestTimeout',
    429: 'SlowDown',
  };
  const code = codes[fault.status] ?? (fault.status < 500 ? 'AccessDenied' : 'InternalError');
  const headers: Record<string, string> =
    fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {};
  return new S3Failure(fault.status, code, fault.message || code, headers);
}

function errorBody(failure: S3Failure, resource: string, requestId: string): Buffer {
  return toXml(
    'Error',
    { Code: failure.code, Message: failure.message, Resource: resource, RequestId: requestId },
    false,
  );
}

function resourceOf(target: S3Target | undefined): string {
  if (!target?.bucket) return '/';
  return target.key === undefined ? `/${target.bucket}` : `/${target.bucket}/${target.key}`;
}

/** Answers before an Exchange exists (unroutable request, preflight). */
function sendBare(
  res: ServerResponse,
  failure: S3Failure,
  resource: string,
  requestId: string,
  headers = {},
): void {
  const body = errorBody(failure, resource, requestId);
  res.writeHead(failure.status, {
    'Content-Type': 'application/xml',
    'Content-Length': String(body.length),
    'x-amz-request-id': requestId,
    ...headers,
  });
  res.end(body);
}

function preflight(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  target: S3Target,
  requestId: string,
): void {
  req.resume();
  const origin = header(req, 'origin');
  const method = header(req, 'access-control-request-method');
  const requested = (header(req, 'access-control-request-headers') ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const headers =
    origin && method ? s3PreflightHeaders(ctx, target.bucket, origin, method, requested) : undefined;
  if (!headers) {
    const denied = new S3Failure(
      403,
      'AccessDenied',
      'CORSResponse: This CORS request is not allowed by the bucket CORS rules',
    );
    return sendBare(res, denied, resourceOf(target), requestId);
  }
  res.writeHead(200, { ...headers, 'Content-Length': '0', 'x-amz-request-id': requestId });
  res.end();
}

/**
 * Serves one S3 request. `dropped` applies a socket-level fault (reset, stall) the way the native
 * pipeline does and says whether the request is gone.
 */
export async function serveS3(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  dropped: (fault: Fault | undefined) => boolean,
): Promise<void> {
  const requestId = randomHex(8).toUpperCase();
  const rawUrl = req.url ?? '/';
  const at = rawUrl.indexOf('?');
  const rawPath = at < 0 ? rawUrl : rawUrl.slice(0, at);
  const rawQuery = at < 0 ? '' : rawUrl.slice(at + 1);
  const method = req.method ?? 'GET';
  let target: S3Target | undefined;
  let operation: S3Operation;
  let query: Map<string, string>;
  try {
    target = parseTarget(rawPath);
    query = new Map(parseQuery(rawQuery));
    if (method === 'OPTIONS') return preflight(ctx, req, res, target, requestId);
    operation = operationOf(method, target, query, header(req, 'x-amz-copy-source') !== undefined);
  } catch (error) {
    req.resume();
    if (error instanceof S3Failure) return sendBare(res, error, resourceOf(target), requestId);
    throw error;
  }
  const endpoint = `s3:${operation}` as const;
  ctx.counters.request(endpoint);
  const fault = ctx.faults.next(
    endpoint,
    Object.fromEntries(Object.keys(req.headers).map((k) => [k, header(req, k)])),
  );
  if (dropped(fault)) return;
  const x = new Exchange(ctx, req, res, url, 'v4', endpoint, fault);
  const r: S3Request = {
    x,
    ctx,
    operation,
    bucketName: target.bucket,
    key: target.key,
    query,
    grant: undefined,
    payloadHash: UNSIGNED_PAYLOAD,
    headers: { 'x-amz-request-id': requestId, 'x-amz-id-2': requestId.toLowerCase() },
  };
  const origin = header(req, 'origin');
  if (origin) Object.assign(x.extraHeaders, s3ResponseCorsHeaders(ctx, target.bucket, origin, method));
  try {
    if (fault?.kind === 'status') throw faultFailure(fault);
    refuseChecksumHeaders(req);
    const verified = verifySigV4(
      { method, rawPath, rawQuery, headers: req.headersDistinct },
      {
        region: ctx.settings.region,
        now: ctx.clock.now(),
        secretOf: (id) => secretOf(ctx, id).applicationKey,
      },
    );
    if (verified) {
      const key = secretOf(ctx, verified.accessKeyId);
      r.grant = {
        key,
        claims: {
          kind: 'account',
          keyId: key.applicationKeyId,
          serial: 0,
          expiresAt: Number.MAX_SAFE_INTEGER,
        },
      };
      r.payloadHash = verified.payloadHash;
    }
    if (
      !BODY_OPERATIONS.has(operation) &&
      r.payloadHash !== UNSIGNED_PAYLOAD &&
      r.payloadHash !== EMPTY_SHA256
    ) {
      throw new S3Failure(
        400,
        'XAmzContentSHA256Mismatch',
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
      );
    }
    await HANDLERS[operation](r);
  } catch (error) {
    if (error instanceof ConnectionGone || x.gone) return;
    let failure = asS3Failure(error);
    if (!failure) {
      console.error('[b2up emulator] internal error (S3)', error);
      failure = new S3Failure(500, 'InternalError', 'We encountered an internal error. Please try again.');
    }
    await x.send(
      failure.status,
      { ...r.headers, 'Content-Type': 'application/xml', ...failure.headers },
      errorBody(failure, resourceOf(target), requestId),
    );
  }
}
