/** POST /uploads: start a large file (docs/broker-protocol.md#post-uploads). */
import { Limits } from '../../b2/wire.js';
import { clampPartSize } from '../../protocol.js';
import { refusalFromB2 } from '../b2-errors.js';
import {
  acceptType,
  authenticate,
  type BrokerContext,
  checkSize,
  chooseName,
  takeStart,
} from '../context.js';
import { buildFileInfo, checkHeaderBudget } from '../file-info.js';
import { json, readJson } from '../http.js';
import { tidyUnfinished } from '../janitor.js';
import { byteSize, lastModified, optionalString, userName } from './fields.js';

export async function startUpload(context: BrokerContext, request: Request): Promise<Response> {
  const principal = await authenticate(context, request);
  const body = await context.bodies.read(principal.id, () => readJson(request));
  const name = userName(body.name);
  const size = byteSize(body.size, 'size', 1);
  checkSize(context, size);
  const type = acceptType(context, optionalString(body.contentType, 'contentType'));
  const modified = lastModified(body.lastModified);

  const fileName = await chooseName(context, principal, name, type.stored, size);
  const fileInfo = buildFileInfo({
    userName: name,
    principalId: principal.id,
    lastModified: modified,
    info: body.info,
    size,
  });
  checkHeaderBudget(fileName, fileInfo);
  await takeStart(context, principal);

  const file = await context.client
    .startLargeFile({ bucketId: context.target.bucketId, fileName, contentType: type.stored, fileInfo })
    .catch((error: unknown) => {
      throw refusalFromB2(error, 'start');
    });
  const uploadId = file.fileId ?? '';
  await tidyUnfinished(context.client, {
    bucketId: context.target.bucketId,
    namePrefix: context.options.name ? (context.target.namePrefix ?? '') : context.options.prefix,
    keep: uploadId,
    fileInfo,
  });
  const expiresAt = context.options.now() + context.options.tokenTtlMs;
  const token = await context.tokens.sign({ uploadId, principalId: principal.id, fileName, size, expiresAt });
  return json({ uploadId, token, fileName, partSize: partSize(context, size, body.partSize), expiresAt });
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
