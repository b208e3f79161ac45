/**
 * Account-token checks applied on every call: token valid and unexpired, capability held, bucket and
 * name-prefix restriction covering the target ("a key whose bucket/prefix restriction does
 * not cover the target → 401 unauthorized").
 */
import type { Capability } from '../b2/wire.js';
import type { EmulatorContext } from './context.js';
import { B2Failure, unauthorized } from './errors.js';
import type { KeyRecord } from './model.js';
import type { TokenClaims } from './tokens.js';

export interface Grant {
  key: KeyRecord;
  claims: TokenClaims;
}

/** Verifies any of our tokens (kind checked by the caller) and the key behind it. */
export function verifyToken(ctx: EmulatorContext, token: string | undefined): Grant {
  if (!token) throw new B2Failure(401, 'missing_auth_token', 'Authorization header is missing');
  const claims = ctx.tokens.read(token);
  const key = claims && ctx.store.get('keys', claims.keyId);
  if (!claims || !key) throw new B2Failure(401, 'bad_auth_token', 'Invalid authorization token');
  const now = ctx.clock.now();
  const revoked = claims.kind === 'account' && claims.serial <= ctx.account().revokedUpToSerial;
  if (revoked || now >= claims.expiresAt) {
    throw new B2Failure(401, 'expired_auth_token', 'Authorization token has expired');
  }
  return { key, claims };
}

export function verifyAccountToken(ctx: EmulatorContext, token: string | undefined): Grant {
  const grant = verifyToken(ctx, token);
  if (grant.claims.kind !== 'account')
    throw new B2Failure(401, 'bad_auth_token', 'Invalid authorization token');
  return grant;
}

export function requireCapability(grant: Grant, capability: Capability): void {
  if (!grant.key.capabilities.includes(capability)) throw unauthorized(`key lacks capability ${capability}`);
}

export function requireBucket(grant: Grant, bucketId: string): void {
  const allowed = grant.key.bucketIds;
  if (allowed && !allowed.includes(bucketId)) throw unauthorized('key is not allowed to access this bucket');
}

export function requireName(grant: Grant, fileName: string): void {
  const prefix = grant.key.namePrefix;
  if (prefix && !fileName.startsWith(prefix))
    throw unauthorized(`key is restricted to names starting with ${prefix}`);
}

/** Capability + bucket (+ name) in one step: what most file operations need. */
export function requireAccess(
  grant: Grant,
  capability: Capability,
  bucketId: string,
  fileName?: string,
): void {
  requireCapability(grant, capability);
  requireBucket(grant, bucketId);
  if (fileName !== undefined) requireName(grant, fileName);
}

export function requireAccount(ctx: EmulatorContext, accountId: unknown): void {
  if (accountId !== ctx.account().accountId)
    throw unauthorized('accountId does not match the authorization token');
}
