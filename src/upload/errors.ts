import { hasErrorCode } from '../error-name.js';

/**
 * Why an upload failed, as a closed set of codes. Apps branch on `code`; `message` is for people.
 */
export type UploadErrorCode =
  /** The caller's signal fired, or `cancel()` was called. */
  | 'aborted'
  /** The file's bytes differ from the upload being resumed; it is never finished as the old upload. */
  | 'file_changed'
  /** The file could not be read (moved, deleted, permission revoked), or it changed while it was read. */
  | 'file_unreadable'
  /**
   * The SHA-1 could not be computed though the file was readable: the hash worker or its WebAssembly
   * failed, or the uploader was closed while hashing. `cause` holds the `HashError`.
   */
  | 'hashing_failed'
  /** The broker's limits refuse the file's size. */
  | 'too_large'
  /** The broker's limits refuse the file's content type. */
  | 'type_not_allowed'
  /** The app's login was refused by the broker (401 from its `authorize` hook). */
  | 'unauthenticated'
  /** The broker refused this caller for this upload. */
  | 'forbidden'
  /** The upload no longer exists or its token expired; start again. */
  | 'upload_expired'
  /** The parts B2 holds don't add up to the file's size. */
  | 'size_mismatch'
  /** B2 stored other bytes or another type than were sent (checked by the broker); nothing was kept. */
  | 'content_mismatch'
  /** B2 or the broker refused a request in a way retrying can't fix. */
  | 'rejected'
  /** Retries were exhausted on network errors, timeouts or 5xx answers. */
  | 'network';

export class UploadError extends Error {
  override readonly name = 'UploadError';
  readonly code: UploadErrorCode;
  /** HTTP status of the answer behind the error, when there was one. */
  readonly status: number | undefined;

  constructor(code: UploadErrorCode, message: string, options?: { status?: number; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.code = code;
    this.status = options?.status;
  }
}

/** True for an UploadError from any realm (checks the name, not the prototype). */
export function isUploadError(error: unknown): error is UploadError {
  return hasErrorCode(error, 'UploadError');
}
