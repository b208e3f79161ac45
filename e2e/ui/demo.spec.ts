/**
 * The built demo (dist/demo) served by the dev server (`b2up dev`): the <b2up-uploader> element
 * driven like a user would — picker, drop, pause/resume/cancel, the resume list after a reload,
 * keyboard only — with every upload checked byte for byte (SHA-1) in the emulator's bucket.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, type Locator, type Page, test } from '@playwright/test';
import type { DevServer } from '../../src/cli/dev-server.js';
import {
  builtPath,
  holdParts,
  MIN_PART_SIZE,
  makeFile,
  repoRoot,
  serve,
  storedSha1,
  type TestFile,
  tempDir,
  unfinishedCount,
} from './support.js';

let server: DevServer;
let files: Awaited<ReturnType<typeof tempDir>>;

test.beforeAll(async () => {
  server = await serve(builtPath('demo'));
  files = await tempDir('b2up-ui-files-');
});

test.afterAll(async () => {
  await server?.close();
  await files?.remove();
});

/** The demo with parts of MIN_PART_SIZE, so a few-MB file takes the large-file flow in many parts. */
async function openDemo(page: Page): Promise<Locator> {
  const notFound: string[] = [];
  page.on('response', (response) => {
    if (response.status() === 404) notFound.push(response.url());
  });
  await page.goto(`${server.url}/?partSize=${MIN_PART_SIZE}`, { waitUntil: 'load' });
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
  expect(await storedSha1(server, file.name)).toBe(file.sha1);
}

test('pick files: progress reaches 100 % and B2 holds the same bytes', async ({ page }) => {
  const big = await makeFile(files.dir, 'picked-large.bin', 3 * 1024 * 1024 + 17, 1);
  const small = await makeFile(files.dir, 'picked-small.txt', 10_000, 2);
  const element = await openDemo(page);
  const chooser = page.waitForEvent('filechooser');
  await element.locator('.zone').click();
  await (await chooser).setFiles([big.path, small.path]);
  await expectUploaded(element, big);
  await expectUploaded(element, small);
  await page.screenshot({ path: `${repoRoot}/docs/screenshots/demo.png`, fullPage: true });
});

test('drop files (and a DataTransfer like a real drag) uploads them', async ({ page }) => {
  const a = await makeFile(files.dir, 'dropped-a.bin', 1024 * 1024 + 5, 3);
  const b = await makeFile(files.dir, 'dropped-b.bin', 700_000, 4);
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
  const folder = join(files.dir, 'album');
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

test('pause, resume and cancel buttons work; the bar moves between 0 and 100', async ({ page }) => {
  const first = await makeFile(files.dir, 'paused.bin', 3 * 1024 * 1024, 5);
  const second = await makeFile(files.dir, 'cancelled.bin', 2 * 1024 * 1024, 6);
  const element = await openDemo(page);
  const parts = await holdParts(page, 2);
  const chooser = page.waitForEvent('filechooser');
  await element.locator('.zone').click();
  await (await chooser).setFiles([first.path, second.path]);

  const paused = row(element, first.name);
  const bar = paused.getByRole('progressbar');
  await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow'))).toBeGreaterThan(0);
  expect(Number(await bar.getAttribute('aria-valuenow'))).toBeLessThan(100);
  await paused.getByRole('button', { name: `Pause ${first.name}` }).click();
  await expect(paused).toHaveAttribute('data-state', 'paused');
  await expect(paused.getByRole('button', { name: `Resume ${first.name}` })).toBeVisible();
  await page.screenshot({ path: `${repoRoot}/docs/screenshots/paused.png` });

  const cancelled = row(element, second.name);
  await cancelled.getByRole('button', { name: `Cancel ${second.name}` }).click();
  await expect(cancelled).toHaveAttribute('data-state', 'cancelled');
  await expect(cancelled.getByRole('button', { name: `Retry ${second.name}` })).toBeVisible();

  await parts.release();
  await paused.getByRole('button', { name: `Resume ${first.name}` }).click();
  await expectUploaded(element, first);
  expect(await storedSha1(server, second.name)).toBeUndefined();
  // Cancel also cancelled the large file in B2 (the paused one finished, so none is left).
  await expect.poll(() => unfinishedCount(server)).toBe(0);
});

test('after a reload the resume list asks for the file again, and re-picking it finishes the upload', async ({
  page,
}) => {
  const file = await makeFile(files.dir, 'resumed.bin', 3 * 1024 * 1024 + 1, 7);
  const element = await openDemo(page);
  const parts = await holdParts(page, 3);
  const chooser = page.waitForEvent('filechooser');
  await element.locator('.zone').click();
  await (await chooser).setFiles(file.path);
  await expect.poll(() => parts.held).toBeGreaterThan(0);
  await expect
    .poll(async () =>
      Number(await row(element, file.name).getByRole('progressbar').getAttribute('aria-valuenow')),
    )
    .toBeGreaterThan(0);

  await page.reload();
  await parts.release();
  const pending = element.locator('section.pending');
  await expect(pending).toBeVisible();
  await expect(pending).toContainText(file.name);
  await expect(pending).toContainText('Can be resumed');
  await page.screenshot({ path: `${repoRoot}/docs/screenshots/resume-list.png` });

  const again = page.waitForEvent('filechooser');
  await pending.getByRole('button', { name: `Choose ${file.name} again to resume it` }).click();
  await (await again).setFiles(file.path);
  await expectUploaded(element, file);
  await expect(row(element, file.name)).toContainText('resumed');
  await expect(pending).toBeHidden();
});

test('keyboard only: tab to the drop zone, Enter opens the picker, tab to Pause and press it', async ({
  page,
}) => {
  const file = await makeFile(files.dir, 'keyboard.bin', 2 * 1024 * 1024, 8);
  const element = await openDemo(page);
  const parts = await holdParts(page, 1);
  const focused = () =>
    page.evaluate(() => {
      const host = document.activeElement;
      const inner = host?.shadowRoot?.activeElement;
      return inner ? `${inner.tagName}:${inner.getAttribute('aria-label') ?? inner.textContent}` : host?.id;
    });

  // Listen before any key is pressed: Playwright turns on file-chooser interception when the first
  // listener is added, and a key press (unlike a click) has no actionability wait to cover that.
  const chooser = page.waitForEvent('filechooser');
  for (let i = 0; i < 10 && !(await focused())?.startsWith('DIV:'); i++) await page.keyboard.press('Tab');
  expect(await focused()).toMatch(/^DIV:/);
  await page.keyboard.press('Enter');
  await (await chooser).setFiles(file.path);
  await expect(row(element, file.name)).toHaveAttribute('data-state', /uploading|preparing|waiting/);

  for (let i = 0; i < 10 && (await focused()) !== `BUTTON:Pause ${file.name}`; i++) {
    await page.keyboard.press('Tab');
  }
  expect(await focused()).toBe(`BUTTON:Pause ${file.name}`);
  await page.keyboard.press('Enter');
  await expect(row(element, file.name)).toHaveAttribute('data-state', 'paused');
  // The same button, still focused, now resumes.
  expect(await focused()).toBe(`BUTTON:Resume ${file.name}`);
  await parts.release();
  await page.keyboard.press('Space');
  await expectUploaded(element, file);
});
