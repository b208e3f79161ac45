import type { UploadResult } from './broker-client.js';

/**
 * Two tabs never upload the same file at once (SPEC §2): each large upload runs inside a Web Lock
 * named after the file's fingerprint. A second tab waits for the lock; if the first tab finishes
 * meanwhile it announces the result on a BroadcastChannel and the waiting tab takes that result
 * instead of uploading the file again. If the first tab closes mid-upload the lock is released and
 * the waiting tab resumes from the parts B2 holds.
 */
export type LockOutcome<T> = { ran: true; value: T } | { ran: false; finishedElsewhere: UploadResult };

export interface TabLock {
  run<T>(
    key: string,
    onWait: () => void,
    task: () => Promise<T>,
    signal: AbortSignal,
  ): Promise<LockOutcome<T>>;
  /** Tells tabs waiting on `key` that it is finished. */
  announce(key: string, result: UploadResult): void;
}

const CHANNEL = 'b2up-uploads';

export function browserTabLock(): TabLock {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  const hasChannel = typeof BroadcastChannel === 'function';
  return {
    async run(key, onWait, task, signal) {
      if (!locks) return { ran: true, value: await task() };
      const name = `b2up:${key}`;
      // Fast path: take the lock if it is free, without listening for announcements.
      const first = await locks.request(name, { ifAvailable: true }, async (lock) =>
        lock ? { ran: true as const, value: await task() } : undefined,
      );
      if (first) return first;
      onWait();
      const waiting = new AbortController();
      const stop = () => waiting.abort();
      signal.addEventListener('abort', stop, { once: true });
      const channel = hasChannel ? new BroadcastChannel(CHANNEL) : undefined;
      let finishedElsewhere: UploadResult | undefined;
      if (channel) {
        channel.onmessage = (event: MessageEvent<{ key: string; result: UploadResult }>) => {
          if (event.data?.key !== key) return;
          finishedElsewhere = event.data.result;
          waiting.abort();
        };
      }
      try {
        return await locks.request(name, { signal: waiting.signal }, async () => ({
          ran: true as const,
          value: await task(),
        }));
      } catch (error) {
        if (finishedElsewhere) return { ran: false, finishedElsewhere };
        throw error;
      } finally {
        channel?.close();
        signal.removeEventListener('abort', stop);
      }
    },
    announce(key, result) {
      if (!hasChannel) return;
      const channel = new BroadcastChannel(CHANNEL);
      channel.postMessage({ key, result });
      channel.close();
    },
  };
}
