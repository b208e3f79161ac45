/**
 * POST /files (proxied small file) and POST /files/target (opt-in direct target). Proxying keeps
 * The promise that a browser never writes outside the name the broker chose: B2's
 * b2_get_upload_url tokens are bucket-wide for 24 h, so the broker keeps them.
 */
import { decodeB2 } from '../../b2/encoding.js';
import { refusalFromB2 } from '../b2-errors.js';
import { reportCompletion } from '../completion.js';
import { authenticate, type BrokerContext, smallFileMaxSize, uploadResult } from '../context.js';
import { badRequest, Refusal } from '../errors.js';
import { contentLength, json, readBytes, readJson } from '../http.js';
import type { Principal } from '../options.js';
import { admitFile, type FileFields, fileFieldsOf } from './admission.js';

const SHA1 = /^[0-9a-f]{40}$/;

export async function uploadSmallFile(context: BrokerContext, request: Request): Promise<Response> {
  const principal = await authenticate(context, request);
  const headers = request.headers;
  const sha1 = (headers.get('X-B2up-Content-Sha1') ?? '').trim().toLowerCase();
  if (!SHA1.test(sha1)) throw badRequest('X-B2up-Content-Sha1 must be the 40-hex SHA-1 of the body');
  const size = contentLength(request);
  if (size === undefined) throw badRequest('Content-Length is required');
  const admitted = await admitSmallFile(context, principal, {
    name: decodedHeader(headers, 'X-B2up-Name') ?? '',
    size,
    contentType: headers.get('Content-Type'),
    lastModified: numberHeader(headers, 'X-B2up-Last-Modified'),
    info: infoHeader(headers),
  });

  // Buffered (≤ smallFileMaxSize): B2 needs an exact Content-Length, and a retry on a fresh upload
  // URL must send the bytes again (B2 docs: "rewind the body").
  const cap = smallFileCap(context);
  const body = await context.bodies.read(principal.id, () =>
    readBytes(request, cap, () => tooLargeForSmall(cap)),
  );
  if (body.byteLength !== size) throw badRequest('the body is shorter than its Content-Length');
  const file = await context.client
    .uploadFile({
      bucketId: context.target.bucketId,
      fileName: admitted.fileName,
      contentType: admitted.contentType,
      info: admitted.fileInfo,
      body,
      contentSha1: sha1,
    })
    .catch((error: unknown) => {
      throw refusalFromB2(error, 'small');
    });
  await reportCompletion(context, principal, file, request);
  return json(uploadResult(file));
}

export function smallFileCap(context: BrokerContext): number {
  return Math.min(smallFileMaxSize(context), context.options.maxFileSize);
}

/** A small file admitted (see admitFile), within the small-file cap. */
export function admitSmallFile(context: BrokerContext, principal: Principal, fields: FileFields) {
  return admitFile(context, principal, fields, {
    min: 0,
    cap: { bytes: smallFileCap(context), refusal: tooLargeForSmall },
  });
}

/**
 * POST /files/target (only with `smallFiles: 'direct'`): a b2_get_upload_url target and the name and
 * info to upload with. RISK: the token can write any name in the bucket for 24 h.
 */
export async function smallFileTarget(context: BrokerContext, request: Request): Promise<Response> {
  if (context.options.smallFiles !== 'direct') {
    throw new Refusal(404, 'not_found', 'This broker proxies small files: POST /files.');
  }
  const principal = await authenticate(context, request);
  const body = await context.bodies.read(principal.id, () => readJson(request));
  const admitted = await admitSmallFile(context, principal, fileFieldsOf(body));
  const target = await context.client
    .getUploadUrl({ bucketId: context.target.bucketId })
    .catch((error: unknown) => {
      throw refusalFromB2(error, 'start');
    });
  return json({
    uploadUrl: target.uploadUrl,
    authorizationToken: target.authorizationToken,
    fileName: admitted.fileName,
    contentType: admitted.contentType,
    fileInfo: admitted.fileInfo,
  });
}

export function tooLargeForSmall(cap: number): Refusal {
  return new Refusal(413, 'too_large', `Small files may be at most ${cap} bytes; use the large-file calls.`);
}

function decodedHeader(headers: Headers, name: string): string | undefined {
  const raw = headers.get(name);
  if (raw === null) return undefined;
  const decoded = decodeB2(raw);
  if (decoded === undefined) throw badRequest(`${name} is not percent-encoded UTF-8`);
  return decoded;
}

function numberHeader(headers: Headers, name: string): number | undefined {
  const raw = headers.get(name);
  if (raw === null || raw.trim() === '') return undefined;
  if (!/^\d{1,16}$/.test(raw.trim())) throw badRequest(`${name} must be ms since the epoch`);
  return Number(raw.trim());
}

function infoHeader(headers: Headers): unknown {
  const raw = decodedHeader(headers, 'X-B2up-Info');
  if (raw === undefined || raw === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw badRequest('X-B2up-Info must be percent-encoded JSON');
  }
}
