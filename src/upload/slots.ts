/**
 * At most `size` holders at once; the others wait in line, in the order they asked. While some wait,
 * freed slots are handed out together once `refill` of them are free (or all are), so the waiters
 * let in at once can share a batched call; with nobody waiting, a free slot is taken at once. A wait
 * whose signal fires leaves the line and rejects with the signal's reason.
 */
export interface Slots {
  /** Resolves with this holder's release (calling it more than once releases once). */
  acquire(signal?: AbortSignal): Promise<() => void>;
}

export function createSlots(size: number, refill = 1): Slots {
  let free = size;
  const line: (() => void)[] = [];

  const releaser = () => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      free++;
      if (free < refill && free < size) return;
      while (free > 0 && line.length > 0) {
        free--;
        line.shift()!();
      }
    };
  };

  return {
    acquire(signal) {
      return new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        if (free > 0 && line.length === 0) {
          free--;
          return resolve(releaser());
        }
        const onAbort = () => {
          line.splice(line.indexOf(grant), 1);
          reject(signal?.reason);
        };
        const grant = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(releaser());
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        line.push(grant);
      });
    },
  };
}
