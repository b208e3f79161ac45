/**
 * A broker that goes away mid-upload (a restart, a proxy's 503) is waited out: the row reads
 * "Reconnecting to the server…" and still offers Pause and Cancel, and the upload finishes once
 * the broker answers again — no Retry, nothing sent twice.
 */
import { expect, test } from '@playwright/test';
import { MIN_PART_SIZE, makeFile, storedSha1, useDemo } from './support.js';

const demo = useDemo(test, 'b2up-ui-reconnecting-');

test('the row says it is reconnecting while the broker is away, then finishes', async ({ page }) => {
  const file = await makeFile(demo.dir, 'while-away.bin', 4 * MIN_PART_SIZE + 3, 71);
  const away = '**/b2up/uploads/*/finish';
  await page.route(away, (route) =>
    route.fulfill({
      status: 503,
      contentType: 'application/json',
      body: JSON.stringify({ status: 503, code: 'unavailable', message: 'restarting' }),
    }),
  );
  await page.goto(`${demo.server.url}/?partSize=${MIN_PART_SIZE}`);
  const element = page.locator('#element-uploader');
  const chooser = page.waitForEvent('filechooser');
  await element.locator('.zone').click();
  await (await chooser).setFiles(file.path);

  const row = element.locator('li.row', { hasText: file.name });
  await expect(row).toHaveAttribute('data-state', 'reconnecting');
  await expect(row.locator('.status')).toHaveText('Reconnecting to the server…');
  await expect(row.getByRole('button', { name: `Pause ${file.name}` })).toBeVisible();
  await expect(row.getByRole('button', { name: `Cancel ${file.name}` })).toBeVisible();
  await expect(row.getByRole('button', { name: `Retry ${file.name}` })).toBeHidden();

  await page.unroute(away);
  await expect(row).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  expect(await storedSha1(demo.server, file.name)).toBe(file.sha1);
});
