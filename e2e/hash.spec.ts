/**
 * The hasher in real Chromium with real Web Workers: results equal Node's SHA-1 of the same bytes,
 * hashing happens in workers and never on the main thread, and failures come back as typed errors.
 */
import { createHash } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { deterministicBlocks } from './harness/data.js';
import { expect, test } from './harness/fixtures.js';

const MiB = 1024 * 1024;
const SEED = 0x5eed;
const FILE_SIZE = 64 * MiB;

/** SHA-1 of bytes [start, end) of the deterministic stream, computed in this (Node) process. */
function nodeSha1(seed: number, size: number, start = 0, end = size): string {
  return nodeDigest('sha1', seed, size, start, end);
}

function nodeDigest(algorithm: 'sha1' | 'md5', seed: number, size: number, start = 0, end = size): string {
  const hash = createHash(algorithm);
  let offset = 0;
  for (const block of deterministicBlocks(seed, size)) {
    const from = Math.max(start - offset, 0);
    const to = Math.min(end - offset, block.length);
    if (from < to) hash.update(block.subarray(from, to));
    offset += block.length;
  }
  return hash.digest('hex');
}

/**
 * Counts every WebAssembly compile/instantiate in the page's main thread (workers have their own
 * globals, untouched), and records long tasks, before any page script runs.
 */
async function watchMainThread(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const calls = { count: 0 };
    const wasm = WebAssembly as unknown as Record<string, unknown>;
    for (const name of ['compile', 'compileStreaming', 'instantiate', 'instantiateStreaming']) {
      const original = wasm[name] as (...args: unknown[]) => unknown;
      wasm[name] = (...args: unknown[]) => {
        calls.count++;
        return original.apply(WebAssembly, args);
      };
    }
    for (const name of ['Module', 'Instance']) {
      wasm[name] = new Proxy(wasm[name] as object, {
        construct(target, args) {
          calls.count++;
          return Reflect.construct(target as new (...a: unknown[]) => object, args);
        },
      });
    }
    const longTasks: { start: number; duration: number }[] = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        longTasks.push({ start: entry.startTime, duration: entry.duration });
      }
    }).observe({ type: 'longtask', buffered: true });
    Object.assign(window, { __mainThreadWasm: calls, __longTasks: longTasks });
  });
}

/**
 * Hash workers the page starts from now on, recorded as they start (`page.workers()` forgets a
 * worker once it is terminated, which `close()` does).
 */
function recordHashWorkers(page: Page) {
  const record = { started: 0, closed: 0 };
  page.on('worker', (worker) => {
    if (!worker.url().includes('hash-worker')) return;
    record.started++;
    worker.on('close', () => record.closed++);
  });
  return record;
}

