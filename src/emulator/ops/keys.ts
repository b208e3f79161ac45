/** b2_authorize_account and the application-key operations. */
import { timingSafeEqual } from 'node:crypto';
import { ALL_CAPABILITIES, BUCKET_KEY_CAPABILITIES, type Capability, Limits } from '../../b2/wire.js';
import { requireAccount, requireCapability } from '../auth.js';
import type { EmulatorContext } from '../context.js';
import { B2Failure, badRequest } from '../errors.js';
import type { Exchange } from '../exchange.js';
import { newKeyId, newKeySecret } from '../ids.js';
import type { KeyRecord } from '../model.js';
import { optInt, optString, optStringArray, pageSize, reqString } from '../params.js';
import { authorizeShape, keyShape } from '../shapes.js';
import type { JsonHandler } from './types.js';

/** Bad credentials: recorded real v2 traffic answers 401 bad_auth_token with a Basic challenge. */
const badCredentials = () =>
  new B2Failure(401, 'bad_auth_token', '', { 'WWW-Authenticate': 'BASIC realm="authorize_account"' });

function findKey(ctx: EmulatorContext, keyId: string): KeyRecord | undefined {
  const key = ctx.store.get('keys', keyId);
  if (key) return key;
  // The account id may stand in for the master key's id.
  if (keyId === ctx.account().accountId) return ctx.store.values('keys').find((k) => k.master);
  return undefined;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function authorizeAccount(x: Exchange): Promise<void> {
  const { ctx, version } = x;
  const m = /^Basic\s+(\S+)$/i.exec(x.header('authorization') ?? '');
  const decoded = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  const key = colon > 0 ? findKey(ctx, decoded.slice(0, colon)) : undefined;
  if (!key || !sameSecret(key.applicationKey, decoded.slice(colon + 1))) throw badCredentials();
  const now = ctx.clock.now();
  if (key.expirationTimestamp !== null && now >= key.expirationTimestamp) throw badCredentials();
  if (version !== 'v4' && key.bucketIds && key.bucketIds.length > 1) {
    throw new B2Failure(401, 'unsupported', 'multi-bucket keys can only be used with b2api/v4');
  }
  const expiresAt = Math.min(
    now + Limits.tokenLifetimeMs,
    key.expirationTimestamp ?? Number.POSITIVE_INFINITY,
  );
  const accountId = ctx.account().accountId;
  const token = ctx.tokens.mint({
    kind: 'account',
    keyId: key.applicationKeyId,
    serial: ctx.tokens.nextSerial(),
    expiresAt,
  });
  const buckets = key.bucketIds?.map((id) => ({
    id,
    name: ctx.store.get('buckets', id)?.bucketName ?? null,
  }));
  const body = authorizeShape(version, {
    accountId,
    token,
    baseUrl: x.baseUrl,
    settings: ctx.settings,
    key,
    buckets: buckets ?? null,
  });
  await x.sendJson(200, body);
}

export const createKey: JsonHandler = (x, p, grant) => {
  const { ctx } = x;
  requireAccount(ctx, p.accountId);
  requireCapability(grant, 'writeKeys');
  const capabilities = optStringArray(p, 'capabilities');
  if (!capabilities?.length) throw badRequest('capabilities must be a non-empty list');
  for (const c of capabilities) {
    if (!ALL_CAPABILITIES.includes(c as Capability)) throw badRequest(`unknown capability: ${c}`);
  }
  const keyName = reqString(p, 'keyName');
  if (!/^[A-Za-z0-9-]{1,100}$/.test(keyName))
    throw badRequest('keyName must be 1 to 100 letters, digits or -');
  const seconds = optInt(p, 'validDurationInSeconds');
  if (seconds !== undefined && (seconds < 1 || seconds >= Limits.maxKeySeconds)) {
    throw badRequest(`validDurationInSeconds must be 1 to ${Limits.maxKeySeconds - 1}`);
  }
  const single = optString(p, 'bucketId');
  const many = optStringArray(p, 'bucketIds');
  const bucketIds = many ?? (single !== undefined ? [single] : null);
  for (const id of bucketIds ?? []) {
    if (!ctx.store.get('buckets', id))
      throw new B2Failure(400, 'bad_bucket_id', `Bucket ${id} does not exist`);
  }
  if (bucketIds?.length === 0) throw badRequest('bucketIds must not be empty');
  if (bucketIds && capabilities.some((c) => !BUCKET_KEY_CAPABILITIES.includes(c as Capability))) {
    throw badRequest('capabilities not allowed for a key restricted to a bucket');
  }
  const namePrefix = optString(p, 'namePrefix') ?? null;
  if (namePrefix !== null && !bucketIds && x.version !== 'v4') {
    throw badRequest('namePrefix requires bucketId');
  }
  const key: KeyRecord = {
    applicationKeyId: newKeyId(ctx.account().accountId),
    applicationKey: newKeySecret(),
    keyName,
    capabilities: capabilities as Capability[],
    expirationTimestamp: seconds === undefined ? null : ctx.clock.now() + seconds * 1000,
    bucketIds,
    namePrefix,
    master: false,
  };
  ctx.store.put('keys', key.applicationKeyId, key);
  return { ...keyShape(ctx.account().accountId, key, x.version), applicationKey: key.applicationKey };
};

export const listKeys: JsonHandler = (x, p, grant) => {
  const { ctx } = x;
  requireAccount(ctx, p.accountId);
  requireCapability(grant, 'listKeys');
  const max = pageSize(p, 'maxKeyCount', Limits.listKeys);
  const start = optString(p, 'startApplicationKeyId') ?? '';
  const keys = ctx.store
    .values('keys')
    // Multi-bucket keys are invisible to v1–v3 list calls.
    .filter(
      (k) =>
        !k.master && k.applicationKeyId >= start && (x.version === 'v4' || (k.bucketIds?.length ?? 0) <= 1),
    )
    .sort((a, b) => (a.applicationKeyId < b.applicationKeyId ? -1 : 1));
  const page = keys.slice(0, max);
  return {
    keys: page.map((k) => keyShape(ctx.account().accountId, k, x.version)),
    nextApplicationKeyId: keys[max]?.applicationKeyId ?? null,
  };
};

export const deleteKey: JsonHandler = (x, p, grant) => {
  const { ctx } = x;
  requireCapability(grant, 'deleteKeys');
  const id = reqString(p, 'applicationKeyId');
  const key = ctx.store.get('keys', id);
  if (!key || key.master) throw badRequest(`Key ${id} does not exist`);
  ctx.store.delete('keys', id);
  return keyShape(ctx.account().accountId, key, x.version);
};
