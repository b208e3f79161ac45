/**
 * Wire facts of the broker protocol (docs/broker-protocol.md) that both sides need: the SDK
 * (src/upload) reads them from answers, the broker (src/broker) writes them. Defined once here.
 */

/** Every `code` a broker's error body may carry; clients branch on these, never on `message`. */
export const BROKER_ERROR_CODES = [
  'bad_request',
  'unauthenticated',
  'bad_upload_token',
  'expired_upload_token',
  'forbidden',
  'origin_not_allowed',
  'not_found',
  'size_mismatch',
  'too_large',
  'type_not_allowed',
  'rate_limited',
  'b2_error',
  'unavailable',
] as const;

export type BrokerErrorCode = (typeof BROKER_ERROR_CODES)[number];

/** The header that carries a per-upload token. */
export const UPLOAD_TOKEN_HEADER = 'X-B2up-Upload-Token';
