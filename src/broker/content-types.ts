/**
 * Which content types a browser may upload. Uploaded files are later served with the type they were
 * stored with — from B2's download domain, or from the app's own domain through a CDN or proxy. Types
 * a browser runs as a page or script would then execute the uploader's code in whoever opens the link
 * (stored XSS on the app's origin, phishing pages on a shared one), so they are refused by default.
 */
import { badRequest, Refusal } from './errors.js';

/**
 * Examples of what `isActiveContentType` refuses, for `/config`'s `blockedTypes` and the docs. The
 * rule itself is structural (below), so types missing from any list are refused too.
 */
export const ACTIVE_CONTENT_TYPES: readonly string[] = [
  'text/html',
  'application/xhtml+xml',
  'image/svg+xml',
  'text/xml',
  'application/xml',
  'text/xsl',
  'application/xslt+xml',
  'application/mathml+xml',
  'application/rdf+xml',
  'text/rdf',
  'multipart/x-mixed-replace',
  'message/rfc822',
  'text/javascript',
  'application/javascript',
  'application/x-javascript',
  'text/ecmascript',
  'application/ecmascript',
  'application/x-shockwave-flash',
];

/** The text types a browser shows as text (or downloads): everything else under text/ is refused. */
const PLAIN_TEXT_TYPES = new Set([
  'text/plain',
  'text/csv',
  'text/tab-separated-values',
  'text/markdown',
  'text/x-markdown',
  'text/calendar',
  'text/vcard',
  'text/vtt',
  'text/rtf',
]);
/** Top-level types whose every subtype a browser may render as a page (MHTML, server push). */
const DOCUMENT_FAMILIES = new Set(['multipart', 'message']);
/** Plug-in and legacy document types outside the structural rules. */
const ACTIVE_EXACT = new Set([
  'application/x-shockwave-flash',
  'application/futuresplash',
  'application/vnd.adobe.flash.movie',
  'application/hta',
  'application/x-ms-application',
]);

/**
 * True for a type a browser may run as a page or script (even with `nosniff`): every XML document
 * (`*\/xml`, `*\/*+xml`, `*\/xml-*`: XHTML, SVG, MathML, RDF, XSLT, feeds), every script type,
 * every `text/*` but plain-text ones (HTML, XSL, RDF, WML, unknown ones), every `multipart/*` and
 * `message/*`, and Flash. Refusing by shape rather than by list keeps the default safe for types no
 * list names; an app widens it by listing a type exactly in `limits.allowedTypes`.
 */
export function isActiveContentType(essence: string): boolean {
  const [family = '', subtype = ''] = essence.split('/', 2);
  if (DOCUMENT_FAMILIES.has(family) || ACTIVE_EXACT.has(essence)) return true;
  if (/(^|[+.-])xml($|[+.-])/.test(subtype)) return true;
  if (/(java|ecma|live|vb|j)script/.test(subtype)) return true;
  return family === 'text' && !PLAIN_TEXT_TYPES.has(essence);
}

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

/**
 * A type test built once from `limits.allowedTypes` (null = anything but active content). Active
 * content passes only when listed exactly: a wildcard (`text/*`, `*\/*`) never admits it.
 */
export function createTypePolicy(allowedTypes: readonly string[] | null): (essence: string) => boolean {
  if (allowedTypes === null) return (essence) => !isActiveContentType(essence);
  const exact = new Set(allowedTypes.filter((t) => !t.endsWith('/*')));
  const families = allowedTypes.filter((t) => t.endsWith('/*')).map((t) => t.slice(0, -1));
  return (essence) => {
    if (exact.has(essence)) return true;
    if (isActiveContentType(essence)) return false;
    return families.some((family) => family === '*/' || essence.startsWith(family));
  };
}

/**
 * The one type check of every upload path (large, small, direct, and any route an app adds): the
 * raw `Content-Type` normalised, then refused with 415 type_not_allowed unless the broker's policy
 * admits it. Returns the type to store.
 */
export function acceptContentType(
  raw: string | null | undefined,
  isAllowed: (essence: string) => boolean,
  allowedTypes: readonly string[] | null = null,
): { essence: string; stored: string } {
  const type = normaliseContentType(raw);
  if (!isAllowed(type.essence)) {
    const accepted = allowedTypes ? ` Accepted: ${allowedTypes.join(', ')}.` : '';
    throw new Refusal(415, 'type_not_allowed', `Files of type ${type.essence} are not accepted.${accepted}`);
  }
  return type;
}

/** Checks a pattern of `limits.allowedTypes` at construction: `type/subtype`, `type/*` or `*\/*`. */
export function isTypePattern(pattern: string): boolean {
  if (pattern === '*/*') return true;
  if (pattern.endsWith('/*')) return /^[a-z0-9!#$&^_.+-]+\/\*$/.test(pattern);
  return ESSENCE.test(pattern);
}
