/**
 * Coalesces one kind of broker call made for many files (presigning, confirming small files). The
 * calls made in one turn of the event loop's microtasks go together at once; calls made while a
 * batch is in flight wait and go together in the next one, up to `max()` items. Nothing waits on a
 * timer: a lone file pays no delay, and when files arrive faster than the broker answers, the
 * batches grow by themselves.
 */

/** One item's outcome in a batch answer. */
export type Settled<O> = { ok: true; value: O } | { ok: false; error: unknown };

interface Waiting<I, O> {
  item: I;
  resolve(value: O): void;
  reject(error: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

export function createCallBatcher<I, O>(
  send: (items: I[]) => Promise<Settled<O>[]>,
  max: () => number,
): (item: I, signal?: AbortSignal) => Promise<O> {
  const queue: Waiting<I, O>[] = [];
  let inFlight = false;

  const pump = () => {
    if (inFlight || queue.length === 0) return;
    const batch = queue.splice(0, Math.max(1, max()));
    inFlight = true;
    send(batch.map((waiting) => waiting.item))
      .then(
        (results) =>
          batch.forEach((waiting, i) => {
            const result = results[i];
            if (waiting.signal?.aborted) waiting.reject(waiting.signal.reason);
            else if (!result) waiting.reject(new Error('The batch answer has fewer results than items.'));
            else if (result.ok) waiting.resolve(result.value);
            else waiting.reject(result.error);
          }),
        (error: unknown) => batch.forEach((waiting) => waiting.reject(error)),
      )
      .finally(() => {
        for (const waiting of batch) waiting.signal?.removeEventListener('abort', waiting.onAbort);
        inFlight = false;
        pump();
      });
  };

  return (item, signal) =>
    new Promise<O>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const waiting: Waiting<I, O> = {
        item,
        resolve,
        reject,
        signal,
        // Aborted while queued, it is never sent; once sent, the caller stops waiting for the answer.
        onAbort: () => {
          const at = queue.indexOf(waiting);
          if (at >= 0) queue.splice(at, 1);
          reject(signal?.reason);
        },
      };
      signal?.addEventListener('abort', waiting.onAbort, { once: true });
      queue.push(waiting);
      // After the microtasks already queued: files let through together (a refill of presign
      // slots, a batch of PUTs answered) join one call instead of the first going alone.
      queueMicrotask(pump);
    });
}
