/**
 * Files the broker refuses outright (a type it doesn't accept, a size over its limit): the row says
 * why with the broker's limit in human units, shows no Retry (it could never succeed) and no bar
 * stuck near the end — in the element, and so in React and Vue, which render the same element.
 */
import { expect, type Locator, test } from '@playwright/test';
import type { DevServer } from '../../src/cli/dev-server.js';
import { builtPath, makeFile, serve, tempDir } from './support.js';

let server: DevServer;
let files: Awaited<ReturnType<typeof tempDir>>;

test.beforeAll(async () => {
  server = await serve(builtPath('demo'), {
    limits: { maxFileSize: 2_000_000, allowedTypes: ['image/*', 'application/octet-stream'] },
  });
  files = await tempDir('b2up-ui-rejections-');
});

test.afterAll(async () => {
  await server?.close();
  await files?.remove();
});

async function expectFinalRefusal(row: Locator, words: RegExp): Promise<void> {
  await expect(row).toHaveAttribute('data-state', 'failed');
  await expect(row).toContainText(words);
  await expect(row.getByRole('button', { name: /^Retry/ })).toBeHidden();
  await expect(row.getByRole('button', { name: /^Remove/ })).toBeVisible();
  await expect(row.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '0');
}

test('a refused type and an oversize file: the reason with the limit, no Retry', async ({ page }) => {
  const html = await makeFile(files.dir, 'page.html', 20_000, 1);
  const big = await makeFile(files.dir, 'too-big.bin', 2_500_000, 2);
  await page.goto(server.url);
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
  const file = await makeFile(files.dir, 'flaky.bin', 30_000, 3);
  await page.route('**/b2up/files', (route) =>
    route.fulfill({
      status: 401,
      contentType: 'application/json',
      body: JSON.stringify({ status: 401, code: 'unauthenticated', message: 'Log in to upload.' }),
    }),
  );
  await page.goto(server.url);
  const element = page.locator('#element-uploader');
  const chooser = page.waitForEvent('filechooser');
  await element.locator('.zone').click();
  await (await chooser).setFiles([file.path]);
  const row = element.locator('li.row', { hasText: 'flaky.bin' });
  await expect(row).toHaveAttribute('data-state', 'failed');
  await expect(row).toContainText('Sign in again');
  await page.unroute('**/b2up/files');
  await row.getByRole('button', { name: /^Retry/ }).click();
  await expect(row).toHaveAttribute('data-state', 'done');
});