test.describe('worker hasher', () => {
  test.beforeEach(async ({ page, openHarness }) => {
    await watchMainThread(page);
    await openHarness();
  });

  test('hashes a 64 MiB File in a worker, never on the main thread, equal to Node', async ({ page }) => {
    const workers = recordHashWorkers(page);
    const expected = nodeSha1(SEED, FILE_SIZE);
    const result = await page.evaluate(
      async ({ seed, size }) => {
        const { hasher, deterministicFile } = window.b2upTest;
        const file = deterministicFile(seed, size);
        const workerHasher = hasher.createWorkerHasher();
        const startedAt = performance.now();
        const sha1 = await workerHasher.sha1(file);
        const endedAt = performance.now();
        workerHasher.close();
        const state = window as unknown as {
          __mainThreadWasm: { count: number };
          __longTasks: { start: number; duration: number }[];
        };
        return {
          sha1,
          seconds: (endedAt - startedAt) / 1000,
          mainThreadWasm: state.__mainThreadWasm.count,
          longTasksWhileHashing: state.__longTasks
            .filter((task) => task.start >= startedAt && task.start <= endedAt)
            .map((task) => Math.round(task.duration)),
        };
      },
      { seed: SEED, size: FILE_SIZE },
    );
    expect(result.sha1).toBe(expected);
    // Structural proof that the work ran in a worker: a hash worker exists, and the main thread
    // never compiled or instantiated any WebAssembly (hash-wasm is WASM-only).
    expect(workers.started).toBe(1);
    expect(result.mainThreadWasm).toBe(0);
    test
      .info()
      .annotations.push(
        { type: 'throughput', description: `${(FILE_SIZE / MiB / result.seconds).toFixed(0)} MiB/s` },
        { type: 'long tasks while hashing (ms)', description: JSON.stringify(result.longTasksWhileHashing) },
      );

    // Control: the same counter does see main-thread hashing, so the zero above means something.
    const inlineCount = await page.evaluate(async () => {
      const inline = window.b2upTest.hasher.createInlineHasher();
      const sha1 = await inline.sha1(new Blob(['abc']));
      inline.close();
      return {
        sha1,
        count: (window as unknown as { __mainThreadWasm: { count: number } }).__mainThreadWasm.count,
      };
    });
    expect(inlineCount.sha1).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(inlineCount.count).toBeGreaterThan(0);
  });

  test('hashes parts concurrently on a 2-worker pool, each equal to Node', async ({ page }) => {
    const workers = recordHashWorkers(page);
    // Uneven parts, none aligned to the 1 MiB chunk, covering the whole file.
    const cuts = [0, 5 * MiB + 3, 17 * MiB, 17 * MiB + 1, 30 * MiB - 7, 48 * MiB, FILE_SIZE];
    const parts = cuts.slice(1).map((end, i) => ({ start: cuts[i]!, end }));
    const results = await page.evaluate(
      async ({ seed, size, parts }) => {
        const { hasher, deterministicFile } = window.b2upTest;
        const file = deterministicFile(seed, size);
        const pool = hasher.createWorkerHasher({ workers: 2, chunkSize: 1024 * 1024 });
        const digests = await Promise.all(parts.map(({ start, end }) => pool.sha1(file.slice(start, end))));
        pool.close();
        return digests;
      },
      { seed: SEED, size: FILE_SIZE, parts },
    );
    expect(results).toEqual(parts.map(({ start, end }) => nodeSha1(SEED, FILE_SIZE, start, end)));
    expect(workers.started).toBe(2);
    // close() terminated both.
    await expect.poll(() => workers.closed).toBe(2);
  });

  test('parts of one file go to one worker as one stream, other files to others; each equals Node', async ({
    page,
  }) => {
    const workers = recordHashWorkers(page);
    const part = 5 * MiB + 3; // not aligned to the 1 MiB chunk
    const results = await page.evaluate(
      async ({ seed, size, part }) => {
        const { hasher, deterministicFile } = window.b2upTest;
        const a = deterministicFile(seed, size);
        const b = deterministicFile(seed + 1, size / 2);
        const pool = hasher.createWorkerHasher({ workers: 4, chunkSize: 1024 * 1024 });
        const ranges = (file: Blob) =>
          Array.from({ length: Math.ceil(file.size / part) }, (_, i) => ({
            start: i * part,
            end: Math.min((i + 1) * part, file.size),
          }));
        // All of a's parts asked at once, as an upload's look-ahead does, then b's, interleaved by
        // the pool: a's wait for a's worker, b's take another.
        const ofA = Promise.all(ranges(a).map((r) => pool.sha1Range!(a, r.start, r.end)));
        const ofB = Promise.all(ranges(b).map((r) => pool.sha1Range!(b, r.start, r.end)));
        const [digestsA, digestsB] = await Promise.all([ofA, ofB]);
        // Out of order: a jump back and a jump ahead reopen the stream where asked.
        const again = [
          await pool.sha1Range!(a, part, 2 * part),
          await pool.sha1Range!(a, 7 * part, 8 * part),
          await pool.sha1Range!(a, 8 * part, 9 * part),
        ];
        pool.close();
        return { digestsA, digestsB, again };
      },
      { seed: SEED, size: FILE_SIZE, part },
    );
    const expected = (seed: number, size: number) =>
      Array.from({ length: Math.ceil(size / part) }, (_, i) =>
        nodeSha1(seed, size, i * part, Math.min((i + 1) * part, size)),
      );
    expect(results.digestsA).toEqual(expected(SEED, FILE_SIZE));
    expect(results.digestsB).toEqual(expected(SEED + 1, FILE_SIZE / 2));
    expect(results.again).toEqual([
      nodeSha1(SEED, FILE_SIZE, part, 2 * part),
      nodeSha1(SEED, FILE_SIZE, 7 * part, 8 * part),
      nodeSha1(SEED, FILE_SIZE, 8 * part, 9 * part),
    ]);
    // Two files, two workers, though the pool could start four: a file's parts never spread.
    expect(workers.started).toBe(2);
  });

  test('SHA-1 and MD5 of whole files from one read each, by WebCrypto or streamed, equal to Node', async ({
    page,
  }) => {
    // Small files go by presigned PUT with both digests. Up to wholeReadMaxSize a file is read whole
    // and its SHA-1 taken by WebCrypto (the CPU's SHA extensions), its MD5 from the same bytes;
    // above it, both are streamed through hash-wasm.
    const sizes = [0, 3, MiB + 3, 2 * MiB, 5 * MiB + 7];
    await page.evaluate(async () => {
      const pool = window.b2upTest.hasher.createWorkerHasher({
        workers: 1,
        chunkSize: 1024 * 1024,
        wholeReadMaxSize: 2 * 1024 * 1024,
      });
      await pool.sha1AndMd5!(new Blob(['warm']));
      Object.assign(window, { __pool: pool });
    });
    const worker = page.workers().find((candidate) => candidate.url().includes('hash-worker'))!;
    // Counts the worker's WebCrypto digests from now on.
    await worker.evaluate(() => {
      const subtle = crypto.subtle;
      const digest = subtle.digest.bind(subtle);
      const seen = { count: 0 };
      subtle.digest = (...args: Parameters<SubtleCrypto['digest']>) => {
        seen.count++;
        return digest(...args);
      };
      Object.assign(self, { __digests: seen });
    });
    const results = await page.evaluate(
      async ({ seed, sizes }) => {
        const { deterministicFile } = window.b2upTest;
        const pool = (
          window as unknown as { __pool: ReturnType<typeof window.b2upTest.hasher.createWorkerHasher> }
        ).__pool;
        return Promise.all(sizes.map((size, i) => pool.sha1AndMd5!(deterministicFile(seed + i, size))));
      },
      { seed: SEED, sizes },
    );
    const digestsSeen = await worker.evaluate(
      () => (self as unknown as { __digests: { count: number } }).__digests.count,
    );
    await page.evaluate(() => (window as unknown as { __pool: { close(): void } }).__pool.close());
    expect(results).toEqual(
      sizes.map((size, i) => ({ sha1: nodeSha1(SEED + i, size), md5: nodeDigest('md5', SEED + i, size) })),
    );
    expect(digestsSeen).toBe(sizes.filter((size) => size <= 2 * MiB).length);
  });

  test('a part aborted mid-read leaves the next one of the same file right', async ({ page }) => {
    const part = 24 * MiB;
    const outcome = await page.evaluate(
      async ({ seed, size, part }) => {
        const { hasher, deterministicFile, settle } = window.b2upTest;
        const file = deterministicFile(seed, size);
        const pool = hasher.createWorkerHasher({ workers: 1, chunkSize: 1024 * 1024 });
        const first = await settle(pool.sha1Range!(file, 0, part));
        const stop = new AbortController();
        const aborted = settle(pool.sha1Range!(file, part, 2 * part, { signal: stop.signal }));
        await new Promise((resolve) => setTimeout(resolve, 5));
        stop.abort();
        const results = { first, aborted: await aborted };
        // Asked again from where the aborted one started, and then the part after it.
        const retried = await settle(pool.sha1Range!(file, part, 2 * part));
        const next = await settle(pool.sha1Range!(file, 2 * part, size));
        pool.close();
        return { ...results, retried, next };
      },
      { seed: SEED, size: FILE_SIZE, part },
    );
    expect(outcome.first).toEqual({ ok: true, value: nodeSha1(SEED, FILE_SIZE, 0, part) });
    expect(outcome.aborted).toMatchObject({ ok: false, error: { name: 'HashError', code: 'aborted' } });
    expect(outcome.retried).toEqual({ ok: true, value: nodeSha1(SEED, FILE_SIZE, part, 2 * part) });
    expect(outcome.next).toEqual({ ok: true, value: nodeSha1(SEED, FILE_SIZE, 2 * part, FILE_SIZE) });
  });

  test('abort rejects with the typed aborted error, queued or running, and the pool goes on', async ({
    page,
  }) => {
    const workers = recordHashWorkers(page);
    const small = 3 * MiB + 5;
    const outcome = await page.evaluate(
      async ({ seed, size, small }) => {
        const { hasher, deterministicFile, settle } = window.b2upTest;
        const file = deterministicFile(seed, size);
        // Four references to the same bytes: 256 MiB to hash, no more memory.
        const big = new Blob([file, file, file, file]);
        const pool = hasher.createWorkerHasher({ workers: 1, chunkSize: 1024 * 1024 });
        // One worker: `running` holds it, `queued` waits and is aborted before it starts.
        const running = new AbortController();
        const queued = new AbortController();
        const first = settle(pool.sha1(big, { signal: running.signal }));
        const second = settle(pool.sha1(file, { signal: queued.signal }));
        queued.abort(new Error('user removed the file'));
        await new Promise((resolve) => setTimeout(resolve, 30));
        running.abort();
        const results = { first: await first, second: await second };
        // The same single worker must take new work after an abort, with a freshly reset hasher.
        const after = await settle(pool.sha1(file.slice(0, small)));
        pool.close();
        const closed = await settle(pool.sha1(file.slice(0, small)));
        return { ...results, after, closed };
      },
      { seed: SEED, size: FILE_SIZE, small },
    );
    expect(outcome.first).toMatchObject({ ok: false, error: { name: 'HashError', code: 'aborted' } });
    expect(outcome.second).toMatchObject({ ok: false, error: { name: 'HashError', code: 'aborted' } });
    expect(outcome.after).toEqual({ ok: true, value: nodeSha1(SEED, FILE_SIZE, 0, small) });
    expect(outcome.closed).toMatchObject({ ok: false, error: { name: 'HashError', code: 'closed' } });
    expect(workers.started).toBe(1);
  });

  test('the worker itself stops a job mid-hash on abort(jobId) and answers with data', async ({ page }) => {
    const outcome = await page.evaluate(
      async ({ seed, size }) => {
        const { deterministicFile, rawHashWorker } = window.b2upTest;
        const file = deterministicFile(seed, size);
        const big = new Blob([file, file, file, file]);
        const worker = rawHashWorker();
        // The pool rejects at once on abort and ignores the worker's late answer; here the answer
        // itself shows the loop noticed the abort: a job that ran on would resolve ok:true.
        const job = worker.api.sha1(1, big, 1024 * 1024);
        await new Promise((resolve) => setTimeout(resolve, 30));
        await worker.api.abort(1);
        const aborted = await job;
        const unknownAbort = await worker.api.abort(99);
        const next = await worker.api.sha1(2, new Blob(['abc']), 1024 * 1024);
        worker.terminate();
        return { aborted, unknownAbort, next };
      },
      { seed: SEED, size: FILE_SIZE },
    );
    expect(outcome.aborted).toEqual({ ok: false, code: 'aborted', message: 'Hashing was aborted' });
    expect(outcome.unknownAbort).toBeUndefined();
    expect(outcome.next).toEqual({ ok: true, sha1: 'a9993e364706816aba3e25717850c26c9cd0d89d' });
  });

  test('a picked file that changes or vanishes on disk fails with read_failed', async ({ page }, info) => {
    const path = info.outputPath('picked.bin');
    const bytes = Buffer.concat([...deterministicBlocks(7, 6 * MiB + 1)]);
    await writeFile(path, bytes);
    await page.setInputFiles('#file-input', path);
    const hashPicked = () =>
      page.evaluate(async () => {
        const { hasher, pickedFile, settle } = window.b2upTest;
        const pool = hasher.createWorkerHasher({ workers: 1 });
        const result = await settle(pool.sha1(pickedFile()));
        pool.close();
        return result;
      });

    expect(await hashPicked()).toEqual({ ok: true, value: createHash('sha1').update(bytes).digest('hex') });
    // The user edits the file after picking it: Chromium refuses to read the stale File, whole or
    // as a part read from a stream opened before the edit.
    const partsPicked = await page.evaluate(async () => {
      const { hasher, pickedFile } = window.b2upTest;
      const pool = hasher.createWorkerHasher({ workers: 1 });
      const file = pickedFile();
      const first = await pool.sha1Range!(file, 0, 3 * 1024 * 1024);
      (window as unknown as { heldPool: typeof pool }).heldPool = pool;
      return first;
    });
    expect(partsPicked).toBe(
      createHash('sha1')
        .update(bytes.subarray(0, 3 * MiB))
        .digest('hex'),
    );
    await writeFile(path, bytes.subarray(0, 2 * MiB));
    expect(
      await page.evaluate(async () => {
        const { pickedFile, settle } = window.b2upTest;
        const pool = (
          window as unknown as { heldPool: ReturnType<typeof window.b2upTest.hasher.createWorkerHasher> }
        ).heldPool;
        const result = await settle(pool.sha1Range!(pickedFile(), 3 * 1024 * 1024, 6 * 1024 * 1024 + 1));
        pool.close();
        return result;
      }),
    ).toMatchObject({ ok: false, error: { name: 'HashError', code: 'read_failed' } });
    expect(await hashPicked()).toMatchObject({
      ok: false,
      error: { name: 'HashError', code: 'read_failed' },
    });
    await rm(path);
    expect(await hashPicked()).toMatchObject({
      ok: false,
      error: { name: 'HashError', code: 'read_failed' },
    });
  });

  test('a worker script that fails to load: hashed in the page, or worker_failed when that is off', async ({
    page,
  }) => {
    await page.route('**/*hash-worker*', (route) => route.fulfill({ status: 404, body: 'gone' }));
    const [fallback, strict] = await page.evaluate(async () => {
      const { hasher, settle } = window.b2upTest;
      const outcomes = [];
      for (const inThreadFallback of [true, false]) {
        const pool = hasher.createWorkerHasher({ workers: 1, inThreadFallback });
        outcomes.push(await settle(pool.sha1(new Blob(['abc']))));
        pool.close();
      }
      return outcomes;
    });
    expect(fallback).toMatchObject({ ok: true, value: 'a9993e364706816aba3e25717850c26c9cd0d89d' });
    expect(strict).toMatchObject({ ok: false, error: { name: 'HashError', code: 'worker_failed' } });
  });

  test('warm() starts one worker ahead of the first job, which then runs on it', async ({ page }) => {
    const workers = recordHashWorkers(page);
    await page.evaluate(() => {
      const pool = window.b2upTest.hasher.createWorkerHasher({ workers: 2 });
      pool.warm?.();
      pool.warm?.();
      Object.assign(window, { warmed: pool });
    });
    // Started with no job asked for: its script loads while the user picks a file.
    await expect.poll(() => workers.started).toBe(1);
    const sha1 = await page.evaluate(() =>
      (
        window as unknown as { warmed: ReturnType<typeof window.b2upTest.hasher.createWorkerHasher> }
      ).warmed.sha1(new Blob(['abc'])),
    );
    expect(sha1).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(workers.started).toBe(1);
    await page.evaluate(() => (window as unknown as { warmed: { close(): void } }).warmed.close());
    await expect.poll(() => workers.closed).toBe(1);
  });

  test('a warmed worker whose script fails to load: the first job hashes in the page, or fails typed', async ({
    page,
  }) => {
    const refused = { count: 0 };
    await page.route('**/*hash-worker*', (route) => {
      refused.count++;
      return route.fulfill({ status: 404, body: 'gone' });
    });
    const warmed = async () => {
      await page.evaluate(() => {
        const pools = [true, false].map((inThreadFallback) =>
          window.b2upTest.hasher.createWorkerHasher({ workers: 1, inThreadFallback }),
        );
        for (const pool of pools) pool.warm?.();
        Object.assign(window, { warmedPools: pools });
      });
    };
    await warmed();
    await expect.poll(() => refused.count).toBe(2);
    const [fallback, strict] = await page.evaluate(async () => {
      const { settle } = window.b2upTest;
      const pools = (
        window as unknown as { warmedPools: { sha1(blob: Blob): Promise<string>; close(): void }[] }
      ).warmedPools;
      const outcomes = [];
      for (const pool of pools) {
        outcomes.push(await settle(pool.sha1(new Blob(['abc']))));
        pool.close();
      }
      return outcomes;
    });
    expect(fallback).toMatchObject({ ok: true, value: 'a9993e364706816aba3e25717850c26c9cd0d89d' });
    expect(strict).toMatchObject({ ok: false, error: { name: 'HashError', code: 'worker_failed' } });
  });

  test('a Blob of up to 64 KiB (a fingerprint) is hashed in the page by WebCrypto, with no worker; more goes to one', async ({
    page,
  }) => {
    const workers = recordHashWorkers(page);
    const head = 64 * 1024;
    const outcome = await page.evaluate(
      async ({ seed, size, head }) => {
        const { hasher, deterministicFile, settle } = window.b2upTest;
        const file = deterministicFile(seed, size);
        const pool = hasher.createWorkerHasher({ workers: 1 });
        const inPage = await pool.sha1(file.slice(0, head));
        const stopped = new AbortController();
        stopped.abort();
        const aborted = await settle(pool.sha1(file.slice(0, head), { signal: stopped.signal }));
        pool.close();
        const closed = await settle(pool.sha1(file.slice(0, head)));
        // Another pool for the bigger Blob: had the first one started a worker, two would be counted.
        const other = hasher.createWorkerHasher({ workers: 1 });
        const beyond = await other.sha1(file.slice(0, head + 1));
        other.close();
        return { inPage, aborted, beyond, closed };
      },
      { seed: SEED, size: FILE_SIZE, head },
    );
    expect(outcome.inPage).toBe(nodeSha1(SEED, FILE_SIZE, 0, head));
    expect(outcome.aborted).toMatchObject({ ok: false, error: { name: 'HashError', code: 'aborted' } });
    expect(outcome.beyond).toBe(nodeSha1(SEED, FILE_SIZE, 0, head + 1));
    expect(outcome.closed).toMatchObject({ ok: false, error: { name: 'HashError', code: 'closed' } });
    // Only the Blob one byte past 64 KiB started a worker.
    await expect.poll(() => workers.closed).toBe(1);
    expect(workers.started).toBe(1);
  });
});
