/**
 * The reliability stack's broker-fault plan places the faults it promises: for every seed, a run of
 * at least FIRST_WITHIN calls has one, and the share is exact. Independent draws (the soak's old
 * schedule) give no fault at all in a run of 132 calls at 1.5 % for about one seed in eight.
 */
import { describe, expect, it } from 'vitest';
import { createFaultPlan, FIRST_WITHIN } from '../../e2e/reliability/fault-plan.js';
import { mulberry32 } from '../../src/emulator/faults/random.js';

const run = (seed: number, rate: number, calls: number) => {
  const plan = createFaultPlan(seed, rate);
  const failed: number[] = [];
  for (let call = 1; call <= calls; call++) if (plan.next()) failed.push(call);
  return { failed, plan };
};

describe('broker fault plan', () => {
  it('fails at least one call in any run of FIRST_WITHIN calls or more, for every seed', () => {
    for (let seed = 1; seed <= 2000; seed++) {
      for (const rate of [0.01, 0.015, 0.05]) {
        expect(
          run(seed, rate, FIRST_WITHIN).failed.length,
          `seed ${seed}, rate ${rate}`,
        ).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it('fails exactly one call in every 1/rate after the first, and counts what it placed', () => {
    for (const seed of [1, 7, 20261121]) {
      const { failed, plan } = run(seed, 0.01, 1000);
      expect(failed[0]).toBeLessThanOrEqual(FIRST_WITHIN);
      expect(failed.slice(1).map((call, i) => call - failed[i]!)).toEqual(Array(failed.length - 1).fill(100));
      expect(plan.faults).toBe(failed.length);
      expect(plan.calls).toBe(1000);
    }
    expect(run(3, 0, 500).failed).toEqual([]);
  });

  it('is what independent draws are not: the soak’s 132 calls at 1.5 % never come out at zero', () => {
    let drawnZero = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const random = mulberry32(seed);
      if (Array.from({ length: 132 }, () => random() < 0.015).every((fails) => !fails)) drawnZero += 1;
      expect(run(seed, 0.015, 132).failed.length).toBeGreaterThanOrEqual(1);
    }
    expect(drawnZero).toBeGreaterThan(0); // the failure the plan exists to rule out
  });
});
