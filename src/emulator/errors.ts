/**
 * The error every emulator handler throws to answer with B2's `{status, code, message}` body
 * (reference §4.1). Codes are B2's own (table §4.2), so clients map them exactly as for the real service.
 */
export type B2Code =
  | 'bad_request'
  | 'bad_json'
  | 'bad_bucket_id'
  | 'invalid_bucket_id'
  | 'invalid_file_id'
  | 'out_of_range'
  | 'duplicate_bucket_name'
  | 'too_many_buckets'
  | 'file_not_present'
  | 'no_such_file'
  | 'already_hidden'
  | 'missing_part'
  | 'part_sha1_mismatch'
  | 'auth_token_limit'
  | 'source_too_large'
  | 'file_lock_conflict'
  | 'unauthorized'
  | 'unsupported'
  | 'bad_auth_token'
  | 'expired_auth_token'
  | 'missing_auth_token'
  | 'cap_exceeded'
  | 'access_denied'
  | 'not_found'
  | 'method_not_allowed'
  | 'request_timeout'
  | 'conflict'
  | 'range_not_satisfiable'
  | 'too_many_requests'
  | 'internal_error'
  | 'service_unavailable';

export class B2Failure extends Error {
  override readonly name = 'B2Failure';
  constructor(
    readonly status: number,
    readonly code: B2Code,
    message: string,
    /** Extra response headers, e.g. `Retry-After` or `WWW-Authenticate`. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new B2Failure(400, 'bad_request', message);
export const unauthorized = (message = 'not authorized') => new B2Failure(401, 'unauthorized', message);
export const notFound = (message = 'not found') => new B2Failure(404, 'not_found', message);
