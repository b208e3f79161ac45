/**
 * The broker's own S3 multipart calls: create (so B2 knows the upload on its S3 side), list the
 * parts' ETags, complete, abort. Part bytes never come here; browsers send them with presigned
 * UploadPart URLs. An S3 UploadId names a B2 large file: it is the native `fileId`, to which newer
 * B2 answers append `_u0<ms>` (B2's S3 docs), so native calls (b2_list_parts, b2_get_file_info,
 * b2_cancel_large_file) work on the same upload.
 */
import { Limits } from '../../b2/wire.js';
import { Refusal } from '../errors.js';
import type { S3Fetch } from './mode.js';
import { type S3Endpoint, type S3Request, signedRequest } from './signer.js';
import { completeRequest, listPartsPage, s3ErrorCode, uploadIdOf } from './xml.js';

export interface S3Session {
  endpoint: S3Endpoint;
  fetch: S3Fetch;
  now: () => number;
}

/** A failed S3 call: the HTTP status and S3's error code (or `http_<status>`). */
export class S3CallError extends Error {
  override readonly name = 'S3CallError';
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(`B2's S3 API answered ${status} ${code}`);
  }
}

export function isS3CallError(error: unknown): error is S3CallError {
  return error instanceof Error && error.name === 'S3CallError';
}

/** The native large-file id behind an S3 UploadId. */
export function fileIdOf(uploadId: string): string {
  return uploadId.replace(/_u\d+$/, '');
}

export async function createMultipartUpload(
  session: S3Session,
  key: string,
  headers: Record<string, string>,
): Promise<string> {
  const body = await call(session, { method: 'POST', key, query: { uploads: '' }, headers });
  const uploadId = uploadIdOf(body);
  if (!uploadId) throw new S3CallError(200, 'no_upload_id');
  return uploadId;
}

/** Every part's ETag, by part number, paging through ListParts. */
export async function listPartEtags(
  session: S3Session,
  key: string,
  uploadId: string,
): Promise<Map<number, string>> {
  const etags = new Map<number, string>();
  let marker = '0';
  for (let page = 0; page <= Limits.maxParts / 1000; page++) {
    const body = await call(session, {
      method: 'GET',
      key,
      query: { uploadId, 'max-parts': '1000', 'part-number-marker': marker },
    });
    const { parts, next } = listPartsPage(body);
    for (const part of parts) etags.set(part.partNumber, part.etag);
    if (next === undefined) break;
    marker = next;
  }
  return etags;
}

export async function completeMultipartUpload(
  session: S3Session,
  key: string,
  uploadId: string,
  parts: readonly { partNumber: number; etag: string }[],
): Promise<void> {
  const xml = completeRequest(parts);
  const body = await call(session, {
    method: 'POST',
    key,
    query: { uploadId },
    headers: { 'content-type': 'application/xml' },
    body: xml,
  });
  // S3 may answer a long complete with 200 and an error document.
  const code = s3ErrorCode(body);
  if (code) throw new S3CallError(200, code);
}

export async function abortMultipartUpload(session: S3Session, key: string, uploadId: string): Promise<void> {
  await call(session, { method: 'DELETE', key, query: { uploadId } });
}

async function call(session: S3Session, request: S3Request & { body?: string }): Promise<string> {
  let response: Response;
  try {
    response = await session.fetch(await signedRequest(session.endpoint, request, session.now()));
  } catch {
    throw new S3CallError(0, 'network_error');
  }
  const text = await response.text();
  if (!response.ok) throw new S3CallError(response.status, s3ErrorCode(text) ?? `http_${response.status}`);
  return text;
}

/** S3 failures as protocol refusals (B2's own message is never passed on). */
export function refusalFromS3(error: unknown): unknown {
  if (!isS3CallError(error)) return error;
  if (error.status === 0 || error.status >= 500 || error.status === 429 || error.code === 'SlowDown') {
    return new Refusal(503, 'unavailable', 'B2 is unavailable; try again shortly', { retryAfterSeconds: 2 });
  }
  if (error.code === 'NoSuchUpload') {
    return new Refusal(404, 'not_found', 'B2 no longer knows this upload (finished, cancelled or expired)');
  }
  if (error.code === 'InvalidPart' || error.code === 'InvalidPartOrder' || error.code === 'EntityTooSmall') {
    return new Refusal(400, 'bad_request', `B2 refused to complete the upload (${error.code})`);
  }
  return new Refusal(502, 'b2_error', `B2 refused the broker’s S3 call (${error.status} ${error.code})`, {
    b2: { status: error.status, code: error.code },
  });
}
