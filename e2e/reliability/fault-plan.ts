/**
 * Which broker calls the reliability stack's wrapper fails: placed by a seeded plan rather than
 * drawn call by call. The first fault falls on a seeded call among the first FIRST_WITHIN, then one
 * every round(1/rate) calls. The share is exact, and a run of FIRST_WITHIN calls or more always has
 * a fault, so a figure like "≥ 1 broker call failed" is green or red for a reason, never by the luck
 * of independent draws (at 1.5 % those give 0 in 132 calls about one run in eight).
 */
import { mulberry32 } from '../../src/emulator/faults/random.js';

/** The first fault lands within this many calls. */
export const FIRST_WITHIN = 25;

export interface FaultPlan {
  /** Counts one call; true when that call is to fail. */
  next(): boolean;
  /** Calls counted so far. */
  readonly calls: number;
  /** Faults placed so far. */
  readonly faults: number;
}

export function createFaultPlan(seed: number, rate: number): FaultPlan {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`rate must be in 0..1, got ${rate}`);
  const every = rate > 0 ? Math.max(1, Math.round(1 / rate)) : Number.POSITIVE_INFINITY;
  const first = 1 + Math.floor(mulberry32(seed)() * Math.min(every, FIRST_WITHIN));
  let calls = 0;
  let faults = 0;
  return {
    next() {
      calls += 1;
      const fails = rate > 0 && calls >= first && (calls - first) % every === 0;
      if (fails) faults += 1;
      return fails;
    },
    get calls() {
      return calls;
    },
    get faults() {
      return faults;
    },
  };
}
