/**
 * The key check at start-up, the shared account authorization, and how B2's failures reach clients.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createB2Client } from '../../src/b2/client.js';
import { type BrokerConfigCode, createBroker, isBrokerConfigError } from '../../src/broker/index.js';
import { serveBroker } from '../../src/broker/node.js';
import {
  as,
  bearerAuthorize,
  call,
  leakedSecrets,
  recordResponses,
  SECRET,
  start,
  startBroker,
  startWorld,
  type World,
} from './helpers.js';

let world: World;

beforeAll(async () => {
  world = await startWorld();
});

afterAll(async () => {
  await world?.close();
});

const instantRetries = { sleep: async () => {} };

async function refusal(promise: Promise<unknown>): Promise<{ code: BrokerConfigCode; message: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isBrokerConfigError(error)) throw new Error(`expected a BrokerConfigError, got ${String(error)}`);
  return error;
}

function brokerWithKey(key: { applicationKeyId: string; applicationKey: string }, bucket = world.bucketName) {
  return createBroker({
    b2: { ...key, bucket, realm: world.emulator.url, fetch: world.b2Fetch, retry: instantRetries },
    authorize: bearerAuthorize,
    secret: SECRET,
  });
}

describe('start-up key check', () => {
  it('refuses a key with writeKeys, and says so', async () => {
    const created = await world.admin.createKey({
      capabilities: ['writeKeys', 'writeFiles', 'readFiles'],
      keyName: 'wk',
    });
    world.secrets.values.add(created.applicationKey);
    const error = await refusal(brokerWithKey(created).ready());
    expect(error.code).toBe('key_can_write_keys');
    expect(error.message).toMatch(/writeKeys/);
  });

  it('refuses the master key (writeKeys, every bucket)', async () => {
    const error = await refusal(
      brokerWithKey({ applicationKeyId: world.emulator.keyId, applicationKey: world.emulator.key }).ready(),
    );
    expect(error.code).toBe('key_can_write_keys');
  });

  it('refuses a key without a bucket restriction', async () => {
    const created = await world.admin.createKey({
      capabilities: ['writeFiles', 'readFiles'],
      keyName: 'open',
    });
    world.secrets.values.add(created.applicationKey);
    const error = await refusal(brokerWithKey(created).ready());
    expect(error.code).toBe('key_not_bucket_restricted');
    expect(error.message).toMatch(/every bucket/);
  });

  it('refuses a key restricted to another bucket', async () => {
    const error = await refusal(brokerWithKey(world.key, 'some-other-bucket').ready());
    expect(error.code).toBe('key_bucket_mismatch');
    expect(error.message).toContain(world.bucketName);
  });

  it('refuses a key without writeFiles or readFiles', async () => {
    const created = await world.admin.createKey({
      capabilities: ['listFiles', 'writeFiles'],
      keyName: 'noread',
      bucketIds: [world.bucketId],
    });
    world.secrets.values.add(created.applicationKey);
    const error = await refusal(brokerWithKey(created).ready());
    expect(error.code).toBe('key_missing_capability');
    expect(error.message).toMatch(/readFiles/);
  });

  it('refuses a key whose namePrefix does not cover the broker’s names', async () => {
    const created = await world.admin.createKey({
      capabilities: ['writeFiles', 'readFiles'],
      keyName: 'prefixed',
      bucketIds: [world.bucketId],
      namePrefix: 'tenant-1/',
    });
    world.secrets.values.add(created.applicationKey);
    const error = await refusal(brokerWithKey(created).ready());
    expect(error.code).toBe('key_prefix_mismatch');
    const fitting = createBroker({
      b2: { ...created, bucket: world.bucketId, realm: world.emulator.url },
      authorize: bearerAuthorize,
      prefix: 'tenant-1/uploads',
    });
    await expect(fitting.ready()).resolves.toBeUndefined();
  });

  it('refuses wrong credentials with b2_authorization_failed', async () => {
    const error = await refusal(
      brokerWithKey({ applicationKeyId: world.key.applicationKeyId, applicationKey: 'wrong' }).ready(),
    );
    expect(error.code).toBe('b2_authorization_failed');
  });

  it('answers every request 503 with the reason until ready, and serveBroker refuses to start', async () => {
    const created = await world.admin.createKey({
      capabilities: ['writeKeys', 'writeFiles', 'readFiles'],
      keyName: 'wk2',
    });
    world.secrets.values.add(created.applicationKey);
    const broker = brokerWithKey(created);
    await expect(serveBroker(broker)).rejects.toMatchObject({
      name: 'BrokerConfigError',
      code: 'key_can_write_keys',
    });
    const served = await serveBroker(recordResponses(world, broker), { waitForReady: false });
    try {
      for (const path of ['/config', '/uploads']) {
        const r = await call(served.url, path, {
          method: path === '/config' ? 'GET' : 'POST',
          headers: as('alice'),
          json: path === '/config' ? undefined : { name: 'a', size: 1 },
        });
        expect(r.status).toBe(503);
        expect(r.body.code).toBe('unavailable');
        expect(r.body.message).toMatch(/writeKeys/);
        expect(r.headers.get('retry-after')).not.toBeNull();
      }
    } finally {
      await served.close();
    }
  });

  it('serves with the emulator’s master key only when unsafeAllowUnrestrictedKey is set', async () => {
    const broker = createBroker({
      b2: {
        applicationKeyId: world.emulator.keyId,
        applicationKey: world.emulator.key,
        bucket: world.bucketName,
        realm: world.emulator.url,
      },
      authorize: bearerAuthorize,
      unsafeAllowUnrestrictedKey: true,
    });
    await expect(broker.ready()).resolves.toBeUndefined();
    const missing = createBroker({
      b2: {
        applicationKeyId: world.emulator.keyId,
        applicationKey: world.emulator.key,
        bucket: 'no-such-bucket',
        realm: world.emulator.url,
      },
      authorize: bearerAuthorize,
      unsafeAllowUnrestrictedKey: true,
    });
    expect((await refusal(missing.ready())).code).toBe('bucket_not_found');
  });

  it('accepts an existing B2 client instead of credentials', async () => {
    const client = createB2Client({ ...world.key, realm: world.emulator.url, fetch: world.b2Fetch });
    const broker = await startBroker(world, { b2: { client, bucket: world.bucketId } });
    try {
      expect((await start(broker.url, 'alice', { name: 'a.bin', size: 10 })).status).toBe(200);
    } finally {
      await broker.close();
    }
  });
});

describe('account authorization', () => {
  it('authorizes once for many concurrent requests, and renews once when the token expires', async () => {
    world.emulator.counters.reset();
    const broker = await startBroker(world);
    try {
      const authorizations = () => world.emulator.counters.get('b2_authorize_account').requests;
      const many = await Promise.all(
        Array.from({ length: 12 }, (_, i) => start(broker.url, `u${i}`, { name: 'a', size: 10 })),
      );
      expect(many.map((r) => r.status)).toEqual(Array(12).fill(200));
      expect(authorizations()).toBe(1);
      expect(world.emulator.counters.get('b2_start_large_file').requests).toBe(12);

      world.emulator.expireAccountTokens();
      const after = await Promise.all(
        Array.from({ length: 8 }, (_, i) => start(broker.url, `v${i}`, { name: 'a', size: 10 })),
      );
      expect(after.map((r) => r.status)).toEqual(Array(8).fill(200));
      expect(authorizations()).toBe(2);
    } finally {
      await broker.close();
    }
  });
});

describe('B2 failures', () => {
  it('answers 503 unavailable with Retry-After when B2 stays unavailable', async () => {
    const broker = await startBroker(world, {
      b2: {
        ...world.key,
        bucket: world.bucketName,
        realm: world.emulator.url,
        fetch: world.b2Fetch,
        retry: instantRetries,
      },
    });
    const disarm = world.emulator.faults.add({
      endpoints: ['b2_start_large_file'],
      fault: '503',
      count: Number.POSITIVE_INFINITY,
    });
    try {
      const r = await start(broker.url, 'alice', { name: 'a', size: 10 });
      expect(r.status).toBe(503);
      expect(r.body.code).toBe('unavailable');
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      disarm();
      await broker.close();
    }
  });

  it('answers 502 b2_error with B2’s status and code when B2 refuses for a reason the client can’t fix', async () => {
    const broker = await startBroker(world);
    const disarm = world.emulator.faults.add({ endpoints: ['b2_start_large_file'], fault: 'cap_exceeded' });
    try {
      const r = await start(broker.url, 'alice', { name: 'a', size: 10 });
      expect(r.status).toBe(502);
      expect(r.body).toMatchObject({ code: 'b2_error', b2: { status: 403, code: 'cap_exceeded' } });
      expect(r.body.message).not.toMatch(/storage cap/); // B2's own message is not passed on
    } finally {
      disarm();
      await broker.close();
    }
  });

  it('never puts the B2 key, key id or account token in a response', () => {
    expect(world.responses.length).toBeGreaterThan(20);
    expect(leakedSecrets(world)).toEqual([]);
  });
});
