/**
 * Error guards check an error's `name` and the fields it promises, never its prototype: an error made
 * by another realm (an iframe, a worker, node:vm) or by a second copy of this package fails
 * `instanceof` — even `instanceof Error` — though it is the same error to the caller.
 */
export function hasErrorName(error: unknown, name: string): error is { name: string; message: string } {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === name;
}

/** `hasErrorName` plus a string `code`: the shape of every b2up error with a closed set of codes. */
export function hasErrorCode(error: unknown, name: string): error is { name: string; code: string } {
  return hasErrorName(error, name) && typeof (error as { code?: unknown }).code === 'string';
}
