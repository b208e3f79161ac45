/**
 * Two tabs never upload the same file at once: each large upload runs inside a Web Lock
 * named after the file's fingerprint. A second tab waits for the lock and then runs the same task,
 * told that it waited: if the first tab finished meanwhile, its "finished" marker in the shared
 * resume store answers the second tab (see large-upload.ts); if the first tab closed mid-upload,
 * the second resumes from the parts B2 holds.
 */
export interface TabLock {
  /** Whether another tab can be waiting on the same file (only then is a "finished" marker kept). */
  readonly shared: boolean;
  run<T>(
    key: string,
    onWait: () => void,
    task: (waited: boolean) => Promise<T>,
    signal: AbortSignal,
  ): Promise<T>;
}

export function browserTabLock(): TabLock {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  return {
    shared: locks !== undefined,
    async run(key, onWait, task, signal) {
      if (!locks) return task(false);
      const name = `b2up:${key}`;
      // Take the lock if it is free; otherwise say we wait, and wait.
      const free = await locks.request(name, { ifAvailable: true }, async (lock) =>
        lock ? { value: await task(false) } : undefined,
      );
      if (free) return free.value;
      onWait();
      return locks.request(name, { signal }, () => task(true));
    },
  };
}

/** For environments with one runner per file (Node's CLI, tests): no waiting, ever. */
export const noTabLock: TabLock = { shared: false, run: (_key, _onWait, task) => task(false) };
