/**
 * The built demo (dist/demo) served by the dev server (`b2up dev`): drop and folder picking on the
 * <b2up-uploader> element, with every upload checked byte for byte (SHA-1) in the emulator's
 * bucket. Chromium only: they feed files through Playwright's synthetic DataTransfer and its
 * directory chooser, which the WebDriver drivers can't. Picker, pause/resume/cancel, resume list
 * and keyboard run in every engine (e2e/all-engines/ui.spec.ts). Small files go straight to B2 by
 * presigned URL: the emulator's counters and the broker's byte count show none of their bytes
 * passed through the broker.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, type Locator, type Page, test } from '@playwright/test';
import { MIN_PART_SIZE, makeFile, storedSha1, type TestFile, useDemo } from './support.js';

const demo = useDemo(test, 'b2up-ui-files-');

/** The demo with parts of MIN_PART_SIZE, so a few-MB file takes the large-file flow in many parts. */
async function openDemo(page: Page): Promise<Locator> {
  const notFound: string[] = [];
  page.on('response', (response) => {
    if (response.status() === 404) notFound.push(response.url());
  });
  await page.goto(`${demo.server.url}/?partSize=${MIN_PART_SIZE}`, { waitUntil: 'load' });
  // Nothing the page loads is missing; it names its icon, so no browser asks for /favicon.ico.
  expect(notFound).toEqual([]);
  await expect(page.locator('link[rel=icon]')).toHaveAttribute('href', /^data:image\/svg\+xml,/);
  const element = page.locator('#element-uploader');
  await expect(element.locator('.zone')).toBeVisible();
  return element;
}

const row = (element: Locator, name: string) => element.locator('li.row', { hasText: name });

async function expectUploaded(element: Locator, file: TestFile): Promise<void> {
  const line = row(element, file.name);
  await expect(line).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await expect(line.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
  expect(await storedSha1(demo.server, file.name)).toBe(file.sha1);
}

test('drop files (and a DataTransfer like a real drag) uploads them', async ({ page }) => {
  const a = await makeFile(demo.dir, 'dropped-a.bin', 1024 * 1024 + 5, 3);
  const b = await makeFile(demo.dir, 'dropped-b.bin', 700_000, 4);
  const element = await openDemo(page);
  const transfer = await page.evaluateHandle(
    (list) => {
      const data = new DataTransfer();
      for (const { name, base64 } of list) {
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        data.items.add(new File([bytes], name, { type: 'application/octet-stream' }));
      }
      return data;
    },
    [a, b].map((f) => ({ name: f.name, base64: f.bytes.toString('base64') })),
  );
  const zone = element.locator('.zone');
  await zone.dispatchEvent('dragenter', { dataTransfer: transfer });
  await zone.dispatchEvent('dragover', { dataTransfer: transfer });
  await zone.dispatchEvent('drop', { dataTransfer: transfer });
  await expectUploaded(element, a);
  await expectUploaded(element, b);
});

test('choose a folder: every file in it (and in its subfolders) uploads', async ({ page }) => {
  const folder = join(demo.dir, 'album');
  await mkdir(join(folder, 'day-2'), { recursive: true });
  const top = await makeFile(folder, 'top.bin', 600_000, 21);
  const nested = await makeFile(join(folder, 'day-2'), 'nested.bin', 1_200_000, 22);
  const element = await openDemo(page);
  const chooser = page.waitForEvent('filechooser');
  await element.getByRole('button', { name: 'Choose a folder' }).click();
  await (await chooser).setFiles(folder);
  await expectUploaded(element, top);
  await expectUploaded(element, nested);
});

test('small files go straight to B2 by presigned URL: no file bytes through the broker', async ({ page }) => {
  const picked = [
    await makeFile(demo.dir, 'direct-a.png', 200_000, 31),
    await makeFile(demo.dir, 'direct-b.png', 40_000, 32),
    await makeFile(demo.dir, 'direct-c.png', 3_000, 33),
  ];
  const fileBytes = picked.reduce((sum, f) => sum + f.size, 0);
  const element = await openDemo(page);
  const config = await (await page.request.get(`${demo.server.url}/b2up/config`)).json();
  expect(config).toMatchObject({ smallFiles: 's3' });
  expect(picked.every((f) => f.size < config.smallFileMaxSize)).toBe(true);

  const { emulator, broker } = demo.server.stack;
  const counts = () => emulator.counters.snapshot().endpoints;
  const before = { counts: counts(), brokerBytes: broker.bytesReceived() };
  const chooser = page.waitForEvent('filechooser');
  await element.locator('.zone').click();
  await (await chooser).setFiles(picked.map((f) => f.path));
  for (const file of picked) {
    await expectUploaded(element, file);
    const mark = row(element, file.name).locator('.direct');
    await expect(mark).toHaveText('direct to B2');
    await expect(mark).toHaveAttribute('title', /presigned URL.*SHA-1 B2 stored was checked/);
  }

  const after = counts();
  const delta = (name: 's3:PutObject' | 'b2_upload_file', field: 'requests' | 'bytesReceived') =>
    (after[name]?.[field] ?? 0) - (before.counts[name]?.[field] ?? 0);
  // Three PUTs carried exactly the files' bytes to B2's S3 endpoint; the native upload the broker
  // proxies through was never called.
  expect(delta('s3:PutObject', 'requests')).toBe(3);
  expect(delta('s3:PutObject', 'bytesReceived')).toBe(fileBytes);
  expect(delta('b2_upload_file', 'requests')).toBe(0);
  // The broker read small JSON requests only (config, presign, confirm, with a browser's headers):
  // a few KB a file whatever its size, under a tenth of the files' bytes. A proxied upload would
  // have cost it every byte.
  const brokerBytes = broker.bytesReceived() - before.brokerBytes;
  expect(brokerBytes).toBeLessThan(picked.length * 8192);
  expect(brokerBytes).toBeLessThan(fileBytes / 10);
});
