/**
 * A row of the <b2up-uploader> element through pause → resume → pause → resume → done: after each
 * resume the row reads as uploading again and offers Pause, so a second pause is possible. Parts
 * are let through a few at a time by the test (no timing): the upload is always caught mid-way.
 */
import { expect, type Locator, type Page, test } from '@playwright/test';
import { MIN_PART_SIZE, makeFile, storedSha1, useDemo } from './support.js';

const demo = useDemo(test, 'b2up-ui-pause-');

/** Lets `allow(n)` more part uploads through; the others wait (or are aborted by a pause). */
async function meterParts(page: Page) {
  let allowance = 0;
  let sent = 0;
  let all = false;
  const waiting: (() => void)[] = [];
  await page.route(/b2_upload_part/, async (route) => {
    while (!all && allowance === 0) await new Promise<void>((resolve) => waiting.push(resolve));
    if (!all) allowance -= 1;
    sent += 1;
    await route.continue().catch(() => undefined);
  });
  const wake = () => {
    for (const resolve of waiting.splice(0)) resolve();
  };
  return {
    get sent() {
      return sent;
    },
    allow(n: number) {
      allowance += n;
      wake();
    },
    all() {
      all = true;
      wake();
    },
  };
}

async function expectPaused(row: Locator, name: string): Promise<void> {
  await expect(row).toHaveAttribute('data-state', 'paused');
  await expect(row.locator('.status')).toHaveText('Paused');
  await expect(row.getByRole('button', { name: `Resume ${name}` })).toBeVisible();
  await expect(row.getByRole('button', { name: `Pause ${name}` })).toHaveCount(0);
}

async function expectUploading(row: Locator, name: string): Promise<void> {
  await expect(row).toHaveAttribute('data-state', 'uploading');
  await expect(row.locator('.status')).toHaveText(/^\d+ %/);
  await expect(row.getByRole('button', { name: `Pause ${name}` })).toBeVisible();
  await expect(row.getByRole('button', { name: `Resume ${name}` })).toHaveCount(0);
}

test('pause → resume → pause → resume → done: the row says what the upload does and offers the right button', async ({
  page,
}) => {
  const file = await makeFile(demo.dir, 'twice-paused.bin', 3 * 1024 * 1024, 21);
  await page.goto(`${demo.server.url}/?partSize=${MIN_PART_SIZE}`);
  const element = page.locator('#element-uploader');
  await expect(element.locator('.zone')).toBeVisible();
  const parts = await meterParts(page);
  const chooser = page.waitForEvent('filechooser');
  await element.locator('.zone').click();
  await (await chooser).setFiles([file.path]);
  const row = element.locator('li.row', { hasText: file.name });
  const bar = row.getByRole('progressbar');
  const percentDone = async () => Number(await bar.getAttribute('aria-valuenow'));

  for (const round of [1, 2]) {
    parts.allow(2);
    await expect.poll(() => parts.sent).toBeGreaterThanOrEqual(2 * round);
    await expectUploading(row, file.name);
    await row.getByRole('button', { name: `Pause ${file.name}` }).click();
    await expectPaused(row, file.name);
    await row.getByRole('button', { name: `Resume ${file.name}` }).click();
    await expectUploading(row, file.name);
  }
  expect(await percentDone()).toBeLessThan(100);

  parts.all();
  await expect(row).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await expect(row.locator('.status')).toHaveText(/^Uploaded/);
  await expect(row.getByRole('button', { name: `Pause ${file.name}` })).toHaveCount(0);
  expect(await percentDone()).toBe(100);
  expect(await storedSha1(demo.server, file.name)).toBe(file.sha1);
});
