/**
 * Upload tokens: what keeps the broker stateless. A token is
 * `base64url(JSON claims) "." base64url(HMAC-SHA-256(secret, "b2up-upload-token.v1." + payload))`;
 * any broker instance holding the same secret verifies it, in constant time (crypto.subtle.verify).
 * WebCrypto only, so the handler runs in Node, Deno, Bun and edge runtimes alike.
 */

/** What a token binds. */
export interface UploadClaims {
  /** B2's large-file id. */
  uploadId: string;
  principalId: string;
  /** The final B2 name the broker chose. */
  fileName: string;
  /** Bytes declared at start; checked against the parts at finish. */
  size: number;
  /** ms since the epoch, by the broker's clock. */
  expiresAt: number;
  /**
   * A presigned small file only: what the client declared, which the confirm step compares with
   * what B2 stored (SHA-1 and MD5 as lower-case hex, the stored content type).
   */
  expected?: ExpectedContent;
  /** A large file whose parts go through presigned S3 UploadPart URLs: the part size agreed at start. */
  s3PartSize?: number;
}

export interface ExpectedContent {
  sha1: string;
  md5: string;
  contentType: string;
  /** The file-info keys the broker signed (lower-case): any other key was added by the sender. */
  infoKeys: string[];
}

export type TokenCheck =
  { ok: true; claims: UploadClaims } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

export interface TokenSigner {
  sign(claims: UploadClaims): Promise<string>;
  verify(token: string, now: number): Promise<TokenCheck>;
}

// Domain separation: a MAC made for anything else with the same secret never verifies as a token.
const CONTEXT = 'b2up-upload-token.v1.';
/** Longer tokens are refused before any work (a file name is at most 1024 bytes). */
const MAX_TOKEN_CHARS = 8192;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function createTokenSigner(secret: Uint8Array): TokenSigner {
  const keyBytes = new Uint8Array(secret); // a copy: later changes to the caller's array don't matter
  let key: Promise<CryptoKey> | undefined;
  const hmacKey = () => {
    key ??= crypto.subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]);
    return key;
  };
  const signed = (payload: string) => new TextEncoder().encode(`${CONTEXT}${payload}`);

  return {
    async sign(claims) {
      const payload = toBase64Url(
        new TextEncoder().encode(
          JSON.stringify({
            v: 1,
            u: claims.uploadId,
            p: claims.principalId,
            n: claims.fileName,
            s: claims.size,
            e: claims.expiresAt,
            ...(claims.expected
              ? {
                  x: [
                    claims.expected.sha1,
                    claims.expected.md5,
                    claims.expected.contentType,
                    claims.expected.infoKeys,
                  ],
                }
              : {}),
            ...(claims.s3PartSize === undefined ? {} : { ps: claims.s3PartSize }),
          }),
        ),
      );
      const signature = await crypto.subtle.sign('HMAC', await hmacKey(), signed(payload));
      return `${payload}.${toBase64Url(new Uint8Array(signature))}`;
    },

    async verify(token, now) {
      if (token.length > MAX_TOKEN_CHARS) return { ok: false, reason: 'malformed' };
      const [payload, signature, ...rest] = token.split('.');
      if (!payload || !signature || rest.length > 0) return { ok: false, reason: 'malformed' };
      if (!BASE64URL.test(payload) || !BASE64URL.test(signature)) return { ok: false, reason: 'malformed' };
      let mac: Uint8Array<ArrayBuffer>;
      try {
        mac = fromBase64Url(signature);
      } catch {
        return { ok: false, reason: 'malformed' };
      }
      const valid = await crypto.subtle.verify('HMAC', await hmacKey(), mac, signed(payload));
      if (!valid) return { ok: false, reason: 'bad_signature' };
      const claims = parseClaims(payload);
      if (!claims) return { ok: false, reason: 'malformed' };
      if (now >= claims.expiresAt) return { ok: false, reason: 'expired' };
      return { ok: true, claims };
    },
  };
}

function parseClaims(payload: string): UploadClaims | undefined {
  try {
    const raw = JSON.parse(new TextDecoder().decode(fromBase64Url(payload))) as Record<string, unknown>;
    const { v, u, p, n, s, e, x, ps } = raw;
    if (v !== 1 || typeof u !== 'string' || typeof p !== 'string' || typeof n !== 'string') return undefined;
    if (!Number.isSafeInteger(s) || !Number.isSafeInteger(e)) return undefined;
    const claims: UploadClaims = {
      uploadId: u,
      principalId: p,
      fileName: n,
      size: s as number,
      expiresAt: e as number,
    };
    if (ps !== undefined) {
      if (!Number.isSafeInteger(ps) || (ps as number) < 1) return undefined;
      claims.s3PartSize = ps as number;
    }
    if (x === undefined) return claims;
    if (!Array.isArray(x) || x.length !== 4) return undefined;
    const [sha1, md5, contentType, infoKeys] = x as unknown[];
    if (typeof sha1 !== 'string' || typeof md5 !== 'string' || typeof contentType !== 'string')
      return undefined;
    if (!Array.isArray(infoKeys) || !infoKeys.every((key) => typeof key === 'string')) return undefined;
    return { ...claims, expected: { sha1, md5, contentType, infoKeys } };
  } catch {
    return undefined;
  }
}

export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
