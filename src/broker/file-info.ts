/**
 * The file info the broker stores with each file: the user's own name
 * (`b2up-name`), the principal (`b2up-user`), a large file's declared size (`b2up-size`, for the
 * janitor), `src_last_modified_millis`, an optional `large_file_sha1`, and the app's keys after B2's rules. All checked here, before B2 is called, so a
 * bad key is the caller's 400 rather than a B2 error.
 */
import { encodeB2 } from '../b2/encoding.js';
import { Header, Limits } from '../b2/wire.js';
import { badRequest } from './errors.js';
import { byteLength, truncateUtf8, wellFormed } from './names.js';

export const NAME_KEY = 'b2up-name';
export const USER_KEY = 'b2up-user';
export const SIZE_KEY = 'b2up-size';
export const LAST_MODIFIED_KEY = 'src_last_modified_millis';
const LARGE_FILE_SHA1_KEY = 'large_file_sha1';
/** UTF-8 bytes kept of the user's original name in `b2up-name`. */
const ORIGINAL_NAME_MAX_BYTES = 1024;

// HTTP token characters: exactly the ones B2 allows in a file-info key.
const INFO_KEY = /^[A-Za-z0-9\-_.`~!#$%^&*'|+]+$/;
const SHA1 = /^[0-9a-f]{40}$/;
// eslint-disable-next-line no-control-regex -- matching control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export interface FileInfoInput {
  /** The user's name as the browser sent it. */
  userName: string;
  principalId: string;
  /** ms since the epoch, when the browser sent one. */
  lastModified: number | undefined;
  /** The app's info from the request, unchecked. */
  info: unknown;
  /** A large file's declared size: lets the janitor spot uploads holding more. */
  size?: number;
}

/**
 * The app's keys may not be `b2-*` (they change the headers B2 serves the file with, e.g.
 * Content-Disposition or Content-Encoding, and a browser must not choose those) nor the broker's own.
 */
export function buildFileInfo(input: FileInfoInput): Record<string, string> {
  const result: Record<string, string> = {
    [NAME_KEY]: truncateUtf8(wellFormed(input.userName), ORIGINAL_NAME_MAX_BYTES),
    [USER_KEY]: wellFormed(input.principalId),
  };
  if (input.size !== undefined) result[SIZE_KEY] = String(input.size);
  if (input.lastModified !== undefined) result[LAST_MODIFIED_KEY] = String(input.lastModified);
  for (const [rawKey, value] of Object.entries(appInfo(input.info))) {
    const key = rawKey.toLowerCase();
    if (!INFO_KEY.test(key) || byteLength(key) > Limits.maxInfoKeyBytes) {
      throw badRequest(`info key '${rawKey}' breaks B2's rules (≤ 50 bytes of letters, digits, -_.)`);
    }
    if (key.startsWith('b2-') || key.startsWith('b2up-') || key === LAST_MODIFIED_KEY) {
      throw badRequest(`info key '${rawKey}' is reserved`);
    }
    if (key in result) throw badRequest(`info key '${rawKey}' appears twice`);
    // B2 percent-encodes values on the wire, but apps copy file info into their own headers, logs
    // and pages: CR, LF, NUL and other controls are refused rather than stored for them to trip on.
    if (CONTROL.test(value)) throw badRequest(`info '${rawKey}' holds control characters`);
    if (key === LARGE_FILE_SHA1_KEY && !SHA1.test(value.toLowerCase())) {
      throw badRequest('info large_file_sha1 must be 40 hex digits');
    }
    result[key] = key === LARGE_FILE_SHA1_KEY ? value.toLowerCase() : wellFormed(value);
  }
  if (Object.keys(result).length > Limits.maxInfoHeaders) {
    throw badRequest(`B2 takes at most ${Limits.maxInfoHeaders} info entries; the broker uses 2 to 4 itself`);
  }
  return result;
}

function appInfo(info: unknown): Record<string, string> {
  if (info === undefined || info === null) return {};
  if (typeof info !== 'object' || Array.isArray(info)) throw badRequest('info must be an object');
  for (const value of Object.values(info)) {
    if (typeof value !== 'string') throw badRequest('info values must be strings');
  }
  return info as Record<string, string>;
}

/**
 * B2 caps the file name plus file-info header lines at 7,000 bytes, fully encoded with CRLFs
 * (B2 docs, "Files"); b2_start_large_file applies the same budget to its JSON fields.
 */
export function checkHeaderBudget(fileName: string, info: Record<string, string>): void {
  const line = (name: string, value: string) => byteLength(`${name}: ${encodeB2(value)}\r\n`);
  let total = line(Header.fileName, fileName);
  for (const [key, value] of Object.entries(info)) total += line(`${Header.infoPrefix}${key}`, value);
  if (total > Limits.headerBudgetBytes) {
    throw badRequest(`name and info take ${total} bytes; B2 allows ${Limits.headerBudgetBytes}`);
  }
}

/** The whole-file SHA-1 of a large file, when the client sent one at start. */
export function largeFileSha1(info: Record<string, string>): string | null {
  return info[LARGE_FILE_SHA1_KEY] ?? null;
}

/** The declared size stored at start, or undefined for files started without one. */
export function declaredSize(info: Record<string, string>): number | undefined {
  const raw = info[SIZE_KEY];
  return raw !== undefined && /^\d{1,16}$/.test(raw) ? Number(raw) : undefined;
}
