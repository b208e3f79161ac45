/**
 * A page whose Content-Security-Policy refuses worker scripts — a strict nonce-based `script-src`
 * and no `worker-src`, which then falls back to `script-src` — so hashing moves to the page's own
 * thread, and uploads still finish with SHA-1s that B2 verified.
 */
import { deterministicSha1, expect, MIN_PART, requests, storedSha1, test } from './stack.js';

const nonce = 'b2up-csp-test';
test.use({
  harnessCsp: {
    nonce,
    policy: `script-src 'nonce-${nonce}' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'`,
  },
});

test('workers refused by CSP: uploads hash in the page and finish verified', async ({
  page,
  openStack,
  stack,
}) => {
  await page.addInitScript(() => {
    const violations: string[] = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      violations.push(`${event.effectiveDirective} ${event.blockedURI}`);
    });
    Object.assign(window, { cspViolations: violations });
  });
  const workers: string[] = [];
  page.on('worker', (worker) => workers.push(worker.url()));
  await openStack();

  const small = 700_000;
  const large = 5 * MIN_PART + 321;
  const [smallResult, largeResult] = await page.evaluate(
    async ([smallSize, largeSize, partSize]) => {
      const { uploads, deterministicFile } = window.b2upTest;
      const smallId = uploads.start({ file: deterministicFile(31, smallSize, 'small.bin') });
      const largeId = uploads.start({
        file: deterministicFile(32, largeSize, 'large.bin'),
        uploader: { partSize },
      });
      return [await uploads.finished(smallId), await uploads.finished(largeId)];
    },
    [small, large, MIN_PART] as const,
  );

  const violations = await page.evaluate(
    () => (window as unknown as { cspViolations: string[] }).cspViolations,
  );
  expect(violations.some((v) => v.startsWith('worker-src') || v.startsWith('script-src'))).toBe(true);
  expect(workers).toEqual([]);
  expect(smallResult.error).toBeUndefined();
  expect(smallResult.result?.contentSha1).toBe(deterministicSha1(31, small));
  expect(await storedSha1(stack, smallResult.result!.fileId)).toBe(deterministicSha1(31, small));
  expect(largeResult.error).toBeUndefined();
  expect(largeResult.partsTotal).toBeGreaterThan(1);
  expect(await storedSha1(stack, largeResult.result!.fileId)).toBe(deterministicSha1(32, large));
  // B2 checked every part against the SHA-1 hashed in the page and refused none.
  expect(requests(stack, 'b2_upload_part')).toBe(largeResult.partsTotal);
});
