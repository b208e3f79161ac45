/**
 * Which content types a browser may upload. Uploaded files are later served with the type they were
 * stored with — from B2's download domain, or from the app's own domain through a CDN or proxy. Types
 * a browser runs as a page or script would then execute the uploader's code in whoever opens the link
 * (stored XSS on the app's origin, phishing pages on a shared one), so they are refused by default.
 */
import { badRequest, Refusal } from './errors.js';

/**
 * Refused unless listed exactly in `limits.allowedTypes` (a wildcard like `text/*` never admits them):
 * documents browsers render with script (HTML, XHTML, SVG, XML with XHTML/XSLT), scripts, and Flash.
 */
export const ACTIVE_CONTENT_TYPES: readonly string[] = [
  'text/html',
  'application/xhtml+xml',
  'image/svg+xml',
  'text/xml',
  'application/xml',
  'text/xsl',
  'application/xslt+xml',
  'text/javascript',
  'application/javascript',
  'application/x-javascript',
  'text/ecmascript',
  'application/ecmascript',
  'application/x-shockwave-flash',
];

const ESSENCE = /^([a-z0-9!#$&^_.+-]+)\/([a-z0-9!#$&^_.+-]+)$/;
const CHARSET = /;\s*charset\s*=\s*"?([a-z0-9_.:-]{1,40})"?\s*(?:;|$)/i;

/** Used when the browser sends no type: B2 serves it as a download, never renders it. */
const DEFAULT_TYPE = 'application/octet-stream';

/**
 * The type to store: the lower-cased essence (`type/subtype`) plus a `charset` parameter if one was
 * given. `b2/x-auto` is refused: B2 would pick the type from the name's extension, turning
 * `x.html` into text/html behind the type check.
 */
export function normaliseContentType(raw: string | null | undefined): { essence: string; stored: string } {
  const value = (raw ?? '').trim();
  if (value === '') return { essence: DEFAULT_TYPE, stored: DEFAULT_TYPE };
  const essence = (value.split(';', 1)[0] ?? '').trim().toLowerCase();
  if (!ESSENCE.test(essence) || value.length > 200) throw badRequest('contentType is not a valid MIME type');
  if (essence === 'b2/x-auto') {
    throw new Refusal(415, 'type_not_allowed', 'b2/x-auto is not accepted: send the file’s own type');
  }
  const charset = CHARSET.exec(value)?.[1];
  return { essence, stored: charset ? `${essence}; charset=${charset.toLowerCase()}` : essence };
}

/** A type test built once from `limits.allowedTypes` (null = anything but active content). */
export function createTypePolicy(allowedTypes: readonly string[] | null): (essence: string) => boolean {
  const blocked = new Set(ACTIVE_CONTENT_TYPES);
  if (allowedTypes === null) return (essence) => !blocked.has(essence);
  const exact = new Set(allowedTypes.filter((t) => !t.endsWith('/*')));
  const families = allowedTypes.filter((t) => t.endsWith('/*')).map((t) => t.slice(0, -1));
  return (essence) => {
    if (exact.has(essence)) return true;
    if (blocked.has(essence)) return false;
    return families.some((family) => family === '*/' || essence.startsWith(family));
  };
}

/** Checks a pattern of `limits.allowedTypes` at construction: `type/subtype`, `type/*` or `*\/*`. */
export function isTypePattern(pattern: string): boolean {
  if (pattern === '*/*') return true;
  if (pattern.endsWith('/*')) return /^[a-z0-9!#$&^_.+-]+\/\*$/.test(pattern);
  return ESSENCE.test(pattern);
}
