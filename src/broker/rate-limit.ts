/**
 * The rate of upload starts per principal. The default limiter
 * lives in one broker instance's memory, so N instances behind a load balancer allow up to N times
 * the rate; apps that need one shared budget plug in their own (Redis, a database, the edge's KV).
 */

/** The answer to one start: go ahead, or come back after `retryAfterSeconds`. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** A pluggable limiter of starts (POST /uploads, POST /files, POST /files/target). */
export interface RateLimiter {
  /** Takes one start from `principalId`'s budget at time `now` (ms since the epoch). */
  take(principalId: string, now: number): RateDecision | Promise<RateDecision>;
}

/** Principals remembered before idle ones (with a full budget again) are dropped. */
const PRUNE_ABOVE = 10_000;

/**
 * A token bucket per principal: `perMinute` starts in a burst, refilled continuously at `perMinute`
 * per minute. State is created per call, never at module level.
 */
export function createMemoryRateLimiter(perMinute: number): RateLimiter {
  if (perMinute === Number.POSITIVE_INFINITY) return { take: () => ({ allowed: true }) };
  const perMs = perMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();

  const refilled = (bucket: { tokens: number; at: number }, now: number) =>
    Math.min(perMinute, bucket.tokens + Math.max(0, now - bucket.at) * perMs);

  const prune = (now: number) => {
    for (const [id, bucket] of buckets) if (refilled(bucket, now) >= perMinute) buckets.delete(id);
  };

  return {
    take(principalId, now) {
      if (buckets.size > PRUNE_ABOVE) prune(now);
      const bucket = buckets.get(principalId) ?? { tokens: perMinute, at: now };
      const tokens = refilled(bucket, now);
      if (tokens >= 1) {
        buckets.set(principalId, { tokens: tokens - 1, at: now });
        return { allowed: true };
      }
      buckets.set(principalId, { tokens, at: now });
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)) };
    },
  };
}
