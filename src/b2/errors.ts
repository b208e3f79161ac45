import { hasErrorCode } from '../error-name.js';
import type { B2WireCode } from './wire.js';
/**
 * The one error type of the B2 client. Wire errors carry B2's own `{status, code, message}`; failures
 * that never produced an HTTP response (network, timeout, abort) use status 0 and a synthetic code from
 * a closed set, so callers branch on `code`, never on message text.
 */

/** Codes the client makes up itself. All but `invalid_response` come with `status: 0` (no response). */
export type B2ClientCode =
  /** The connection failed or was reset before a response arrived (fetch rejected). */
  | 'network_error'
  /** No response headers within the configured `timeout`. */
  | 'timeout'
  /** The caller's AbortSignal fired. */
  | 'aborted'
  /** B2 answered 2xx but the body was not the JSON the operation returns; `status` is the HTTP status. */
  | 'invalid_response';

export const CLIENT_CODES: readonly B2ClientCode[] = [
  'network_error',
  'timeout',
  'aborted',
  'invalid_response',
];

export type { B2WireCode } from './wire.js';

// `string & {}` keeps unknown server codes assignable without collapsing the known ones to `string`.
export type B2ErrorCode = B2WireCode | B2ClientCode | (string & {});

export interface B2ErrorInit {
  status: number;
  code: B2ErrorCode;
  message: string;
  /** Seconds from a `Retry-After` header (429/503), when B2 sent one. */
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class B2Error extends Error {
  override readonly name = 'B2Error' as const;
  /** HTTP status; 0 when no response was received (see `B2ClientCode`). */
  readonly status: number;
  readonly code: B2ErrorCode;
  readonly retryAfterSeconds?: number;

  constructor(init: B2ErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    if (init.retryAfterSeconds !== undefined) this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

/** True for a B2Error from any realm or worker copy of this module (checks `name`, not the prototype). */
export function isB2Error(error: unknown): error is B2Error {
  return hasErrorCode(error, 'B2Error') && typeof (error as { status?: unknown }).status === 'number';
}

/** True when the error never reached B2 as an HTTP exchange (network, timeout, abort). */
export function isTransportError(error: B2Error): boolean {
  return error.status === 0;
}
