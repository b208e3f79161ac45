/**
 * One S3 request as the operations see it: target, query, the key that signed it, and the helpers
 * every operation needs (bucket lookup, B2 permission checks as S3's AccessDenied, XML replies).
 */
import { createHash } from 'node:crypto';
import type { Capability } from '../../b2/wire.js';
import { type Grant, requireAccess } from '../auth.js';
import type { EmulatorContext } from '../context.js';
import { B2Failure } from '../errors.js';
import type { Exchange } from '../exchange.js';
import type { BucketRecord } from '../model.js';
import { S3Failure, accessDenied } from './errors.js';
import type { S3Operation } from './operations.js';
import { UNSIGNED_PAYLOAD } from './sigv4.js';
import { type XmlObject, parseXml, toXml } from './xml.js';

export interface S3Request {
  x: Exchange;
  ctx: EmulatorContext;
  operation: S3Operation;
  bucketName: string | undefined;
  key: string | undefined;
  query: ReadonlyMap<string, string>;
  /** The application key that signed the request; undefined = anonymous. */
  grant: Grant | undefined;
  /** Hex SHA-256 the body must have, or UNSIGNED-PAYLOAD. */
  payloadHash: string;
  /** Headers every response carries (request id). */
  headers: Record<string, string>;
}

/** The bucket named in the path, or 404 NoSuchBucket. */
export function bucketOf(r: S3Request): BucketRecord {
  const name = r.bucketName ?? '';
  const bucket = r.ctx.store.values('buckets').find((b) => b.bucketName === name);
  if (!bucket) throw new S3Failure(404, 'NoSuchBucket', 'The specified bucket does not exist');
  return bucket;
}

export function keyOf(r: S3Request): string {
  if (r.key === undefined) throw new S3Failure(400, 'InvalidRequest', 'An object key is required');
  return r.key;
}

/**
 * The key's capability, bucket and name-prefix restrictions, as on the native API, answered with S3's
 * 403 AccessDenied. Anonymous requests may only read public buckets.
 */
export function allow(r: S3Request, capability: Capability, bucket: BucketRecord, name?: string): void {
  if (!r.grant) {
    if (capability === 'readFiles' && bucket.bucketType === 'allPublic') return;
    throw accessDenied('Access Denied');
  }
  try {
    requireAccess(r.grant, capability, bucket.bucketId, name);
  } catch (error) {
    if (error instanceof B2Failure && error.status === 401) throw accessDenied();
    throw error;
  }
}

/** Bucket and key of an object request the key may act on with `capability`. */
export function objectTarget(r: S3Request, capability: Capability): { bucket: BucketRecord; key: string } {
  const bucket = bucketOf(r);
  const key = keyOf(r);
  allow(r, capability, bucket, key);
  return { bucket, key };
}

/** The grant, or AccessDenied for anonymous requests to operations that need a key. */
export function signedGrant(r: S3Request): Grant {
  if (!r.grant) throw accessDenied('Access Denied');
  return r.grant;
}

/** Largest XML body read (PutBucketCors allows 100 KB; DeleteObjects 1,000 keys). */
const MAX_XML_BYTES = 1024 * 1024;

/** Reads a small body whole, checking the signed payload hash and Content-MD5 when given. */
export async function readSmallBody(r: S3Request): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of r.x.body()) {
    size += chunk.length;
    if (size > MAX_XML_BYTES) throw new S3Failure(400, 'EntityTooLarge', 'Your request body is too large');
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks);
  checkPayloadHash(r, createHash('sha256').update(body).digest('hex'));
  checkContentMd5(r.x.header('content-md5'), createHash('md5').update(body).digest('hex'));
  return body;
}

export async function readXml(r: S3Request, root: string): Promise<XmlObject> {
  return parseXml((await readSmallBody(r)).toString('utf8'), root);
}

export function checkPayloadHash(r: S3Request, actualSha256: string): void {
  if (r.payloadHash !== UNSIGNED_PAYLOAD && r.payloadHash !== actualSha256) {
    throw new S3Failure(
      400,
      'XAmzContentSHA256Mismatch',
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
    );
  }
}

/** `Content-MD5` is base64 of the 16-byte digest: malformed → InvalidDigest, different → BadDigest. */
export function checkContentMd5(header: string | undefined, actualHex: string): void {
  if (header === undefined) return;
  const given = Buffer.from(header, 'base64');
  if (given.length !== 16 || given.toString('base64') !== header.trim()) {
    throw new S3Failure(400, 'InvalidDigest', 'The Content-MD5 you specified is not valid.');
  }
  if (given.toString('hex') !== actualHex) {
    throw new S3Failure(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
  }
}

export function sendXml(
  r: S3Request,
  root: string,
  body: XmlObject,
  status = 200,
  headers: Record<string, string> = {},
): Promise<void> {
  return r.x.send(status, { ...r.headers, 'Content-Type': 'application/xml', ...headers }, toXml(root, body));
}

export function sendEmpty(r: S3Request, status: number, headers: Record<string, string> = {}): Promise<void> {
  return r.x.send(status, { ...r.headers, 'Content-Length': '0', ...headers }, Buffer.alloc(0));
}

/** S3's timestamps: ISO 8601 with milliseconds in XML. */
export const isoDate = (ms: number) => new Date(ms).toISOString();
/** …and RFC 7231 in headers (`Last-Modified`). */
export const httpDate = (ms: number) => new Date(ms).toUTCString();
