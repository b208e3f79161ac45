/** GET /config: what the SDK needs to plan uploads (docs/broker-protocol.md#get-config). */
import { Limits } from '../../b2/wire.js';
import { ACTIVE_CONTENT_TYPES } from '../content-types.js';
import { authenticate, type BrokerContext, smallFileMaxSize, smallFileMode } from '../context.js';
import { json } from '../http.js';
import { SMALL_FILE_BATCH_MAX } from './s3-files.js';

export function config(context: BrokerContext): Response {
  const { options, target } = context;
  return json({
    protocol: 1,
    minPartSize: target.minPartSize,
    maxPartSize: Limits.maxPartSize,
    maxParts: Limits.maxParts,
    smallFileMaxSize: smallFileMaxSize(context),
    maxFileSize: options.maxFileSize,
    allowedTypes: options.allowedTypes,
    blockedTypes: ACTIVE_CONTENT_TYPES.filter((type) => !options.isTypeAllowed(type)),
    smallFiles: smallFileMode(context),
    // Presign and confirm take up to this many files in one call (S3 mode).
    ...(smallFileMode(context) === 's3' ? { smallFileBatchMax: SMALL_FILE_BATCH_MAX } : {}),
    // Why small files are proxied although S3 was wanted, so an operator sees it at a glance.
    ...(context.s3.kind === 'unavailable' && options.smallFiles === 's3'
      ? { smallFilesReason: context.s3.reason }
      : {}),
    largeFileTransports: context.s3.kind === 's3' ? ['native', 's3'] : ['native'],
  });
}

/**
 * GET /whoami: the caller's principal id, so a client can keep one user's unfinished uploads apart
 * from another's in the same browser. 401 when not logged in, like every call but /config.
 */
export async function whoami(context: BrokerContext, request: Request): Promise<Response> {
  const principal = await authenticate(context, request);
  return json({ user: principal.id });
}
