/**
 * Uppy's `@uppy/aws-s3` in `signRequest` mode, served by the broker (docs/uppy.md). Uppy asks for
 * each S3 request it is about to make; B2 has no PostObject, so small files go by presigned PUT.
 * The broker keeps its guarantees on every request:
 * - PutObject: the name is the broker's (Uppy takes it from the answer's `key`), and the URL binds
 *   the declared size, the checked type and the file info.
 * - CreateMultipartUpload: the broker admits the file and starts the upload when asked to sign it;
 *   the URL it answers (its own, carrying the upload token) tells Uppy an UploadId that is that
 *   token, so every later request names an upload the caller provably started.
 * - CompleteMultipartUpload goes to the broker too (a URL with a short-lived ticket): it checks the
 *   parts B2 holds against the declared size and the limits, then completes.
 * - UploadPart, ListParts and AbortMultipartUpload get presigned URLs for that one upload.
 */
import { reportCompletion } from '../completion.js';
import { authenticate, type BrokerContext, s3Of } from '../context.js';
import { badRequest, Refusal } from '../errors.js';
import { isRefusal, json, readBytes, readJson } from '../http.js';
import { Limits } from '../../b2/wire.js';
import { objectHeaders } from '../s3/metadata.js';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  fileIdOf,
  refusalFromS3,
} from '../s3/multipart.js';
import { objectUrl, presign, type S3Method } from '../s3/signer.js';
import { completeRequestParts, s3Document, s3ErrorDocument } from '../s3/xml.js';
import type { UploadClaims } from '../token.js';
import { admitFile } from './admission.js';
import { admitSmallFile } from './small-files.js';

/** What Uppy's signRequest receives, plus the file's own name, size and type for new files. */
interface SignRequest {
  method: S3Method;
  key: string;
  uploadId?: string;
  partNumber?: number;
  file?: { name?: unknown; size?: unknown; type?: unknown };
}

/** POST /uppy/sign: `{url, key?, headers?}` for one S3 request Uppy is about to send. */
export async function signForUppy(context: BrokerContext, request: Request): Promise<Response> {
  const s3 = s3Of(context);
  const principal = await authenticate(context, request);
  const sign = signRequestOf(await context.bodies.read(principal.id, () => readJson(request)));
  const now = context.options.now();
  const ttl = context.options.presignedUrlTtlSeconds;
  const base = brokerBase(context, request);

  if (sign.uploadId === undefined) {
    const fields = {
      name: sign.file?.name,
      size: sign.file?.size,
      contentType: sign.file?.type,
      lastModified: undefined,
      info: undefined,
    };
    if (sign.method === 'PUT') {
      const file = await admitSmallFile(context, principal, fields);
      const headers = objectHeaders(file.contentType, file.fileInfo);
      const url = await presign(
        s3.endpoint,
        { method: 'PUT', key: file.fileName, headers: { ...headers, 'content-length': String(file.size) } },
        ttl,
        now,
      );
      return json({ url, key: file.fileName, headers });
    }
    if (sign.method === 'POST') {
      // The broker starts the upload now, while it knows who asks for what; the URL it hands back
      // only tells Uppy the UploadId, which is the caller's upload token.
      const file = await admitFile(context, principal, fields, { min: 1 });
      const uploadId = await createMultipartUpload(
        s3,
        file.fileName,
        objectHeaders(file.contentType, file.fileInfo),
      ).catch((error: unknown) => {
        throw refusalFromS3(error);
      });
      const token = await context.tokens.sign({
        uploadId,
        principalId: principal.id,
        fileName: file.fileName,
        size: file.size,
        expiresAt: now + context.options.tokenTtlMs,
      });
      return json({ url: `${base}/uppy/multipart?ticket=${encodeURIComponent(token)}`, key: file.fileName });
    }
    throw new Refusal(
      403,
      'forbidden',
      'The broker signs only uploads: PUT a file or start a multipart upload.',
    );
  }

  const claims = await uploadOf(context, sign.uploadId, now);
  if (claims.principalId !== principal.id)
    throw new Refusal(403, 'forbidden', 'This upload belongs to another user.');
  if (sign.key !== claims.fileName) throw badRequest('key is not the name of this upload');
  const s3Request = (method: S3Method, query: Record<string, string>) =>
    presign(
      s3.endpoint,
      { method, key: claims.fileName, query: { ...query, uploadId: claims.uploadId } },
      ttl,
      now,
    );
  if (sign.method === 'PUT') {
    const partNumber = sign.partNumber;
    if (!Number.isInteger(partNumber) || partNumber! < 1 || partNumber! > Limits.maxParts) {
      throw badRequest(`partNumber must be 1..${Limits.maxParts}`);
    }
    return json({ url: await s3Request('PUT', { partNumber: String(partNumber) }) });
  }
  if (sign.method === 'GET') return json({ url: await s3Request('GET', {}) });
  if (sign.method === 'DELETE') return json({ url: await s3Request('DELETE', {}) });
  // Complete: answered by the broker, which checks the parts first.
  const ticket = await context.tokens.sign({
    ...claims,
    expiresAt: Math.min(claims.expiresAt, now + ttl * 1000),
  });
  return json({ url: `${base}/uppy/complete?ticket=${encodeURIComponent(ticket)}` });
}

