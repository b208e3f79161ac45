/**
 * Final B2 names. The broker, not the browser, chooses them: by default
 * `<prefix>/<uuid>/<safe name>`, where the safe name is the user's name made harmless for every tool
 * that later lists, syncs or downloads the bucket. B2 itself only requires 1..1024 UTF-8 bytes and no
 * C0 or DEL.
 */
import { Limits } from '../b2/wire.js';
import { badRequest } from './errors.js';

/** UTF-8 bytes kept of the user's name in the final B2 name (older B2 docs cap a segment at 250). */
export const SAFE_NAME_MAX_BYTES = 200;
const FALLBACK = 'file';

// Controls (C0, DEL, C1), format characters (bidi overrides and isolates, zero-width joiners,
// soft hyphen, BOM), line/paragraph separators, and lone surrogates.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;
// Path separators and the characters that look like them (fraction, division and fullwidth slashes).
const SEPARATORS = /[/\\\u2044\u2215\u2216\u29f5\u29f8\u29f9\ufe68\uff0f\uff3c]/u;
const EDGE_DOTS_AND_SPACES = /^[.\s]+|[.\s]+$/gu;
// An extension worth keeping when the name is cut: short, no spaces.
const EXTENSION = /\.[\p{L}\p{N}_-]{1,16}$/u;

const utf8 = new TextEncoder();
export const byteLength = (value: string) => utf8.encode(value).length;

/** Replaces lone surrogates with U+FFFD so the string encodes to UTF-8 (String#toWellFormed, ES2024). */
export function wellFormed(value: string): string {
  return value.replace(/\p{Cs}/gu, '\ufffd');
}

/**
 * The user's name made safe: NFC, no directory parts (`../`, `C:\`), no invisible or control
 * characters (RTL overrides that disguise `exe.pdf`, CR/LF), whitespace collapsed, no leading or
 * trailing dots, at most SAFE_NAME_MAX_BYTES (extension kept); 'file' when nothing is left.
 */
export function safeFileName(userName: string): string {
  const visible = userName.normalize('NFC').replace(INVISIBLE, '');
  const segments = visible.split(SEPARATORS).map((s) => s.replace(/\s+/gu, ' ').trim());
  const last = segments.filter((s) => s.replace(EDGE_DOTS_AND_SPACES, '') !== '').at(-1) ?? '';
  const name = truncateKeepingExtension(last.replace(EDGE_DOTS_AND_SPACES, ''), SAFE_NAME_MAX_BYTES);
  return name === '' ? FALLBACK : name;
}

function truncateKeepingExtension(name: string, maxBytes: number): string {
  if (byteLength(name) <= maxBytes) return name;
  const extension = EXTENSION.exec(name)?.[0] ?? '';
  const stem = name.slice(0, name.length - extension.length);
  return `${truncateUtf8(stem, maxBytes - byteLength(extension)).trimEnd()}${extension}`;
}

/** The longest prefix of `value` (whole code points) within `maxBytes` of UTF-8. */
export function truncateUtf8(value: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const codePoint of value) {
    bytes += byteLength(codePoint);
    if (bytes > maxBytes) break;
    end += codePoint.length;
  }
  return value.slice(0, end);
}

/** `prefix` option → '' or 'a/b/' (slashes trimmed; checked at construction). */
export function normalisePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  if (
    /[\p{Cc}\\]/u.test(trimmed) ||
    trimmed.includes('//') ||
    trimmed.split('/').some((s) => s === '..' || s === '.')
  ) {
    throw new TypeError(`prefix '${prefix}' must be plain path segments without control characters`);
  }
  if (byteLength(trimmed) > 512) throw new TypeError('prefix must be at most 512 UTF-8 bytes');
  return `${trimmed}/`;
}

/** `<prefix>/<uuid>/<safe name>`: the uuid keeps two users' `photo.jpg` apart and names unguessable. */
export function defaultFileName(prefix: string, userName: string, uuid: string): string {
  return `${prefix}${uuid}/${safeFileName(userName)}`;
}

/**
 * Checks a name from the app's `name()` hook against B2's rules (1..1024 bytes, no C0/DEL) and the
 * key's name prefix: B2 would refuse the first, and the second would fail later with 401.
 */
export function checkFinalName(name: unknown, keyNamePrefix: string | null): string {
  if (typeof name !== 'string' || name === '') throw badRequest('the name() hook returned an empty name');
  if (/\p{Cs}/u.test(name)) throw badRequest('the name() hook returned invalid Unicode');
  if (byteLength(name) > Limits.maxFileNameBytes) {
    throw badRequest(`the final name is over B2's ${Limits.maxFileNameBytes} bytes`);
  }
  // eslint-disable-next-line no-control-regex -- B2 forbids exactly these.
  if (/[\u0000-\u001f\u007f]/.test(name)) throw badRequest('the final name contains control characters');
  if (keyNamePrefix !== null && !name.startsWith(keyNamePrefix)) {
    throw badRequest('the final name lies outside the name prefix of the broker’s key');
  }
  return name;
}
