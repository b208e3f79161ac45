/**
 * An upload keeps nothing per part once its parts are sent: after a full GC, a page whose uploader
 * sent 1,000 parts holds no more event listeners and no more JavaScript heap than one whose
 * uploader sent 4. What Chromium keeps per request until a GC (see docs/performance.md, "Huge
 * files") is garbage and goes; a retained XHR, part Blob, progress entry or per-part closure would
 * stay and be counted here. Both uploaders are kept open, as an app keeps its uploader.
 */
import type { CDPSession, Page } from '@playwright/test';
import { type DevStack, startDevStack } from '../src/cli/dev-stack.js';
import { expect, test } from './harness/fixtures.js';

/** A small minimum part size, so a thousand parts take seconds. */
const PART = 16 * 1024;

interface Held {
  listeners: number;
  heap: number;
}

/** Event listeners and main-thread JS heap in use after a full GC. */
async function heldAfterGc(cdp: CDPSession): Promise<Held> {
  await cdp.send('HeapProfiler.collectGarbage');
  const { jsEventListeners } = await cdp.send('Memory.getDOMCounters');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  return { listeners: jsEventListeners, heap: usedSize };
}

/** Uploads a file of `parts` parts with an uploader of its own, left open on `window`. */
async function uploadParts(page: Page, broker: string, parts: number): Promise<void> {
  const outcome = await page.evaluate(
    async ({ broker, parts, part }) => {
      const { sdk } = window.b2upTest;
      const uploader = sdk.createUploader({
        broker: sdk.createHttpBrokerClient(broker, { headers: () => ({ Authorization: 'Bearer alice' }) }),
        partSize: part,
        resume: false,
      });
      ((window as unknown as { keptUploaders?: unknown[] }).keptUploaders ??= []).push(uploader);
      const file = new File([new Uint8Array(parts * part).fill(7)], `parts-${parts}.bin`);
      const upload = uploader.upload(file);
      const result = await upload.done;
      return { size: result.size, parts: upload.snapshot().partsTotal };
    },
    { broker, parts, part: PART },
  );
  expect(outcome).toEqual({ size: parts * PART, parts });
}

test.describe('memory an upload keeps', () => {
  let stack: DevStack;
  test.beforeAll(async ({ harnessServer }) => {
    stack = await startDevStack({ origins: [harnessServer.origin], minPartSize: PART, keepBytes: false });
  });
  test.afterAll(async () => {
    await stack.close();
  });

  test('after 1,000 parts and a GC, no more listeners or heap than after 4 parts', async ({
    page,
    openHarness,
  }) => {
    test.setTimeout(120_000);
    await openHarness({ broker: stack.brokerUrl });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('HeapProfiler.enable');
    // A first upload of as many parts loads what every upload needs once: modules, the worker
    // script, and the code V8 optimises only once it has run many times.
    await uploadParts(page, stack.brokerUrl, 1_000);
    const base = await heldAfterGc(cdp);
    await uploadParts(page, stack.brokerUrl, 4);
    const few = await heldAfterGc(cdp);
    await uploadParts(page, stack.brokerUrl, 1_000);
    const many = await heldAfterGc(cdp);
    const perUploader = { listeners: few.listeners - base.listeners, heap: few.heap - base.heap };
    const manyGrowth = { listeners: many.listeners - few.listeners, heap: many.heap - few.heap };
    // The same fixed cost as the 4-part uploader (its workers' listeners), nothing per part: a
    // retained XHR alone brings 6 listeners.
    expect(manyGrowth.listeners).toBe(perUploader.listeners);
    // A retained object of 64 bytes per part would add 64 KB.
    expect(manyGrowth.heap - perUploader.heap).toBeLessThan(64 * 1024);
  });
});
