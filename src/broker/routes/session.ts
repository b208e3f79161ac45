/**
 * The checks of every per-upload call: the caller is logged in, the upload token is the broker's,
 * unexpired, for the upload in the path, and issued to this caller.
 */
import { authenticate, type BrokerContext } from '../context.js';
import type { Principal } from '../options.js';
import { Refusal } from '../errors.js';
import { UPLOAD_TOKEN_HEADER } from '../../protocol.js';
import type { UploadClaims } from '../token.js';

export async function openUpload(
  context: BrokerContext,
  request: Request,
  uploadId: string,
): Promise<UploadClaims & { principal: Principal }> {
  const principal = await authenticate(context, request);
  const token = request.headers.get(UPLOAD_TOKEN_HEADER);
  if (!token) throw new Refusal(401, 'bad_upload_token', `Send the upload token in ${UPLOAD_TOKEN_HEADER}.`);
  return checkUploadToken(context, principal, token, uploadId);
}

/** The token checks of openUpload, for a caller already logged in (batch items carry their tokens). */
export async function checkUploadToken(
  context: BrokerContext,
  principal: Principal,
  token: string,
  uploadId: string,
): Promise<UploadClaims & { principal: Principal }> {
  const check = await context.tokens.verify(token, context.options.now());
  if (!check.ok) {
    throw check.reason === 'expired'
      ? new Refusal(401, 'expired_upload_token', 'The upload token has expired; start the upload again.')
      : new Refusal(401, 'bad_upload_token', 'The upload token is not valid.');
  }
  if (check.claims.uploadId !== uploadId) {
    throw new Refusal(401, 'bad_upload_token', 'The upload token is for another upload.');
  }
  if (check.claims.principalId !== principal.id) {
    throw new Refusal(403, 'forbidden', 'This upload belongs to another user.');
  }
  return { ...check.claims, principal };
}
