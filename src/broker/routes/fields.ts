/** Fields of request bodies and headers, checked one way everywhere. */
import { badRequest } from '../errors.js';

/** The user’s file name: any string (it is made safe later); the cap only bounds the work on it. */
const MAX_NAME_CHARS = 32_768;

export function userName(value: unknown): string {
  if (typeof value !== 'string') throw badRequest('name must be a string');
  if (value.length > MAX_NAME_CHARS) throw badRequest(`name must be at most ${MAX_NAME_CHARS} characters`);
  return value;
}

export function byteSize(value: unknown, field: string, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw badRequest(`${field} must be an integer ≥ ${min}`);
  }
  return value;
}

/** ms since the epoch; absent is fine (B2's `src_last_modified_millis` is optional). */
export function lastModified(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw badRequest('lastModified must be ms since the epoch');
  }
  return value;
}

export function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badRequest(`${field} must be a string`);
  return value;
}
