/**
 * `<b2up-uploader>` gets its hash worker going while the user chooses files: loading a page with an
 * uploader starts no worker, opening the picker starts one before any file is chosen (its script
 * loads meanwhile, a round trip a far link no longer waits for after the pick), and the picked
 * file then uploads whole.
 */
import { expect, test } from '@playwright/test';
import { MIN_PART_SIZE, makeFile, storedSha1, useDemo } from './support.js';

const demo = useDemo(test, 'b2up-ui-prepare-');

test('opening the picker starts the hash worker before a file is chosen; loading the page starts none', async ({
  page,
}) => {
  const workers: string[] = [];
  page.on('worker', (worker) => {
    if (worker.url().includes('hash-worker')) workers.push(worker.url());
  });
  const configAnswered = page.waitForResponse((response) => response.url().endsWith('/b2up/config'));
  await page.goto(`${demo.server.url}/?partSize=${MIN_PART_SIZE}`);
  const element = page.locator('#element-uploader');
  await expect(element.locator('.zone')).toBeVisible();
  await configAnswered;
  expect(workers).toEqual([]);

  const chooser = page.waitForEvent('filechooser');
  await element.locator('.zone').click();
  const picker = await chooser;
  await expect.poll(() => workers.length).toBe(1);

  const file = await makeFile(demo.dir, 'chosen-after-open.bin', 3 * 1024 * 1024 + 5, 31);
  await picker.setFiles([file.path]);
  const row = element.locator('li.row', { hasText: file.name });
  await expect(row).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  expect(await storedSha1(demo.server, file.name)).toBe(file.sha1);
});

test('files dragged over the zone start the hash worker before they are dropped', async ({ page }) => {
  const workers: string[] = [];
  page.on('worker', (worker) => {
    if (worker.url().includes('hash-worker')) workers.push(worker.url());
  });
  await page.goto(demo.server.url);
  const zone = page.locator('#element-uploader .zone');
  await expect(zone).toBeVisible();
  expect(workers).toEqual([]);
  await zone.dispatchEvent('dragenter');
  await expect.poll(() => workers.length).toBe(1);
});
