/**
 * B2's refusals as protocol refusals. The B2 client has already retried what B2 says to retry
 * (B2 docs, "Handling errors"), so what reaches here is final. B2's own message is never passed on: some quote
 * tokens ("more than one upload using auth token …").
 */
import { type B2Error, isB2Error } from '../b2/errors.js';
import { badRequest, Refusal } from './errors.js';

/** When B2 asks for no particular wait, clients come back after this many seconds. */
const DEFAULT_RETRY_AFTER_SECONDS = 2;

/**
 * What the broker was doing: `upload` calls name one large file by id, so B2's 400/404 there means
 * the file is gone (finished, cancelled or never existed); at `start` and `small` B2's 400 is about
 * what the client sent (name, info, SHA-1).
 */
export type B2Step = 'start' | 'small' | 'upload';

export function refusalFromB2(error: unknown, step: B2Step): unknown {
  if (!isB2Error(error)) return error;
  if (isTemporary(error)) {
    return new Refusal(503, 'unavailable', 'B2 is unavailable; try again shortly', {
      retryAfterSeconds: error.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS,
    });
  }
  if (step === 'upload' && isFileGone(error)) {
    return new Refusal(404, 'not_found', 'B2 no longer knows this upload (finished, cancelled or expired)');
  }
  if (step !== 'upload' && error.status === 400 && !BUCKET_CODES.has(error.code)) {
    return step === 'small'
      ? badRequest(
          'B2 refused the file: its bytes do not match the SHA-1 sent, or its name or info break B2’s rules',
        )
      : badRequest('B2 refused to start the upload: its name or info break B2’s rules');
  }
  return b2Error(error);
}

/** 502 b2_error: B2 refused in a way only the operator can fix (caps, key, bucket). */
export function b2Error(error: B2Error): Refusal {
  return new Refusal(502, 'b2_error', `B2 refused the broker’s call (${error.status} ${error.code})`, {
    b2: { status: error.status, code: error.code },
  });
}

const BUCKET_CODES = new Set(['bad_bucket_id', 'invalid_bucket_id']);
const GONE_CODES = new Set([
  'bad_request',
  'not_found',
  'file_not_present',
  'invalid_file_id',
  'no_such_file',
]);

export function isFileGone(error: B2Error): boolean {
  return (error.status === 400 || error.status === 404) && GONE_CODES.has(error.code);
}

/** No answer, a timeout, 408, 429, 5xx: B2 will likely take the same call a bit later. */
function isTemporary(error: B2Error): boolean {
  return error.status === 0 || error.status === 408 || error.status === 429 || error.status >= 500;
}
