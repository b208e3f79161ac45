/**
 * Waiting points of a running upload: while paused, and while the browser is offline. Offline
 * waits for the `online` event instead of retrying on a timer, so an outage causes no request storm.
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

/** A gate that is open unless paused; `wait()` resolves when it opens. */
export class PauseGate {
  #paused = false;
  #waiters: (() => void)[] = [];

  get paused(): boolean {
    return this.#paused;
  }

  close(): void {
    this.#paused = true;
  }

  open(): void {
    this.#paused = false;
    for (const wake of this.#waiters.splice(0)) wake();
  }

  wait(): Promise<void> {
    if (!this.#paused) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}
