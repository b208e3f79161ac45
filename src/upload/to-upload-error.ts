/**
 * Every failure an upload can meet, mapped onto the SDK's closed set of UploadError codes: broker
 * refusals, B2 answers, file reads, cancels. The one place such a mapping lives.
 */
import { type B2Error, isB2Error } from '../b2/errors.js';
import { type BrokerErrorCode, isBrokerError } from './broker-client.js';
import { isUploadError, UploadError, type UploadErrorCode } from './errors.js';
import { type HashErrorCode, isHashError } from './hasher-error.js';

export function aborted(cause?: unknown): UploadError {
  return new UploadError('aborted', 'The upload was cancelled.', cause === undefined ? undefined : { cause });
}

const BROKER_TO_UPLOAD: Record<BrokerErrorCode, UploadErrorCode> = {
  unauthenticated: 'unauthenticated',
  forbidden: 'forbidden',
  origin_not_allowed: 'forbidden',
  bad_upload_token: 'upload_expired',
  expired_upload_token: 'upload_expired',
  not_found: 'upload_expired',
  too_large: 'too_large',
  type_not_allowed: 'type_not_allowed',
  size_mismatch: 'size_mismatch',
  content_mismatch: 'content_mismatch',
  rate_limited: 'network',
  unavailable: 'network',
  b2_error: 'rejected',
  bad_request: 'rejected',
};

/** Maps broker and B2 failures onto the SDK's closed set of upload error codes. */
export function toUploadError(error: unknown): UploadError {
  if (isUploadError(error)) return error;
  if (isBrokerError(error)) {
    return new UploadError(BROKER_TO_UPLOAD[error.code], error.message, {
      status: error.status,
      cause: error,
    });
  }
  if (isB2Error(error)) return fromB2Error(error);
  if (error instanceof Error && error.name === 'AbortError') return aborted();
  return new UploadError('rejected', error instanceof Error ? error.message : String(error), {
    cause: error,
  });
}

function fromB2Error(error: B2Error): UploadError {
  if (error.code === 'aborted') return aborted();
  if (isLargeFileGone(error)) {
    return new UploadError(
      'upload_expired',
      'B2 no longer knows this upload (finished, cancelled or expired)',
      {
        status: error.status,
        cause: error,
      },
    );
  }
  const code: UploadErrorCode =
    error.status === 0 || error.status >= 500 || error.status === 408 ? 'network' : 'rejected';
  return new UploadError(code, error.message, { status: error.status, cause: error });
}

/** Hash failures that are not the file's fault (`read_failed` is; `aborted` is a cancel). */
const HASHING_FAILED: Partial<Record<HashErrorCode, string>> = {
  worker_failed: 'The SHA-1 could not be computed: the hash worker failed.',
  wasm_failed: 'The SHA-1 could not be computed: its WebAssembly module could not start.',
  closed: 'The SHA-1 could not be computed: the uploader was closed.',
};

/**
 * A part sent straight to B2 for a large file B2 no longer has (finished, or cancelled: another tab
 * or device started the same file and the broker superseded this one) gets `400 bad_request`
 * "Invalid fileId: …" (https://www.backblaze.com/apidocs/b2-list-parts and b2-cancel-large-file
 * show the same answer). B2 uses bad_request for a SHA-1 mismatch too, so only the message tells
 * them apart. Through the broker the same answer arrives as `not_found`. A presigned S3 part for
 * an upload B2 no longer has gets S3's `404 NoSuchUpload`.
 */
function isLargeFileGone(error: B2Error): boolean {
  if (error.status === 404 && error.code === 'NoSuchUpload') return true;
  return error.status === 400 && error.code === 'bad_request' && error.message.startsWith('Invalid fileId');
}

/** A read of the file (hashing it, sending it) failed; `path` names it where there is one (Node). */
export function unreadable(error: unknown, path?: string): UploadError {
  if (isUploadError(error)) return error;
  if (
    error instanceof Error &&
    (error.name === 'AbortError' || (error as { code?: string }).code === 'aborted')
  ) {
    return aborted(error);
  }
  if (isHashError(error) && error.code in HASHING_FAILED) {
    return new UploadError('hashing_failed', HASHING_FAILED[error.code]!, { cause: error });
  }
  return new UploadError('file_unreadable', `${path ?? 'The file'} could not be read.`, { cause: error });
}

/** The file's bytes changed on disk while a part was read from it. */
export function changedOnDisk(path: string): UploadError {
  return new UploadError('file_unreadable', `${path} changed on disk while it was being uploaded.`);
}

/** The file differs from the upload a resume would continue. */
export function fileChanged(): UploadError {
  return new UploadError('file_changed', 'The file differs from the upload being resumed.');
}
