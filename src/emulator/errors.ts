import type { B2WireCode } from '../b2/wire.js';
/**
 * The error every emulator handler throws to answer with B2's `{status, code, message}` body
 * (B2 docs, "Error handling"). Codes are B2's own, so clients map them exactly as for the real service.
 */
/** B2's own codes, defined once in the wire contract. */
export type B2Code = B2WireCode;

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
