/**
 * Files the broker refuses outright (a type it doesn't accept, a size over its limit): the row says
 * why with the broker's limit in human units, shows no Retry (it could never succeed) and no bar
 * stuck near the end — in the element, and so in React and Vue, which render the same element.
 */
import { expect, type Locator, test } from '@playwright/test';
import { makeFile, useDemo } from './support.js';

const demo = useDemo(test, 'b2up-ui-rejections-', {
  limits: { maxFileSize: 2_000_000, allowedTypes: ['image/*', 'application/octet-stream'] },
});

async function expectFinalRefusal(row: Locator, words: RegExp): Promise<void> {
  await expect(row).toHaveAttribute('data-state', 'failed');
  await expect(row).toContainText(words);
  await expect(row.getByRole('button', { name: /^Retry/ })).toBeHidden();
  await expect(row.getByRole('button', { name: /^Remove/ })).toBeVisible();
  await expect(row.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '0');
}

test('a refused type and an oversize file: the reason with the limit, no Retry', async ({ page }) => {
  const html = await makeFile(demo.dir, 'page.html', 20_000, 1);
  const big = await makeFile(demo.dir, 'too-big.bin', 2_500_000, 2);
  await page.goto(demo.server.url);
  const element = page.locator('#element-uploader');
  const chooser = page.waitForEvent('filechooser');
  await element.locator('.zone').click();
  await (await chooser).setFiles([html.path, big.path]);

  await expectFinalRefusal(
    element.locator('li.row', { hasText: 'page.html' }),
    /not accepted here.*text\/html.*Accepted: image\/\*, application\/octet-stream/,
  );
  await expectFinalRefusal(
    element.locator('li.row', { hasText: 'too-big.bin' }),
    /larger than this site accepts\. Files may be at most 2\.0 MB\./,
  );
});

test('a failure a retry can fix still offers Retry', async ({ page }) => {
  const file = await makeFile(demo.dir, 'flaky.bin', 30_000, 3);
  // A small file's first broker call: the presign (S3) or the proxied upload, whichever the broker offers.
  const smallFileCall = /\/b2up\/files(\/presign)?$/;
  await page.route(smallFileCall, (route) =>
    route.fulfill({
      status: 401,
      contentType: 'application/json',
      body: JSON.stringify({ status: 401, code: 'unauthenticated', message: 'Log in to upload.' }),
    }),
  );
  await page.goto(demo.server.url);
  const element = page.locator('#element-uploader');
  const chooser = page.waitForEvent('filechooser');
  await element.locator('.zone').click();
  await (await chooser).setFiles([file.path]);
  const row = element.locator('li.row', { hasText: 'flaky.bin' });
  await expect(row).toHaveAttribute('data-state', 'failed');
  await expect(row).toContainText('Sign in again');
  await page.unroute(smallFileCall);
  await row.getByRole('button', { name: /^Retry/ }).click();
  await expect(row).toHaveAttribute('data-state', 'done');
});
