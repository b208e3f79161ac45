/**
 * Rate budgets on Redis, shared by every broker instance that points at the same server, so a user's
 * limits hold however many instances serve them. Counting is rate-limiter-flexible's (an atomic
 * INCRBY + expiry script per key: a fixed window of 60 s that starts at a key's first call), on an
 * ioredis connection. Node-only; ioredis and rate-limiter-flexible load only when this is used.
 *
 * When Redis can't be reached every take fails at once (no queueing), so the broker answers
 * 503 unavailable with Retry-After: it fails closed. ioredis keeps reconnecting; the budgets work
 * again as soon as Redis is back (a Redis without persistence starts them afresh).
 */
import type { Redis } from 'ioredis';
import type { RateBudgetName, RateDecision, RateLimiter, RateStore } from './rate-limit.js';
import { unlimitedRateLimiter } from './rate-limit.js';

export interface RedisRateStoreOptions {
  /** e.g. redis://127.0.0.1:6379/0 or rediss://user:pass@host:6380. Required. */
  url: string;
  /** Prefix of every key the store writes. Default 'b2up'. */
  keyPrefix?: string;
  /** Told when the connection fails or comes back (once per change). Default console.error. */
  onStatus?: (message: string) => void;
}

export interface RedisRateStore extends RateStore {
  /** Closes the connection; limiters then answer 503 unavailable. */
  close(): Promise<void>;
}

const WINDOW_SECONDS = 60;

/**
 * Connects to Redis and resolves once connected, so a wrong URL fails at start-up rather than at the
 * first upload; rejects with the connection error otherwise.
 */
export async function createRedisRateStore(options: RedisRateStoreOptions): Promise<RedisRateStore> {
  const [{ Redis: RedisClient }, { RateLimiterRedis, RateLimiterRes }] = await Promise.all([
    import('ioredis'),
    import('rate-limiter-flexible'),
  ]);
  const report = options.onStatus ?? ((message: string) => console.error(`b2up broker: ${message}`));
  const client: Redis = new RedisClient(options.url, {
    lazyConnect: true,
    // Fail each command at once while disconnected instead of queueing it: a request waiting on a
    // queue that never drains would hold its connection, which is what the limits are against.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
  });
  let up = false;
  client.on('ready', () => {
    if (!up) report(`Redis rate store connected (${redactedUrl(options.url)})`);
    up = true;
  });
  // 'close' comes once per lost connection, whatever the reason; 'error' (refused reconnects) needs a
  // listener so it isn't logged as unhandled, and says nothing 'close' didn't.
  client.on('close', () => {
    if (up) report('Redis rate store unreachable: answering 503 until it is back');
    up = false;
  });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw error;
  }
  const prefix = options.keyPrefix ?? 'b2up';

  const limiter = ({ name, perMinute }: { name: RateBudgetName; perMinute: number }): RateLimiter => {
    if (perMinute === Number.POSITIVE_INFINITY) return unlimitedRateLimiter;
    const counter = new RateLimiterRedis({
      storeClient: client,
      keyPrefix: `${prefix}:${name}`,
      points: perMinute,
      duration: WINDOW_SECONDS,
      rejectIfRedisNotReady: true,
    });
    return {
      async take(key, _now, cost = 1): Promise<RateDecision> {
        try {
          await counter.consume(key, cost);
          return { allowed: true };
        } catch (outcome) {
          // A RateLimiterRes is "over budget"; anything else is Redis failing (the caller fails closed).
          if (!(outcome instanceof RateLimiterRes)) throw outcome;
          return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(outcome.msBeforeNext / 1000)) };
        }
      },
    };
  };

  return {
    limiter,
    async close() {
      up = false;
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/** The URL without its password, for messages. */
function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the given URL';
  }
}
