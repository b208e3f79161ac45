/**
 * What users expect next to Uppy's Dashboard, in the element (and so in React and Vue): overall
 * progress with Pause all / Resume all / Cancel all, a thumbnail for a picture and a kind badge for
 * other files, compact rows for small files, a clear "done" with the name B2 stored it under —
 * all reachable by keyboard and themable. Takes the README's screenshot of it (with B2UP_SCREENSHOTS=1).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, type Locator, test } from '@playwright/test';
import { docsScreenshot, holdParts, makeFile, MIN_PART_SIZE, storedSha1, useDemo } from './support.js';

const demo = useDemo(test, 'b2up-ui-dashboard-');

const row = (element: Locator, name: string) => element.locator('li.row', { hasText: name });

test('overall progress, pause all / resume all / cancel all, thumbnails, compact rows, done with the stored name', async ({
  page,
}) => {
  await page.goto(`${demo.server.url}/?partSize=${MIN_PART_SIZE}`);
  // A real picture, drawn by the browser, for the thumbnail.
  const png = await page.evaluate(() => {
    const canvas = document.createElement('canvas');
    canvas.width = 160;
    canvas.height = 120;
    const g = canvas.getContext('2d')!;
    const gradient = g.createLinearGradient(0, 0, 160, 120);
    gradient.addColorStop(0, '#2f5bea');
    gradient.addColorStop(1, '#e21e29');
    g.fillStyle = gradient;
    g.fillRect(0, 0, 160, 120);
    return canvas.toDataURL('image/png').split(',')[1]!;
  });
  const photo = join(demo.dir, 'holiday-photo.png');
  await writeFile(photo, Buffer.from(png, 'base64'));
  const big = await makeFile(demo.dir, 'site-backup.zip', 3 * 1024 * 1024 + 11, 51);
  const other = await makeFile(demo.dir, 'interview.mp4', 2 * 1024 * 1024 + 7, 52);
  const notes = await makeFile(demo.dir, 'notes.txt', 12_000, 53);

  const element = page.locator('#element-uploader');
  const summary = element.locator('.summary');
  const parts = await holdParts(page, 2);
  const chooser = page.waitForEvent('filechooser');
  await element.locator('.zone').click();
  await (await chooser).setFiles([big.path, other.path, photo, notes.path]);

  // Small files finish on their own; each shows the name B2 stored it under.
  for (const name of ['holiday-photo.png', 'notes.txt']) {
    const done = row(element, name);
    await expect(done).toHaveAttribute('data-state', 'done');
    await expect(done).toHaveClass(/compact/);
    await expect(done.locator('.status')).toHaveText('Uploaded');
    await expect(done.locator('.check')).toBeVisible();
    await expect(done.locator('.stored')).toHaveText(
      new RegExp(`^uploads/[0-9a-f-]{36}/${name.replace('.', '\\.')}$`),
    );
  }
  await expect(row(element, 'holiday-photo.png').locator('.thumb img')).toHaveJSProperty('naturalWidth', 160);
  await expect(row(element, big.name).locator('.thumb')).toHaveText('ZIP');
  await expect(row(element, big.name)).not.toHaveClass(/compact/);

  // The big two are held mid-way: the summary counts every file and offers Pause all.
  await expect(summary).toBeVisible();
  await expect(summary).toContainText('2 of 4 done');
  const overallBar = summary.getByRole('progressbar', { name: 'All uploads' });
  await expect.poll(async () => Number(await overallBar.getAttribute('aria-valuenow'))).toBeGreaterThan(0);
  expect(Number(await overallBar.getAttribute('aria-valuenow'))).toBeLessThan(100);
  const picture = docsScreenshot('dashboard');
  if (picture) await element.screenshot({ path: picture });

  // Keyboard: Pause all is a real button in the tab order.
  const pauseAll = summary.getByRole('button', { name: 'Pause all' });
  await pauseAll.focus();
  await page.keyboard.press('Enter');
  for (const file of [big, other])
    await expect(row(element, file.name)).toHaveAttribute('data-state', 'paused');
  await expect(summary).toContainText('2 paused');
  await expect(pauseAll).toBeHidden();

  // Parts are still held: Resume all sets both going again, Cancel all stops both.
  await summary.getByRole('button', { name: 'Resume all' }).click();
  for (const file of [big, other]) {
    await expect(row(element, file.name)).not.toHaveAttribute('data-state', 'paused');
  }
  await summary.getByRole('button', { name: 'Cancel all' }).click();
  for (const file of [big, other])
    await expect(row(element, file.name)).toHaveAttribute('data-state', 'cancelled');
  await expect(summary.getByRole('button', { name: 'Cancel all' })).toBeHidden();
  await expect(summary).toContainText('2 of 4 done');
  await parts.release();
  expect(await storedSha1(demo.server, 'notes.txt')).toBe(notes.sha1);
});

test('the summary and thumbnails follow the theme', async ({ page }) => {
  await page.goto(demo.server.url);
  const element = page.locator('#element-uploader');
  await element.evaluate((node) => {
    (node as HTMLElement).style.setProperty('--b2up-zone-background', 'rgb(1, 2, 3)');
    (node as HTMLElement).style.setProperty('--b2up-thumb-background', 'rgb(4, 5, 6)');
  });
  const a = await makeFile(demo.dir, 'a.bin', 5_000, 61);
  const b = await makeFile(demo.dir, 'b.bin', 5_000, 62);
  const chooser = page.waitForEvent('filechooser');
  await element.locator('.zone').click();
  await (await chooser).setFiles([a.path, b.path]);
  await expect(element.locator('.summary')).toContainText('2 of 2 done');
  await expect(element.locator('.summary')).toHaveCSS('background-color', 'rgb(1, 2, 3)');
  await expect(row(element, 'a.bin').locator('.thumb')).toHaveCSS('background-color', 'rgb(4, 5, 6)');
});
