/**
 * Suite 3, tabs, storage, network and clock (docs/reliability.md#tabs-storage-network-clock): two
 * tabs on one file, IndexedDB refusing to open / over quota / missing, the network going away every
 * few seconds, and a client clock a day off.
 */
import type { Page } from '@playwright/test';
import { expect, test } from '../harness/fixtures.js';
import { expectedSha1, MiB, storedSha1 } from './common.js';
import { baseSeed, type Figure, figure, isLong, writeFigures } from './figures.js';
import { type ReliabilityStack, startStack } from './stack.js';

const SIZE = 64 * MiB;
const UPLOADER = { partSize: 8 * MiB, concurrency: 2 };
const LAST_MODIFIED = 1_767_000_000_000;

let stack: ReliabilityStack;

/** Each test publishes its own rows (a failed test restarts the worker, losing module state). */
function publish(test: string, rows: Figure[]): void {
  writeFigures(`3-tabs-storage-network-clock.${test}`, isLong() ? 'long' : 'ci', rows);
}

test.beforeAll(async ({ harnessServer }) => {
  stack = await startStack({
    origins: [harnessServer.origin],
    minPartSize: 1 * MiB,
    seed: baseSeed(),
    broker: { limits: { startsPerMinute: 10_000 } },
  });
});

test.afterAll(async () => {
  await stack?.close();
});

const starts = () => stack.emulator.counters.get('b2_start_large_file').requests;

async function open(page: Page, url: string): Promise<string[]> {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);
  await page.waitForFunction(() => window.b2upTest?.ready === true);
  return errors;
}

async function startFile(page: Page, seed: number, size = SIZE) {
  return page.evaluate(
    ({ seed, size, lastModified, uploader }) =>
      window.b2upTest.reliability.start({
        file: window.b2upTest.deterministicFile(seed, size, `env-${seed}.bin`, lastModified),
        uploader,
      }),
    { seed, size, lastModified: LAST_MODIFIED, uploader: UPLOADER },
  );
}

const finished = (page: Page, id: string) =>
  page.evaluate((id) => window.b2upTest.reliability.finished(id), id);
const outcome = (page: Page, id: string) =>
  page.evaluate((id) => window.b2upTest.reliability.outcome(id), id);

async function rightBytes(fileId: string | undefined, seed: number, size = SIZE): Promise<boolean> {
  return fileId !== undefined && (await storedSha1(stack, fileId)) === expectedSha1(seed, size);
}

test('two tabs on one file: one uploads, the other takes over when it closes', async ({
  context,
  harnessUrl,
}) => {
  const seed = baseSeed() + 300;
  const url = harnessUrl({ broker: stack.brokerUrl });
  const before = starts();
  // A slower link, so the second tab arrives while the first is still uploading.
  stack.setPartDelay(400);
  const first = await context.newPage();
  const second = await context.newPage();
  const errors = [...(await open(first, url)), ...(await open(second, url))];
  const a = await startFile(first, seed);
  for (;;) {
    if ((await outcome(first, a)).partsDone >= 2) break;
    await first.waitForTimeout(10);
  }
  const b = await startFile(second, seed);
  await second.waitForTimeout(300);
  const waiting = (await outcome(second, b)).state;
  await first.close();
  const o = await finished(second, b);
  const ok = await rightBytes(o.result?.fileId, seed);
  stack.setPartDelay(0);
  const doubleStarts = starts() - before - 1;
  publish('a-two-tabs', [
    figure('two tabs: second tab waited while the first uploaded', waiting, 'waiting', waiting === 'waiting'),
    figure(
      'two tabs: second tab completed after the first closed (SHA-1 equal)',
      ok ? 'yes' : `no (${o.error?.code})`,
      'yes',
      ok,
    ),
    figure('two tabs: double starts (b2_start_large_file beyond one)', doubleStarts, '0', doubleStarts === 0),
    figure('two tabs: uncaught page errors', errors.length, '0', errors.length === 0),
  ]);
  await second.close();
  expect(ok).toBe(true);
  expect(doubleStarts).toBe(0);
  expect(waiting).toBe('waiting');
});

const BROKEN_STORAGE = {
  'IndexedDB refusing to open': () => {
    IDBFactory.prototype.open = function open() {
      const request = {
        result: undefined,
        error: new DOMException('refused', 'UnknownError'),
      } as unknown as IDBOpenDBRequest;
      setTimeout(
        () => (request as unknown as { onerror?: (e: Event) => void }).onerror?.(new Event('error')),
        0,
      );
      return request;
    };
  },
  'QuotaExceededError on every write': () => {
    IDBObjectStore.prototype.put = () => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
  },
  'no IndexedDB at all': () => {
    Object.defineProperty(globalThis, 'indexedDB', { value: undefined, configurable: true });
  },
} as const;

