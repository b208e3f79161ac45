/**
 * The one error type of the hasher. Worker failures cross the worker boundary as data
 * (`{ok:false, code, message}`, since comlink only carries name/message/stack of a thrown error)
 * and are rebuilt into a `HashError` on the calling side, so callers branch on `code` alone.
 */
import { hasErrorCode } from '../error-name.js';

/** Why a SHA-1 could not be computed. A closed set: switch on it exhaustively. */
export type HashErrorCode =
  /** The caller's AbortSignal fired; `cause` holds `signal.reason`. */
  | 'aborted'
  /** The Blob could not be read: the file changed or was removed since it was picked (NotReadableError). */
  | 'read_failed'
  /** hash-wasm's WebAssembly module could not start (e.g. a CSP without `wasm-unsafe-eval`). */
  | 'wasm_failed'
  /** A hash worker failed to load or crashed (e.g. the worker script 404s or a CSP blocks workers). */
  | 'worker_failed'
  /** `close()` was called before or while this hash ran. */
  | 'closed';

/** The codes, for exhaustive checks and for validating codes that came over a message channel. */
export const HASH_ERROR_CODES: readonly HashErrorCode[] = [
  'aborted',
  'read_failed',
  'wasm_failed',
  'worker_failed',
  'closed',
];

export class HashError extends Error {
  override readonly name = 'HashError' as const;
  readonly code: HashErrorCode;

  constructor(code: HashErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/** True for a HashError from any realm or worker copy of this module (checks `name`, not the prototype). */
export function isHashError(error: unknown): error is HashError {
  return hasErrorCode(error, 'HashError') && HASH_ERROR_CODES.includes(error.code as HashErrorCode);
}

/** The error an aborted hash rejects with; `cause` carries the signal's reason. */
export function abortedError(signal: AbortSignal | undefined): HashError {
  return new HashError('aborted', 'Hashing was aborted', { cause: signal?.reason });
}
