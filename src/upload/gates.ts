/**
 * Whether the browser is online. An upload that is offline waits for the `online` event instead
 * of retrying on a timer, so an outage causes no request storm.
 */
export interface Connectivity {
  isOnline(): boolean;
  /** Resolves at the next `online` event (or when the signal fires). */
  whenOnline(signal: AbortSignal): Promise<void>;
}

export function browserConnectivity(): Connectivity {
  const hasNavigator = typeof navigator !== 'undefined' && typeof navigator.onLine === 'boolean';
  const target = typeof globalThis.addEventListener === 'function' ? globalThis : undefined;
  return {
    isOnline: () => !hasNavigator || navigator.onLine,
    whenOnline: (signal) =>
      new Promise((resolve) => {
        if (!target || !hasNavigator || navigator.onLine || signal.aborted) return resolve();
        const done = () => {
          target.removeEventListener('online', done);
          signal.removeEventListener('abort', done);
          resolve();
        };
        target.addEventListener('online', done);
        signal.addEventListener('abort', done, { once: true });
      }),
  };
}