/** POST /uppy/multipart?ticket=…: CreateMultipartUpload's answer, as S3 gives it, UploadId = token. */
export async function createForUppy(context: BrokerContext, request: Request): Promise<Response> {
  return s3Answer(async () => {
    const claims = await ticketOf(context, request);
    const token = new URL(request.url).searchParams.get('ticket') ?? '';
    return xml(
      s3Document('InitiateMultipartUploadResult', {
        Bucket: s3Of(context).endpoint.bucketName,
        Key: claims.fileName,
        UploadId: token,
      }),
    );
  });
}

/**
 * POST /uppy/complete?ticket=…: Uppy's CompleteMultipartUpload body, completed by the broker after
 * the parts B2 holds add up to the size declared at create (and stay within the limits); otherwise
 * the upload is aborted and nothing is kept.
 */
export async function completeForUppy(context: BrokerContext, request: Request): Promise<Response> {
  return s3Answer(async () => {
    const claims = await ticketOf(context, request);
    const body = new TextDecoder().decode(
      await readBytes(request, 2 * 1024 * 1024, () => badRequest('body too long')),
    );
    const parts = completeRequestParts(body);
    if (!parts) throw badRequest('malformed CompleteMultipartUpload');
    const numbers = new Set(parts.map((part) => part.partNumber));
    const s3 = s3Of(context);
    let total = 0;
    for await (const part of context.client.iterateParts({
      fileId: fileIdOf(claims.uploadId),
      maxPartCount: 1000,
    })) {
      if (numbers.has(part.partNumber)) total += part.contentLength;
    }
    if (total !== claims.size || total > context.options.maxFileSize) {
      await abortMultipartUpload(s3, claims.fileName, claims.uploadId).catch(() => {});
      throw new Refusal(409, 'size_mismatch', `The parts hold ${total} bytes; ${claims.size} were declared.`);
    }
    await completeMultipartUpload(s3, claims.fileName, claims.uploadId, parts);
    if (context.options.onUploadComplete) {
      const file = await context.client.getFileInfo({ fileId: fileIdOf(claims.uploadId) });
      await reportCompletion(context, { id: claims.principalId }, file, request);
    }
    return xml(
      s3Document('CompleteMultipartUploadResult', {
        Location: objectUrl(s3.endpoint, claims.fileName).toString(),
        Bucket: s3.endpoint.bucketName,
        Key: claims.fileName,
      }),
    );
  });
}

function signRequestOf(body: Record<string, unknown>): SignRequest {
  const methods: readonly string[] = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'];
  if (typeof body.method !== 'string' || !methods.includes(body.method))
    throw badRequest('method must be an S3 method');
  if (typeof body.key !== 'string') throw badRequest('key must be a string');
  if (body.uploadId !== undefined && typeof body.uploadId !== 'string')
    throw badRequest('uploadId must be a string');
  const file =
    typeof body.file === 'object' && body.file !== null ? (body.file as SignRequest['file']) : undefined;
  return {
    method: body.method as S3Method,
    key: body.key,
    ...(body.uploadId === undefined ? {} : { uploadId: body.uploadId }),
    ...(typeof body.partNumber === 'number' ? { partNumber: body.partNumber } : {}),
    ...(file ? { file } : {}),
  };
}

/** The upload an Uppy UploadId (our token) names, checked like every per-upload call's token. */
async function uploadOf(context: BrokerContext, token: string, now: number): Promise<UploadClaims> {
  const check = await context.tokens.verify(token, now);
  if (!check.ok) {
    throw check.reason === 'expired'
      ? new Refusal(401, 'expired_upload_token', 'The upload has expired; start it again.')
      : new Refusal(401, 'bad_upload_token', 'The upload id is not one this broker issued.');
  }
  return check.claims;
}

async function ticketOf(context: BrokerContext, request: Request): Promise<UploadClaims> {
  const ticket = new URL(request.url).searchParams.get('ticket');
  if (!ticket) throw ticketRefused();
  const check = await context.tokens.verify(ticket, context.options.now());
  if (!check.ok) throw ticketRefused();
  return check.claims;
}

const ticketRefused = () =>
  new Refusal(403, 'forbidden', 'This URL was not signed by the broker, or it expired.');

/** Where the browser reaches this broker: the request's own origin and base path. */
function brokerBase(context: BrokerContext, request: Request): string {
  return `${new URL(request.url).origin}${context.options.basePath}`;
}

/** Uppy reads these answers as S3's: errors as S3 XML too. */
async function s3Answer(run: () => Promise<Response>): Promise<Response> {
  try {
    return await run();
  } catch (error) {
    const refusal = isRefusal(error) ? error : refusalFromS3(error);
    if (!isRefusal(refusal)) throw error;
    const code =
      refusal.status === 403 ? 'AccessDenied' : refusal.status === 404 ? 'NoSuchUpload' : 'InvalidRequest';
    return xml(s3ErrorDocument(code, refusal.message), refusal.status);
  }
}

function xml(body: string, status = 200): Response {
  return new Response(body, {
    status,
    headers: {
      'Content-Type': 'application/xml',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    },
  });
}
