/** B2's naming and metadata rules, each failing with B2's 400 code. */
import { B2_INFO_HEADERS, Limits } from '../b2/wire.js';
import { B2Failure, badRequest } from './errors.js';

const utf8Length = (s: string) => Buffer.byteLength(s, 'utf8');

/** 1..1024 UTF-8 bytes, no C0 control characters, no DEL (B2 file-name rules, all doc revisions). */
export function checkFileName(name: string): void {
  const bytes = utf8Length(name);
  if (bytes < 1 || bytes > Limits.maxFileNameBytes) {
    throw badRequest(`File names must be 1 to ${Limits.maxFileNameBytes} bytes of UTF-8`);
  }
  // eslint-disable-next-line no-control-regex -- B2 forbids exactly these characters.
  if (/[\u0000-\u001f\u007f]/.test(name))
    throw badRequest('File names must not contain control characters or DEL');
  if (name.includes('\uFFFD')) throw badRequest('File names must be valid UTF-8');
}

/** Key: ≤ 50 UTF-8 bytes of letters, digits and `- _ . \` ~ ! # $ % ^ & * ' | +`; `b2-` only the defined ones. */
const INFO_KEY = /^[A-Za-z0-9\-_.`~!#$%^&*'|+]+$/;

export function checkInfoKey(key: string): void {
  if (!INFO_KEY.test(key) || utf8Length(key) > Limits.maxInfoKeyBytes) {
    throw badRequest(`Invalid file info name: ${key}`);
  }
  if (key.startsWith('b2-') && !(key in B2_INFO_HEADERS))
    throw badRequest(`Invalid b2- file info name: ${key}`);
}

/**
 * File info as B2 stores it: keys lower-cased, ≤ 10 entries, and file name + info within the header
 * budget: 7,000 bytes of fully encoded header lines, 2,048 with server-side encryption.
 */
export function normaliseFileInfo(
  fileName: string,
  info: Record<string, string>,
  encrypted: boolean,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [rawKey, value] of Object.entries(info)) {
    checkInfoKey(rawKey);
    out[rawKey.toLowerCase()] = value;
  }
  if (Object.keys(out).length > Limits.maxInfoHeaders) {
    throw badRequest(`At most ${Limits.maxInfoHeaders} file info entries are allowed`);
  }
  const budget = encrypted ? 2048 : Limits.headerBudgetBytes;
  let used = `X-Bz-File-Name: ${encodeURIComponent(fileName)}\r\n`.length;
  for (const [k, v] of Object.entries(out)) used += `X-Bz-Info-${k}: ${encodeURIComponent(v)}\r\n`.length;
  if (used > budget) throw badRequest(`File name and file info exceed ${budget} bytes of headers`);
  return out;
}

/** 6–63 chars of letters, digits and `-`, not starting with `b2-`. */
export function checkBucketName(name: string): void {
  if (!/^[A-Za-z0-9-]{6,63}$/.test(name) || name.toLowerCase().startsWith('b2-')) {
    throw badRequest(`Invalid bucket name: ${name}`);
  }
}

export function checkKeyName(name: string): void {
  if (!/^[A-Za-z0-9-]{1,100}$/.test(name)) throw badRequest('keyName must be 1 to 100 letters, digits or -');
}

/** `bytes=a-b` inclusive, as in b2_copy_file / b2_copy_part; clamps b to the source size. */
export function parseCopyRange(range: string | undefined, size: number): { start: number; end: number } {
  if (range === undefined) return { start: 0, end: size - 1 };
  const m = /^bytes=(\d+)-(\d+)$/.exec(range);
  if (!m) throw badRequest(`Invalid range: ${range}`);
  const start = Number(m[1]);
  const end = Math.min(Number(m[2]), size - 1);
  if (Number(m[2]) < start) throw badRequest(`Invalid range: ${range}`);
  if (start >= size)
    throw new B2Failure(416, 'range_not_satisfiable', `Range ${range} is outside the source`);
  return { start, end };
}
