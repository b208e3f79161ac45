/**
 * Idle upload URLs, per bucket (b2_get_upload_url) or per large file (b2_get_upload_part_url).
 * B2: reuse a URL serially until it fails, never by two requests at once. A URL is taken out
 * of the pool while in use, so exclusivity holds by construction; failed URLs are simply not returned.
 */
import type { UploadTarget, UploadTargetSource } from './upload.js';

export interface UploadUrlPool {
  /** The source for one bucket id or large-file id. */
  sourceFor(key: string): UploadTargetSource;
  /** Drops idle URLs of a key, e.g. once a large file is finished or cancelled. */
  forget(key: string): void;
}

/** Upload tokens live up to 24 h; stop reusing an idle one well before that. */
const MAX_IDLE_AGE_MS = 23 * 60 * 60 * 1000;

interface PooledTarget extends UploadTarget {
  fetchedAt: number;
}

export function createUploadUrlPool(
  fetchTarget: (key: string, signal?: AbortSignal) => Promise<UploadTarget>,
  now: () => number = Date.now,
): UploadUrlPool {
  const idle = new Map<string, PooledTarget[]>();

  const takeIdle = (key: string): PooledTarget | undefined => {
    const list = idle.get(key);
    for (let target = list?.pop(); target; target = list?.pop()) {
      if (now() - target.fetchedAt < MAX_IDLE_AGE_MS) return target;
    }
    return undefined;
  };

  return {
    sourceFor(key) {
      return {
        async acquire(signal) {
          const reusable = takeIdle(key);
          if (reusable) return reusable;
          const fresh = await fetchTarget(key, signal);
          return {
            uploadUrl: fresh.uploadUrl,
            authorizationToken: fresh.authorizationToken,
            fetchedAt: now(),
          };
        },
        release(target) {
          const list = idle.get(key) ?? [];
          list.push(target as PooledTarget);
          idle.set(key, list);
        },
        discard() {
          // Nothing to do: a discarded target is just never put back.
        },
      };
    },
    forget(key) {
      idle.delete(key);
    },
  };
}
