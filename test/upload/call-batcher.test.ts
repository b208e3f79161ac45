import { describe, expect, it } from 'vitest';
import { createCallBatcher, type Settled } from '../../src/upload/call-batcher.js';

/** A send whose answers the test releases one batch at a time. */
function held() {
  const batches: { items: number[]; answer(results: Settled<string>[]): void; fail(e: unknown): void }[] = [];
  const send = (items: number[]) =>
    new Promise<Settled<string>[]>((answer, fail) => batches.push({ items, answer, fail }));
  const echo = (items: number[]): Settled<string>[] =>
    items.map((n) => (n < 0 ? { ok: false, error: new Error(`bad ${n}`) } : { ok: true, value: `v${n}` }));
  return { batches, send, echo };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('call batcher', () => {
  it('sends what is asked in one turn together, what arrives meanwhile as the next batch, at most max() each', async () => {
    const { batches, send, echo } = held();
    const call = createCallBatcher(send, () => 3);
    const answers = [1, 2].map((n) => call(n));
    expect(batches).toEqual([]);
    await Promise.resolve();
    expect(batches.map((b) => b.items)).toEqual([[1, 2]]);
    answers.push(...[3, 4, 5, 6].map((n) => call(n)));
    batches[0]!.answer(echo([1, 2]));
    await tick();
    expect(batches.map((b) => b.items)).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
    batches[1]!.answer(echo([3, 4, 5]));
    await tick();
    batches[2]!.answer(echo([6]));
    expect(await Promise.all(answers)).toEqual(['v1', 'v2', 'v3', 'v4', 'v5', 'v6']);
  });

  it('an item’s refusal is its own; a failed call fails its whole batch and the next batch still goes', async () => {
    const { batches, send, echo } = held();
    const call = createCallBatcher(send, () => 10);
    const first = call(1);
    await tick();
    const [bad, good] = [call(-2), call(3)];
    const later = call(4);
    batches[0]!.fail(new Error('down'));
    await expect(first).rejects.toThrow('down');
    await tick();
    batches[1]!.answer(echo([-2, 3, 4]));
    await expect(bad).rejects.toThrow('bad -2');
    expect(await good).toBe('v3');
    expect(await later).toBe('v4');
  });

  it('an item aborted while queued is never sent', async () => {
    const { batches, send, echo } = held();
    const call = createCallBatcher(send, () => 10);
    const first = call(1);
    await tick();
    const abort = new AbortController();
    const dropped = call(2, abort.signal);
    const kept = call(3);
    abort.abort(new Error('stop'));
    await expect(dropped).rejects.toThrow('stop');
    batches[0]!.answer(echo([1]));
    await tick();
    expect(batches[1]!.items).toEqual([3]);
    batches[1]!.answer(echo([3]));
    expect([await first, await kept]).toEqual(['v1', 'v3']);
  });
});
