import { describe, expect, it } from 'vitest';
import { createClock } from '../../src/emulator/clock.js';

describe('createClock', () => {
  it('reads the base time plus what advance added', () => {
    let real = 1_000;
    const clock = createClock(() => real);
    expect(clock.now()).toBe(1_000);
    clock.advance(24 * 3600_000);
    expect(clock.now()).toBe(1_000 + 24 * 3600_000);
    real = 2_000;
    expect(clock.now()).toBe(2_000 + 24 * 3600_000);
    clock.advance(-500);
    expect(clock.now()).toBe(1_500 + 24 * 3600_000);
  });

  it('defaults to real time, moved by advance', () => {
    const clock = createClock();
    const before = Date.now();
    clock.advance(86_400_000);
    const read = clock.now();
    expect(read).toBeGreaterThanOrEqual(before + 86_400_000);
    expect(read).toBeLessThanOrEqual(Date.now() + 86_400_000);
  });

  it('refuses a non-finite advance', () => {
    const clock = createClock(() => 0);
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError);
    expect(() => clock.advance(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(clock.now()).toBe(0);
  });
});
