import { describe, expect, it } from 'vitest';
import { B2Error } from '../../src/b2/errors.js';
import { type UploadTarget, withUploadRetries } from '../../src/b2/target-upload.js';
import { createUploadUrlPool } from '../../src/b2/upload-url-pool.js';

// The one upload retry loop, as the B2 client and the SDK's engine both drive it.

const retry = {
  uploadAttempts: 3,
  initialDelayMs: 1,
  multiplier: 1,
  maxDelayMs: 1,
  random: () => 0,
  sleep: async () => {},
};

function pool() {
  let serial = 0;
  const calls: number[] = [];
  const urls = createUploadUrlPool(async (_key, count) => {
    calls.push(count);
    return Array.from({ length: count }, () => ({ uploadUrl: `u${++serial}`, authorizationToken: 't' }));
  });
  return { urls, calls, source: urls.sourceFor('file') };
}

const fail = (status: number, code: string) => new B2Error({ status, code, message: code });

describe('withUploadRetries', () => {
  it('swaps the URL after a 503, keeps it after a 429, and reuses a good URL serially', async () => {
    const { source } = pool();
    const used: string[] = [];
    const errors = [fail(503, 'service_unavailable'), fail(429, 'too_many_requests')];
    const result = await withUploadRetries(
      source,
      async (target: UploadTarget) => {
        used.push(target.uploadUrl);
        const error = errors.shift();
        if (error) throw error;
        return 'ok';
      },
      retry,
    );
    expect(result).toBe('ok');
    expect(used).toEqual(['u1', 'u2', 'u2']);
    expect((await source.acquire()).uploadUrl).toBe('u2');
  });

  it('gives up after uploadAttempts failures and never fails on a 4xx twice', async () => {
    const { source } = pool();
    let attempts = 0;
    const failing = () =>
      withUploadRetries(
        source,
        async () => {
          attempts += 1;
          throw fail(500, 'internal_error');
        },
        retry,
      );
    await expect(failing()).rejects.toMatchObject({ code: 'internal_error' });
    expect(attempts).toBe(3);
    attempts = 0;
    await expect(
      withUploadRetries(
        source,
        async () => {
          attempts += 1;
          throw fail(400, 'bad_request');
        },
        retry,
      ),
    ).rejects.toMatchObject({ code: 'bad_request' });
    expect(attempts).toBe(1);
  });

  it('runs an interrupted attempt again uncounted, on a fresh signal and a fresh URL', async () => {
    const { source } = pool();
    const segments = [new AbortController(), new AbortController(), new AbortController()];
    let segment = 0;
    const used: string[] = [];
    const result = await withUploadRetries(
      source,
      async (target, signal) => {
        used.push(target.uploadUrl);
        if (used.length <= 3) {
          segments[segment]!.abort(); // a pause in the middle of each of the first three attempts
          throw new B2Error({ status: 0, code: 'aborted', message: 'paused' });
        }
        expect(signal?.aborted).toBe(false);
        return 'ok';
      },
      retry,
      undefined,
      {
        attemptSignal: async () => {
          if (segments[segment]!.signal.aborted) segment += 1;
          return segments[segment]?.signal ?? new AbortController().signal;
        },
        interrupted: (signal) => signal?.aborted === true,
      },
    );
    expect(result).toBe('ok');
    expect(used).toEqual(['u1', 'u2', 'u3', 'u4']);
  });

  it('does not count a failure that a wait made moot (offline), and lets a caller classify its own errors', async () => {
    const { source } = pool();
    let attempts = 0;
    let waits = 0;
    const result = await withUploadRetries(
      source,
      async () => {
        attempts += 1;
        if (attempts <= 5) throw new Error('no answer');
        return 'ok';
      },
      retry,
      undefined,
      {
        decide: (error) =>
          error instanceof Error && error.message === 'no answer'
            ? { retry: true, dropUrl: true, backoff: true }
            : { retry: false },
        waitedOut: async () => (waits += 1) <= 5,
      },
    );
    expect(result).toBe('ok');
    expect(waits).toBe(5);
  });

  it('prefetches several URLs in one call', async () => {
    const { urls, source, calls } = pool();
    await urls.prefetch('file', 4);
    const taken = await Promise.all([source.acquire(), source.acquire(), source.acquire(), source.acquire()]);
    expect(new Set(taken.map((t) => t.uploadUrl)).size).toBe(4);
    expect(calls).toEqual([4]);
  });
});
