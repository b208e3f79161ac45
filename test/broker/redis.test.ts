/**
 * The Redis rate store against a real redis-server: three broker instances, each with its own
 * connection as separate machines would have, share one user's budgets exactly; Redis going away
 * mid-run makes them answer 503 unavailable (fail closed) without crashing, and they recover when it
 * is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisRateStore, type RedisRateStore } from '../../src/broker/node.js';
import {
  as,
  call,
  MIN_PART,
  type Reply,
  type RunningBroker,
  start,
  startBroker,
  startWorld,
  type World,
} from './helpers.js';
import { type RunningRedis, startRedis } from './redis-server.js';

const STARTS_PER_MINUTE = 10;

let world: World;
let redis: RunningRedis;
let stores: RedisRateStore[] = [];
let brokers: RunningBroker[] = [];
const status: string[] = [];

beforeAll(async () => {
  world = await startWorld();
  redis = await startRedis();
  stores = await Promise.all(
    [1, 2, 3].map(() => createRedisRateStore({ url: redis.url, onStatus: (m) => status.push(m) })),
  );
  brokers = await Promise.all(
    stores.map((rateStore) =>
      startBroker(world, {
        limits: { startsPerMinute: STARTS_PER_MINUTE, uploadCallsPerUploadPerMinute: 20, rateStore },
      }),
    ),
  );
});

afterAll(async () => {
  await Promise.all(brokers.map((b) => b.close()));
  await Promise.all(stores.map((s) => s.close()));
  await redis?.kill();
  await world?.close();
});

const startOn = (i: number, user: string) =>
  start(brokers[i % brokers.length]!.url, user, { name: 'r.bin', size: 4 * MIN_PART });

describe('Redis rate store', () => {
  it('shares one user’s start budget across three instances exactly', async () => {
    const burst = await Promise.all(Array.from({ length: 25 }, (_, i) => startOn(i, 'shared-user')));
    expect(burst.filter((r) => r.status === 200)).toHaveLength(STARTS_PER_MINUTE);
    const refused = burst.filter((r) => r.status === 429);
    expect(refused).toHaveLength(25 - STARTS_PER_MINUTE);
    for (const r of refused) {
      expect(r.body.code).toBe('rate_limited');
      expect(Number(r.headers.get('Retry-After'))).toBeGreaterThan(0);
    }
    // Another user has a budget of their own.
    expect((await startOn(0, 'other-user')).status).toBe(200);
  });

  it('shares one upload’s call budget across instances', async () => {
    const s = (await startOn(0, 'calls-user')).body;
    const answers: Reply[] = [];
    for (let i = 0; i < 6; i++) {
      answers.push(
        await call(brokers[i % 3]!.url, `/uploads/${encodeURIComponent(s.uploadId)}/part-urls`, {
          method: 'POST',
          headers: { ...as('calls-user'), 'X-B2up-Upload-Token': s.token },
          json: { count: 4 }, // 5 of the upload's 20 calls a minute each
        }),
      );
    }
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 429, 429]);
  });

  it('fails closed with 503 while Redis is gone, never crashes, and recovers when it is back', async () => {
    await redis.kill();
    const during = await Promise.all([0, 1, 2].map((i) => startOn(i, 'outage-user')));
    for (const r of during) {
      expect(r.status).toBe(503);
      expect(r.body.code).toBe('unavailable');
      expect(r.headers.get('Retry-After')).toBe('5');
    }
    // The rest of the broker still serves.
    for (const broker of brokers) expect((await call(broker.url, '/config')).status).toBe(200);

    redis = await startRedis(redis.port);
    let after: Reply | undefined;
    // ioredis reconnects on its own (backoff up to 2 s); poll each instance until it has.
    for (const i of [0, 1, 2]) {
      for (let attempt = 0; attempt < 200; attempt++) {
        after = await startOn(i, `recovered-${i}`);
        if (after.status !== 503) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(after?.status).toBe(200);
    }
    expect(status.some((m) => m.includes('unreachable'))).toBe(true);
  });
});
