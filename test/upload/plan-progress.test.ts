import { describe, expect, it } from 'vitest';
import { clampPartSize, partPlan, partRange, proposePartSize, type PartLimits } from '../../src/protocol.js';
import { ProgressTracker } from '../../src/upload/progress.js';

const b2 = { minPartSize: 5_000_000, maxPartSize: 5_000_000_000, maxParts: 10_000 };

describe('part plan', () => {
  it('clamps the requested size to B2 limits', () => {
    expect(clampPartSize(100_000_000, 1_000, b2)).toBe(5_000_000);
    expect(clampPartSize(100_000_000_000, 10_000_000_000, b2)).toBe(5_000_000_000);
  });

  it('raises the part size so the file fits in 10,000 parts', () => {
    const size = 10 * 1024 ** 4; // 10 TiB
    const plan = partPlan(size, proposePartSize(size, 16 * 1024 ** 2, b2));
    expect(plan.count).toBeLessThanOrEqual(10_000);
    expect(plan.partSize * plan.count).toBeGreaterThanOrEqual(size);
  });

  it('splits a file that would fit in one part into two when both can meet the minimum', () => {
    expect(partPlan(12_000_000, proposePartSize(12_000_000, 16_000_000, b2))).toEqual({
      size: 12_000_000,
      partSize: 6_000_000,
      count: 2,
    });
    expect(partPlan(7_000_000, proposePartSize(7_000_000, 16_000_000, b2)).count).toBe(1);
  });

  it("passes the client's proposal through the broker's clamp unchanged", () => {
    const limits: PartLimits[] = [b2, { minPartSize: 1000, maxPartSize: 10_000, maxParts: 100 }];
    for (const limit of limits) {
      for (const size of [1, 999, 1000, 2000, 12_345, 999_999, 12_000_000, 10 * 1024 ** 4]) {
        for (const wanted of [1, 1000, 16 * 1024 ** 2, 10_000_000_000]) {
          const proposed = proposePartSize(size, wanted, limit);
          expect(clampPartSize(size, proposed, limit)).toBe(proposed);
        }
      }
    }
  });

  it('covers every byte exactly once, last part short', () => {
    const plan = partPlan(10_500, 1000);
    expect(plan.count).toBe(11);
    let next = 0;
    for (let n = 1; n <= plan.count; n++) {
      const { start, end } = partRange(plan, n);
      expect(start).toBe(next);
      next = end;
    }
    expect(next).toBe(10_500);
    expect(partRange(plan, 11)).toEqual({ start: 10_000, end: 10_500 });
  });
});

describe('progress', () => {
  it('never goes backwards when a part in flight fails and is retried', () => {
    let now = 0;
    const progress = new ProgressTracker(3000, 3, () => now);
    progress.inFlight(1, 800);
    progress.inFlight(2, 500);
    expect(progress.snapshot().bytesSent).toBe(1300);
    progress.dropped(2);
    progress.inFlight(2, 100);
    expect(progress.snapshot().bytesSent).toBe(1300);
    progress.partDone(1, 1000);
    progress.inFlight(2, 400);
    expect(progress.snapshot().bytesSent).toBe(1400);
    now = 1000;
    progress.partDone(2, 1000);
    progress.partDone(3, 1000);
    expect(progress.snapshot()).toMatchObject({ bytesSent: 3000, partsDone: 3, partsTotal: 3 });
  });

  it('reports a rate and an ETA from samples over time', () => {
    let now = 0;
    const progress = new ProgressTracker(10_000, 10, () => now);
    progress.inFlight(1, 0);
    now = 1000;
    progress.inFlight(1, 1000);
    const snapshot = progress.snapshot();
    expect(snapshot.rate).toBe(1000);
    expect(snapshot.eta).toBe(9);
  });

  it('counts parts already in B2 when resuming', () => {
    const progress = new ProgressTracker(5000, 5, () => 0);
    progress.alreadyDone(2000, 2);
    expect(progress.snapshot()).toMatchObject({ bytesSent: 2000, partsDone: 2 });
  });
});
