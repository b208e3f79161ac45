/**
 * Playwright fixtures for browser specs. Import `test` and `expect` from here instead of
 * `@playwright/test`:
 *
 *   import { expect, test } from './harness/fixtures.js';
 *   test('…', async ({ page, openHarness }) => {
 *     await openHarness({ broker: brokerUrl });          // page.goto + wait until window.b2upTest
 *     const sha1 = await page.evaluate(() => window.b2upTest.hasher.createWorkerHasher()…);
 *   });
 *
 * The page is built once per Playwright worker process and served on 127.0.0.1 at a free port;
 * the server and its temp dir go away when the worker process ends.
 */
import { test as base } from '@playwright/test';
import { type HarnessCsp, type HarnessServer, startHarness } from './server.js';

export { expect } from '@playwright/test';
export type { B2upTestApi, Settled } from './page/main.js';

/** Values put in the page's query string; the page reads them as `window.b2upTest.params`. */
export type HarnessParams = Record<string, string>;

export interface HarnessFixtures {
  /** The harness page's URL, with `params` (e.g. the broker and emulator URLs a spec started). */
  harnessUrl: (params?: HarnessParams) => string;
  /** Opens the harness page in `page` and waits until `window.b2upTest` is ready. */
  openHarness: (params?: HarnessParams) => Promise<void>;
}

export interface HarnessWorkerFixtures {
  harnessServer: HarnessServer;
  /** Serve the page with a Content-Security-Policy (`test.use({ harnessCsp })` in a spec file). */
  harnessCsp: HarnessCsp | undefined;
}

export const test = base.extend<HarnessFixtures, HarnessWorkerFixtures>({
  harnessCsp: [undefined, { scope: 'worker', option: true }],
  harnessServer: [
    async ({ harnessCsp }, use) => {
      const server = await startHarness(harnessCsp);
      try {
        await use(server);
      } finally {
        await server.close();
      }
    },
    { scope: 'worker', timeout: 120_000 },
  ],
  harnessUrl: async ({ harnessServer }, use) => {
    await use((params = {}) => {
      const url = new URL('/index.html', harnessServer.origin);
      for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
      return url.href;
    });
  },
  openHarness: async ({ page, harnessUrl }, use) => {
    await use(async (params) => {
      await page.goto(harnessUrl(params));
      await page.waitForFunction(() => window.b2upTest?.ready === true);
    });
  },
});
