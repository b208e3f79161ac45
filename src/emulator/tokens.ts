/**
 * Stateless, HMAC-signed tokens: the claims travel inside the token, so tokens survive a restart (the
 * secret is persisted with the account) and nothing grows per token minted. What a token may do is
 * still decided at use time from the key it names, so deleting a key revokes its tokens.
 *
 * Kinds: account token (b2_authorize_account), upload token (b2_get_upload_url, bound to bucket and
 * upload URL), part token (b2_get_upload_part_url, bound to large file and URL), download token
 * (b2_get_download_authorization: bucket + name prefix + optional header overrides).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type TokenClaims =
  | { kind: 'account'; keyId: string; serial: number; expiresAt: number }
  | { kind: 'upload'; keyId: string; serial: number; expiresAt: number; bucketId: string; urlId: string }
  | { kind: 'part'; keyId: string; serial: number; expiresAt: number; fileId: string; urlId: string }
  | {
      kind: 'download';
      keyId: string;
      serial: number;
      expiresAt: number;
      bucketId: string;
      prefix: string;
      overrides: Record<string, string>;
    };

export interface Tokens {
  mint(claims: TokenClaims): string;
  /** The claims of a token this emulator signed, or undefined for anything else. */
  read(token: string): TokenClaims | undefined;
  /** A fresh serial; later tokens always get a larger one (used to revoke everything minted so far). */
  nextSerial(): number;
}

export function createTokens(secret: string): Tokens {
  let lastSerial = 0;
  const sign = (payload: string) =>
    createHmac('sha256', secret).update(payload).digest('base64url').slice(0, 27);
  return {
    mint(claims) {
      const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
      return `4_${payload}.${sign(payload)}`;
    },
    read(token) {
      const m = /^4_([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{27})$/.exec(token);
      if (!m) return undefined;
      const expected = Buffer.from(sign(m[1]!));
      const given = Buffer.from(m[2]!);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
      try {
        return JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8')) as TokenClaims;
      } catch {
        return undefined;
      }
    },
    nextSerial() {
      // Wall-clock based so serials keep growing across restarts; +1 keeps them strictly increasing.
      lastSerial = Math.max(lastSerial + 1, Date.now() * 1000);
      return lastSerial;
    },
  };
}
