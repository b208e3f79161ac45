/**
 * Idle upload URLs, per bucket (b2_get_upload_url) or per large file (b2_get_upload_part_url, or a
 * broker's part URLs). B2: reuse a URL serially until it fails, never by two requests at once. A URL
 * is taken out of the pool while in use, so exclusivity holds by construction; failed URLs are
 * simply not returned.
 */
import type { UploadTarget, UploadTargetSource } from './target-upload.js';

export interface UploadUrlPool {
  /** The source for one bucket id or large-file id. */
  sourceFor(key: string): UploadTargetSource;
  /** Fetches `count` URLs of a key at once (where the fetch can batch), so N senders start with N URLs. */
  prefetch(key: string, count: number, signal?: AbortSignal): Promise<void>;
  /** Drops idle URLs of a key, e.g. once a large file is finished or cancelled. */
  forget(key: string): void;
}

/** Fetches `count` (≥ 1) fresh targets for a key; it may return them from one call or several. */
export type FetchTargets = (key: string, count: number, signal?: AbortSignal) => Promise<UploadTarget[]>;

/** Upload tokens live up to 24 h; stop reusing an idle one well before that. */
const MAX_IDLE_AGE_MS = 23 * 60 * 60 * 1000;

interface PooledTarget extends UploadTarget {
  fetchedAt: number;
}

export function createUploadUrlPool(fetchTargets: FetchTargets, now: () => number = Date.now): UploadUrlPool {
  const idle = new Map<string, PooledTarget[]>();

  const takeIdle = (key: string): PooledTarget | undefined => {
    const list = idle.get(key);
    for (let target = list?.pop(); target; target = list?.pop()) {
      if (now() - target.fetchedAt < MAX_IDLE_AGE_MS) return target;
    }
    return undefined;
  };
  const give = (key: string, target: PooledTarget) => {
    const list = idle.get(key) ?? [];
    list.push(target);
    idle.set(key, list);
  };
  const fetchFresh = async (key: string, count: number, signal?: AbortSignal): Promise<PooledTarget[]> => {
    const fresh = await fetchTargets(key, count, signal);
    if (fresh.length === 0) throw new Error('no upload URL was handed out');
    const fetchedAt = now();
    return fresh.map((target) => ({
      uploadUrl: target.uploadUrl,
      authorizationToken: target.authorizationToken,
      fetchedAt,
    }));
  };

  return {
    sourceFor(key) {
      return {
        async acquire(signal) {
          return takeIdle(key) ?? (await fetchFresh(key, 1, signal))[0]!;
        },
        release: (target) => give(key, target as PooledTarget),
        discard() {
          // Nothing to do: a discarded target is just never put back.
        },
      };
    },
    async prefetch(key, count, signal) {
      if (count > 0) for (const target of await fetchFresh(key, count, signal)) give(key, target);
    },
    forget(key) {
      idle.delete(key);
    },
  };
}
