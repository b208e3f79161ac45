/**
 * Gives up on a request when no progress has come for `ms`. XHR reports upload progress every
 * ~50 ms per request; clearing and setting a timer on each event meant ~1,300 timer objects per GiB
 * at 4 parts in flight, each garbage for Blink's collector. So progress only notes the time, and the
 * one pending timer, when it fires early, waits out the rest of the quiet period from the last
 * progress: one or two timers per request.
 */
export interface StallTimer {
  /** Progress was made: the quiet period starts again. Arms the timer if it isn't pending. */
  restart(): void;
  /** No more stall checks (the request ended). A later `restart` arms it again. */
  stop(): void;
}

/** A stall timer; `ms` undefined or not positive means never. `now` is for tests. */
export function stallTimer(
  ms: number | undefined,
  onStall: () => void,
  now: () => number = () => performance.now(),
): StallTimer {
  if (ms === undefined || !(ms > 0)) return { restart() {}, stop() {} };
  let lastProgress = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const check = () => {
    const quiet = now() - lastProgress;
    if (quiet < ms) {
      timer = setTimeout(check, ms - quiet);
      return;
    }
    timer = undefined;
    onStall();
  };
  return {
    restart() {
      lastProgress = now();
      timer ??= setTimeout(check, ms);
    },
    stop() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
