/**
 * The emulator's notion of "now". Tokens, upload timestamps and fault history read it, so a test can
 * jump past B2's 24 h token lifetime without waiting: `clock.advance(24 * 3600_000)`.
 */
export interface Clock {
  /** Milliseconds since the epoch, UTC, like `Date.now()` (B2 timestamps use this unit). */
  now(): number;
  /** Moves this clock forward by `ms` (negative moves it back). Never affects real timers. */
  advance(ms: number): void;
}

/**
 * Real time plus an offset that only `advance` changes.
 * @param base where real time comes from; default `Date.now` (a test may pass a fixed function).
 */
export function createClock(base: () => number = Date.now): Clock {
  let offsetMs = 0;
  return {
    now: () => base() + offsetMs,
    advance(ms) {
      if (!Number.isFinite(ms)) throw new RangeError(`clock.advance needs a finite number of ms, got ${ms}`);
      offsetMs += ms;
    },
  };
}
