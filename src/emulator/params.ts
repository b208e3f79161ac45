/**
 * Typed reads of a JSON operation's parameters. Missing or ill-typed fields answer `400 bad_request`
 * like B2; GET query parameters arrive as strings, so numbers and booleans are accepted in that form.
 */
import { B2Failure, badRequest } from './errors.js';

export type Params = Record<string, unknown>;

export function optString(p: Params, name: string): string | undefined {
  const v = p[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw badRequest(`${name} must be a string`);
  return v;
}

export function reqString(p: Params, name: string): string {
  const v = optString(p, name);
  if (v === undefined) throw badRequest(`required field ${name} is missing`);
  return v;
}

export function optInt(p: Params, name: string): number | undefined {
  const v = p[name];
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw badRequest(`${name} must be an integer`);
  return n;
}

export function reqInt(p: Params, name: string): number {
  const v = optInt(p, name);
  if (v === undefined) throw badRequest(`required field ${name} is missing`);
  return v;
}

export function optBool(p: Params, name: string): boolean | undefined {
  const v = p[name];
  if (v === undefined) return undefined;
  if (v === 'true' || v === true) return true;
  if (v === 'false' || v === false) return false;
  throw badRequest(`${name} must be a boolean`);
}

export function optStringMap(p: Params, name: string): Record<string, string> | undefined {
  const v = p[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw badRequest(`${name} must be an object`);
  for (const [k, value] of Object.entries(v)) {
    if (typeof value !== 'string') throw badRequest(`${name}.${k} must be a string`);
  }
  return v as Record<string, string>;
}

export function optArray(p: Params, name: string): unknown[] | undefined {
  const v = p[name];
  if (v === undefined) return undefined;
  // GET + query: a list may arrive as JSON (parsed already) or comma-separated.
  if (typeof v === 'string') return v === '' ? [] : v.split(',');
  if (!Array.isArray(v)) throw badRequest(`${name} must be an array`);
  return v;
}

export function optStringArray(p: Params, name: string): string[] | undefined {
  const v = optArray(p, name);
  if (v?.some((x) => typeof x !== 'string')) throw badRequest(`${name} must be an array of strings`);
  return v as string[] | undefined;
}

/** A list page size: 0 or absent = the default; outside 1..max = 400 out_of_range. */
export function pageSize(p: Params, name: string, limits: { default: number; max: number }): number {
  const n = optInt(p, name);
  if (n === undefined || n === 0) return limits.default;
  if (n < 0 || n > limits.max) throw outOfRange(`${name} must be between 1 and ${limits.max}`);
  return n;
}

const outOfRange = (message: string) => new B2Failure(400, 'out_of_range', message);