for (const [label, breakIt] of Object.entries(BROKEN_STORAGE)) {
  test(`storage: ${label}`, async ({ page, harnessUrl }) => {
    const seed = baseSeed() + 400 + label.length;
    await page.addInitScript(breakIt);
    await page.addInitScript(() => {
      (window as unknown as { rejections: number }).rejections = 0;
      addEventListener(
        'unhandledrejection',
        () => (window as unknown as { rejections: number }).rejections++,
      );
    });
    const errors = await open(page, harnessUrl({ broker: stack.brokerUrl }));
    const id = await startFile(page, seed, 24 * MiB);
    const o = await finished(page, id);
    const resumable = await page.evaluate(
      (uploader) => window.b2upTest.reliability.resumable('alice', uploader),
      UPLOADER,
    );
    const rejections = await page.evaluate(() => (window as unknown as { rejections: number }).rejections);
    const ok = await rightBytes(o.result?.fileId, seed, 24 * MiB);
    const uncaught = errors.length + rejections;
    publish(`b-storage-${label.split(' ')[0]!.toLowerCase()}${label.length}`, [
      figure(
        `storage, ${label}: completed (SHA-1 equal) / resumable`,
        `${ok ? 'yes' : `no (${o.error?.code})`} / ${resumable}`,
        'yes / false',
        ok && !resumable,
      ),
      figure(`storage, ${label}: uncaught errors`, uncaught, '0', uncaught === 0),
    ]);
    expect(ok).toBe(true);
    expect(resumable).toBe(false);
    expect(uncaught).toBe(0);
  });
}

test('network: offline and online every few seconds', async ({ page, context, harnessUrl }) => {
  const seed = baseSeed() + 500;
  const errors = await open(page, harnessUrl({ broker: stack.brokerUrl }));
  let offline = false;
  let whileOffline = 0;
  let windows = 0;
  const offlineRequests: string[] = [];
  page.on('request', (request) => {
    if (!offline) return;
    whileOffline += 1;
    offlineRequests.push(`${request.method()} ${new URL(request.url()).pathname.slice(0, 60)}`);
  });
  // A slower link keeps the upload going through several offline windows.
  stack.setPartDelay(300);
  const id = await startFile(page, seed);
  let settled = false;
  const done = finished(page, id).finally(() => {
    settled = true;
  });
  // The upload takes a second or two on loopback: short windows, so several land inside it.
  while (!settled) {
    await page.waitForTimeout(300);
    if (settled) break;
    offline = true;
    windows += 1;
    await context.setOffline(true);
    await page.waitForTimeout(1500);
    offline = false;
    await context.setOffline(false);
  }
  const o = await done;
  stack.setPartDelay(0);
  const ok = await rightBytes(o.result?.fileId, seed);
  const perWindow = whileOffline / Math.max(1, windows);
  // No storm: at most one attempt per slot that was sending when the network went, plus one
  // broker call; a retry loop on a timer would make dozens.
  const stormBar = UPLOADER.concurrency + 1;
  console.log(JSON.stringify({ offlineRequests }));
  publish('c-offline', [
    figure(
      'offline/online: completed (SHA-1 equal)',
      ok ? 'yes' : `no (${o.error?.code}: ${o.error?.message})`,
      'yes',
      ok,
    ),
    figure(
      'offline/online: offline windows / requests started while offline',
      `${windows} / ${whileOffline}`,
      `≤ ${stormBar} per window`,
      perWindow <= stormBar,
    ),
    figure('offline/online: uncaught page errors', errors.length, '0', errors.length === 0),
  ]);
  expect(ok).toBe(true);
  expect(perWindow).toBeLessThanOrEqual(stormBar);
});

for (const hours of [25, -25]) {
  test(`clock: client ${hours > 0 ? 'ahead' : 'behind'} by ${Math.abs(hours)} h`, async ({
    page,
    harnessUrl,
  }) => {
    const seed = baseSeed() + 600 + hours;
    await page.addInitScript((offset) => {
      const RealDate = Date;
      class ShiftedDate extends RealDate {
        constructor(...args: unknown[]) {
          if (args.length === 0) super(RealDate.now() + offset);
          else super(...(args as [number]));
        }
        static override now() {
          return RealDate.now() + offset;
        }
      }
      globalThis.Date = ShiftedDate as DateConstructor;
    }, hours * 3600_000);
    const url = harnessUrl({ broker: stack.brokerUrl });
    const errors = await open(page, url);
    // Interrupted once, so the resume record (and its expiry) is put to use under the skewed clock.
    const first = await startFile(page, seed);
    for (;;) {
      if ((await outcome(page, first)).partsDone >= 3) break;
      await page.waitForTimeout(10);
    }
    await page.reload();
    await page.waitForFunction(() => window.b2upTest?.ready === true);
    const id = await startFile(page, seed);
    const o = await finished(page, id);
    const ok = await rightBytes(o.result?.fileId, seed);
    publish(`d-clock${hours > 0 ? '+' : ''}${hours}`, [
      figure(
        `clock ${hours > 0 ? '+' : ''}${hours} h: completed (SHA-1 equal) / resumed after reload`,
        `${ok ? 'yes' : `no (${o.error?.code})`} / ${o.resumed}`,
        'yes / true',
        ok && o.resumed,
      ),
      figure(
        `clock ${hours > 0 ? '+' : ''}${hours} h: uncaught page errors`,
        errors.length,
        '0',
        errors.length === 0,
      ),
    ]);
    expect(ok).toBe(true);
    expect(o.resumed).toBe(true);
  });
}
