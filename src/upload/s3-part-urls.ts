/**
 * Presigned S3 part URLs as the retry loop's target source. A URL is bound to one part number, so
 * each part draws from its own source (`sourceFor(n)`); the URLs are fetched in batches, the part
 * asked for plus the next parts waiting to be sent, so N parts cost one broker call rather than N.
 * A URL that failed (expired, 5xx, no answer) is dropped and the next acquire signs a fresh one;
 * one near its expiry is never handed out.
 */
import type { UploadTarget, UploadTargetSource } from '../b2/target-upload.js';
import type { S3PartUrl } from './broker-client.js';

/** Part numbers per `s3-part-urls` call: the protocol's maximum (docs/broker-protocol.md). */
export const S3_URL_BATCH = 16;

/** Share of a URL's lifetime it is handed out in; the rest covers the request's own start. */
const USABLE_SHARE = 0.75;

export interface S3PartUrls {
  /** Signs URLs for the first parts to be sent, so every sender starts at once. */
  prefetch(signal?: AbortSignal): Promise<void>;
  /** The target source of part `partNumber`. */
  sourceFor(partNumber: number): UploadTargetSource;
}

export type FetchS3PartUrls = (partNumbers: number[], signal?: AbortSignal) => Promise<S3PartUrl[]>;

/** A signed URL and how long it may be handed out (this client's clock). */
interface SignedTarget extends UploadTarget {
  usableUntil: number;
}

/**
 * `upcoming()` lists the part numbers still waiting to be sent, in order: each fetch signs the part
 * asked for and as many of those as fit in one call.
 */
export function createS3PartUrls(
  fetchUrls: FetchS3PartUrls,
  upcoming: () => number[],
  now: () => number = Date.now,
): S3PartUrls {
  const ready = new Map<number, SignedTarget>();
  const signing = new Map<number, Promise<void>>();
  const fresh = (target: SignedTarget | undefined): target is SignedTarget =>
    target !== undefined && now() < target.usableUntil;

  const fetchBatch = (partNumbers: number[], signal?: AbortSignal): Promise<void> => {
    const batch = (async () => {
      const fetchedAt = now();
      for (const part of await fetchUrls(partNumbers, signal)) {
        ready.set(part.partNumber, {
          uploadUrl: part.url,
          // The URL carries its own signature: no token goes with it.
          authorizationToken: '',
          usableUntil: fetchedAt + lifetimeMs(part.url) * USABLE_SHARE,
        });
      }
    })();
    for (const n of partNumbers) signing.set(n, batch);
    const settled = () => {
      for (const n of partNumbers) if (signing.get(n) === batch) signing.delete(n);
    };
    batch.then(settled, settled);
    return batch;
  };

  const take = (partNumber: number): SignedTarget | undefined => {
    const target = ready.get(partNumber);
    ready.delete(partNumber);
    return fresh(target) ? target : undefined;
  };

  const unsigned = (partNumbers: number[]) =>
    partNumbers.filter((n) => !signing.has(n) && !fresh(ready.get(n)));

  return {
    async prefetch(signal) {
      const first = unsigned(upcoming()).slice(0, S3_URL_BATCH);
      if (first.length > 0) await fetchBatch(first, signal);
    },
    sourceFor(partNumber) {
      return {
        async acquire(signal) {
          const waiting = signing.get(partNumber);
          // Another sender's batch may be signing this part already; if it failed, sign it here.
          if (waiting) await waiting.catch(() => undefined);
          let target = take(partNumber);
          if (target) return target;
          const others = unsigned(upcoming()).filter((n) => n !== partNumber);
          await fetchBatch([partNumber, ...others].slice(0, S3_URL_BATCH), signal);
          target = take(partNumber);
          if (!target) throw new Error(`the broker signed no URL for part ${partNumber}`);
          return target;
        },
        release(target) {
          // Unused (an interrupted acquire), or its part is stored: still good until it expires.
          ready.set(partNumber, target as SignedTarget);
        },
        discard() {
          // Nothing to do: a failed URL is simply never handed out again.
        },
      };
    },
  };
}

/**
 * A SigV4 presigned URL's lifetime (`X-Amz-Expires`, seconds from signing), in ms. Measured from
 * when this client received it, so the broker's clock never matters. A URL without one is used
 * until B2 refuses it.
 */
function lifetimeMs(url: string): number {
  const seconds = Number(new URL(url).searchParams.get('X-Amz-Expires') ?? Number.NaN);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : Number.POSITIVE_INFINITY;
}
