/** POST /uploads: start a large file (docs/broker-protocol.md#post-uploads). */
import { Limits } from '../../b2/wire.js';
import { clampPartSize } from '../../protocol.js';
import { refusalFromB2 } from '../b2-errors.js';
import { authenticate, type BrokerContext, s3Of, takeUploadCalls } from '../context.js';
import { badRequest } from '../errors.js';
import { json, readJson } from '../http.js';
import { tidyUnfinished } from '../janitor.js';
import { objectHeaders } from '../s3/metadata.js';
import { createMultipartUpload, fileIdOf, refusalFromS3 } from '../s3/multipart.js';
import { admitFile, fileFieldsOf } from './admission.js';
import { issuePartUrls, partUrlCount } from './uploads.js';

export async function startUpload(context: BrokerContext, request: Request): Promise<Response> {
  const principal = await authenticate(context, request);
  const body = await context.bodies.read(principal.id, () => readJson(request));
  const transport = transportOf(body.transport);
  const s3 = transport === 's3' ? s3Of(context) : undefined;
  const { fileName, size, contentType, fileInfo } = await admitFile(context, principal, fileFieldsOf(body), {
    min: 1,
  });
  // Part URLs in the answer save the client a round trip before its first part (native only).
  const partUrls =
    body.partUrls === undefined || s3 ? undefined : partUrlCount(context, size, body.partUrls, 'partUrls');

  const uploadId = s3
    ? await createMultipartUpload(s3, fileName, objectHeaders(contentType, fileInfo)).catch(
        (error: unknown) => {
          throw refusalFromS3(error);
        },
      )
    : ((
        await context.client
          .startLargeFile({ bucketId: context.target.bucketId, fileName, contentType: contentType, fileInfo })
          .catch((error: unknown) => {
            throw refusalFromB2(error, 'start');
          })
      ).fileId ?? '');
  // Tidying and the first part URLs are B2 round trips of their own: made at once, not in turn.
  const [targets] = await Promise.all([
    partUrls ? firstPartUrls(context, principal.id, uploadId, partUrls) : undefined,
    tidyUnfinished(context.client, {
      bucketId: context.target.bucketId,
      namePrefix: context.options.name ? (context.target.namePrefix ?? '') : context.options.prefix,
      keep: fileIdOf(uploadId),
      fileInfo,
    }),
  ]);
  const expiresAt = context.options.now() + context.options.tokenTtlMs;
  const agreedPartSize = partSize(context, size, body.partSize);
  const token = await context.tokens.sign({
    uploadId,
    principalId: principal.id,
    fileName,
    size,
    expiresAt,
    ...(s3 ? { s3PartSize: agreedPartSize } : {}),
  });
  return json({
    uploadId,
    token,
    fileName,
    partSize: agreedPartSize,
    expiresAt,
    transport,
    ...(targets ? { targets } : {}),
  });
}

/**
 * Part URLs for the start answer, from the same budget as POST part-urls. They are a head start, not
 * a promise: when the budget or B2 says no, the answer goes without them and the client asks
 * part-urls, which gives the refusal its proper answer.
 */
async function firstPartUrls(context: BrokerContext, principalId: string, uploadId: string, count: number) {
  try {
    await takeUploadCalls(context, { uploadId, principalId }, count);
    return await issuePartUrls(context, uploadId, count);
  } catch {
    return undefined;
  }
}

/** `native` (B2's part URLs, the default) or `s3` (presigned UploadPart URLs). */
function transportOf(value: unknown): 'native' | 's3' {
  if (value === undefined || value === null || value === 'native') return 'native';
  if (value === 's3') return 's3';
  throw badRequest("transport must be 'native' or 's3'");
}

/** The client's proposal (or B2's recommendedPartSize), made valid by the plan rules both sides share. */
function partSize(context: BrokerContext, size: number, proposed: unknown): number {
  const wanted =
    typeof proposed === 'number' && Number.isSafeInteger(proposed) && proposed > 0
      ? proposed
      : context.target.recommendedPartSize;
  return clampPartSize(size, wanted, {
    minPartSize: context.target.minPartSize,
    maxPartSize: Limits.maxPartSize,
    maxParts: Limits.maxParts,
  });
}
