/**
 * Rate budgets: upload starts per principal, and the B2 calls per-upload calls cause, per principal
 * and per upload. A `RateStore` makes one limiter per budget. The default store keeps them in one
 * broker instance's memory, so N instances behind a load balancer allow up to N times the rate; a
 * shared store (Redis: createRedisRateStore in `b2up/broker/node`) makes them hold across instances.
 */

/** The answer to one take: go ahead, or come back after `retryAfterSeconds`. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** One budget's limiter. */
export interface RateLimiter {
  /**
   * Takes `cost` (default 1) from `key`'s budget at time `now` (ms since the epoch). A throw or a
   * rejection means the limiter can't decide: the broker answers 503 unavailable (fails closed).
   */
  take(key: string, now: number, cost?: number): RateDecision | Promise<RateDecision>;
}

/** The budgets a broker keeps. */
export type RateBudgetName = 'starts' | 'upload-calls-per-user' | 'upload-calls-per-upload';

/** Where budgets live: one limiter per budget, `perMinute` units per minute for each key. */
export interface RateStore {
  limiter(budget: { name: RateBudgetName; perMinute: number }): RateLimiter;
}

/** Keys remembered before idle ones (with a full budget again) are dropped. */
const PRUNE_ABOVE = 10_000;

/** Lets everything through: the limiter of a budget of Infinity. */
export const unlimitedRateLimiter: RateLimiter = { take: () => ({ allowed: true }) };

/** The default store: token buckets in this instance's memory. */
export const memoryRateStore: RateStore = {
  limiter: ({ perMinute }) => createMemoryRateLimiter(perMinute),
};

/**
 * A token bucket per key: `perMinute` in a burst, refilled continuously at `perMinute` per minute.
 * State is created per call, never at module level.
 */
export function createMemoryRateLimiter(perMinute: number): RateLimiter {
  if (perMinute === Number.POSITIVE_INFINITY) return unlimitedRateLimiter;
  const perMs = perMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();

  const refilled = (bucket: { tokens: number; at: number }, now: number) =>
    Math.min(perMinute, bucket.tokens + Math.max(0, now - bucket.at) * perMs);

  const prune = (now: number) => {
    for (const [id, bucket] of buckets) if (refilled(bucket, now) >= perMinute) buckets.delete(id);
  };

  return {
    take(key, now, cost = 1) {
      if (buckets.size > PRUNE_ABOVE) prune(now);
      const bucket = buckets.get(key) ?? { tokens: perMinute, at: now };
      const tokens = refilled(bucket, now);
      if (tokens >= cost) {
        buckets.set(key, { tokens: tokens - cost, at: now });
        return { allowed: true };
      }
      buckets.set(key, { tokens, at: now });
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((cost - tokens) / perMs / 1000)) };
    },
  };
}
