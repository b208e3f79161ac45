import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stallTimer } from '../../src/upload/stall-timer.js';

describe('stallTimer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  const clock = () => Date.now();

  it('gives up after the quiet period, counted from the last progress', () => {
    const onStall = vi.fn();
    const timer = stallTimer(1000, onStall, clock);
    timer.restart();
    vi.advanceTimersByTime(600);
    timer.restart();
    vi.advanceTimersByTime(999);
    expect(onStall).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onStall).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10_000);
    expect(onStall).toHaveBeenCalledTimes(1);
  });

  it('keeps one timer pending however often progress comes', () => {
    const onStall = vi.fn();
    const timer = stallTimer(60_000, onStall, clock);
    const armed = vi.spyOn(globalThis, 'setTimeout');
    for (let i = 0; i < 1200; i++) {
      timer.restart();
      vi.advanceTimersByTime(50);
    }
    // 60 s of progress every 50 ms: the first timer, and one more when it fired early.
    expect(armed.mock.calls.length).toBeLessThanOrEqual(2);
    expect(vi.getTimerCount()).toBe(1);
    expect(onStall).not.toHaveBeenCalled();
    armed.mockRestore();
  });

  it('stops, and arms again on the next progress', () => {
    const onStall = vi.fn();
    const timer = stallTimer(1000, onStall, clock);
    timer.restart();
    timer.stop();
    vi.advanceTimersByTime(5000);
    expect(onStall).not.toHaveBeenCalled();
    timer.restart();
    vi.advanceTimersByTime(1000);
    expect(onStall).toHaveBeenCalledTimes(1);
  });

  it.each([undefined, 0, -1])('never gives up when the period is %s', (ms) => {
    const onStall = vi.fn();
    stallTimer(ms, onStall, clock).restart();
    vi.advanceTimersByTime(1e9);
    expect(onStall).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });
});
