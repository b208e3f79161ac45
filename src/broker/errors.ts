import { hasErrorCode } from '../error-name.js';
import type { BrokerErrorCode } from '../protocol.js';
/**
 * The broker's two error types. `Refusal` is an answer to one request, with a code from the protocol's
 * closed set (docs/broker-protocol.md#errors); `BrokerConfigError` says why the broker as a whole
 * can't serve (a key it must not hold, a bucket it can't reach) and is what `broker.ready()` rejects with.
 */

/** The protocol's error codes (src/protocol.ts, shared with the SDK). */
export type ProtocolErrorCode = BrokerErrorCode;

/** A refused request: becomes `{status, code, message}` (+ `b2`) and maybe `Retry-After`. Internal. */
export class Refusal extends Error {
  override readonly name = 'Refusal';
  constructor(
    readonly status: number,
    readonly code: ProtocolErrorCode,
    message: string,
    readonly extra: { retryAfterSeconds?: number; b2?: { status: number; code: string } } = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new Refusal(400, 'bad_request', message);

/** Why a broker refuses to serve. Closed set: branch on `code`, never on `message`. */
export type BrokerConfigCode =
  /** The key has `writeKeys`: whoever gets the broker's key could mint keys for the whole account. */
  | 'key_can_write_keys'
  /** The key may use every bucket of the account (`allowed.buckets` is null). */
  | 'key_not_bucket_restricted'
  /** The key is restricted to another bucket (or to several) than `b2.bucket`. */
  | 'key_bucket_mismatch'
  /** The key lacks a capability the broker calls need (`writeFiles`, `readFiles`). */
  | 'key_missing_capability'
  /** The key has a `namePrefix` and the names the broker assigns (`prefix`) would lie outside it. */
  | 'key_prefix_mismatch'
  /** `b2.bucket` names no bucket of the account (only checked with `unsafeAllowUnrestrictedKey`). */
  | 'bucket_not_found'
  /** B2 refused the key id and key (401 from b2_authorize_account). */
  | 'b2_authorization_failed'
  /** B2 could not be reached or answered 5xx; `ready()` tries again on the next call. */
  | 'b2_unreachable';

export class BrokerConfigError extends Error {
  override readonly name = 'BrokerConfigError';
  constructor(
    readonly code: BrokerConfigCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True for a BrokerConfigError from any copy of this module (checks `name`, not the prototype). */
export function isBrokerConfigError(error: unknown): error is BrokerConfigError {
  return hasErrorCode(error, 'BrokerConfigError');
}
