/**
 * Which origins may call the broker. The app's cookies ride along on broker calls, so a page on
 * another origin must not be able to make them (CSRF): a request carrying a foreign `Origin` is
 * refused with 403 origin_not_allowed unless that origin is listed in the `cors` option, and only
 * listed origins get CORS headers.
 */

/** Request headers the SDK sends (docs/broker-protocol.md). */
const ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'X-B2up-Upload-Token',
  'X-B2up-Name',
  'X-B2up-Content-Sha1',
  'X-B2up-Last-Modified',
  'X-B2up-Info',
].join(', ');
/** Browsers cache a preflight answer this long (s); Chromium caps it at 7200. */
const PREFLIGHT_MAX_AGE = 600;

export type OriginDecision =
  /** No Origin, or the broker's own: no CORS headers needed. */
  { kind: 'same-origin' } | { kind: 'allowed'; origin: string } | { kind: 'denied'; origin: string };

/** Exact origins (`https://app.example.com`); checked once at construction. */
export function normaliseOrigins(origins: readonly string[]): ReadonlySet<string> {
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.origin !== origin) {
      throw new TypeError(`cors.origins: '${origin}' is not an origin like https://app.example.com`);
    }
  }
  return new Set(origins);
}

/**
 * Same-origin compares hosts (name and port), not schemes: TLS is often ended by a proxy in front of
 * the broker, which then sees http:// for the page's https:// origin.
 */
export function decideOrigin(request: Request, url: URL, allowed: ReadonlySet<string>): OriginDecision {
  const origin = request.headers.get('Origin');
  if (origin === null) return { kind: 'same-origin' };
  if (allowed.has(origin)) return { kind: 'allowed', origin };
  let host: string | undefined;
  try {
    host = new URL(origin).host;
  } catch {
    host = undefined; // "null" (sandboxed frames, file://) and garbage: never same-origin.
  }
  return host === url.host ? { kind: 'same-origin' } : { kind: 'denied', origin };
}

/** Headers of an answer to an allowed cross-origin request. */
export function corsHeaders(origin: string): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Credentials': 'true',
    'Access-Control-Expose-Headers': 'Retry-After',
    Vary: 'Origin',
  };
}

/** The answer to an allowed preflight (OPTIONS with Access-Control-Request-Method). */
export function preflightHeaders(origin: string): Record<string, string> {
  return {
    ...corsHeaders(origin),
    'Access-Control-Allow-Methods': 'GET, POST, DELETE',
    'Access-Control-Allow-Headers': ALLOWED_HEADERS,
    'Access-Control-Max-Age': String(PREFLIGHT_MAX_AGE),
  };
}
