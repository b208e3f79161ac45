/**
 * Uppy (Dashboard + @uppy/aws-s3 from npm) against the b2up broker and the emulator's S3 API, in
 * real Chromium: a small file by one presigned PUT and a large one in multipart, both stored byte
 * for byte under names the broker chose, with the user's name and login in their file info.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, expect } from '@playwright/test';
import { type DevStack, startDevStack } from '../src/cli/dev-stack.js';
import { servePage } from './harness/server.js';
import { bytesReceived, requests } from './stack.js';

const pageRoot = fileURLToPath(new URL('./uppy-page/', import.meta.url));
const MIN_PART = 1_000_000;

const test = base.extend<object, { uppyPage: { origin: string }; stack: DevStack }>({
  uppyPage: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's dependencies from this pattern.
    async ({}, use) => {
      const server = await servePage({ root: pageRoot, tempPrefix: 'b2up-uppy-' });
      try {
        await use(server);
      } finally {
        await server.close();
      }
    },
    { scope: 'worker', timeout: 120_000 },
  ],
  stack: [
    async ({ uppyPage }, use) => {
      const stack = await startDevStack({ origins: [uppyPage.origin], minPartSize: MIN_PART });
      try {
        await use(stack);
      } finally {
        await stack.close();
      }
    },
    { scope: 'worker', timeout: 60_000 },
  ],
});

function deterministic(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

test('Uppy Dashboard uploads a small and a large file through the broker’s signatures', async ({
  page,
  uppyPage,
  stack,
}, testInfo) => {
  stack.emulator.counters.reset();
  const small = deterministic(300_000, 1);
  const large = deterministic(3 * MIN_PART + 4321, 2);
  const smallPath = join(testInfo.outputDir, 'notes.txt');
  const largePath = join(testInfo.outputDir, 'film.mp4');
  await mkdir(testInfo.outputDir, { recursive: true });
  await writeFile(smallPath, small);
  await writeFile(largePath, large);

  const brokerBytesBefore = stack.broker.bytesReceived();
  await page.goto(`${uppyPage.origin}/index.html?broker=${encodeURIComponent(stack.brokerUrl)}&user=alice`);
  await page.waitForFunction(() => window.uppyTest?.ready === true);
  await page.locator('.uppy-Dashboard-input').first().setInputFiles([smallPath, largePath]);
  await page.getByRole('button', { name: /upload 2 files/i }).click();
  await page.waitForFunction(() => window.uppyTest.finished.length === 2, undefined, { timeout: 60_000 });
  const finished = await page.evaluate(() => window.uppyTest.finished);
  expect(finished.map((f) => f.error)).toEqual([undefined, undefined]);

  for (const [name, bytes] of [
    ['notes.txt', small],
    ['film.mp4', large],
  ] as const) {
    const key = finished.find((f) => f.name === name)?.key ?? '';
    expect(key).toMatch(new RegExp(`^uploads/[0-9a-f-]{36}/${name.replace('.', '\\.')}$`));
    const [stored] = (await stack.admin.listFileNames({ bucketId: stack.bucketId, prefix: key })).files;
    expect(stored?.fileInfo).toMatchObject({ 'b2up-user': 'alice' });
    const download = await stack.admin.downloadFileById(stored!.fileId!);
    const got = Buffer.from(await new Response(download.body).arrayBuffer());
    expect(createHash('sha1').update(got).digest('hex')).toBe(createHash('sha1').update(bytes).digest('hex'));
  }
  // Straight to B2: one PutObject with the small file's bytes, parts for the large one; the broker's
  // server received only the sign calls, the create and the Complete document.
  expect(requests(stack, 's3:PutObject')).toBe(1);
  expect(bytesReceived(stack, 's3:PutObject')).toBe(small.byteLength);
  const brokerBytes = stack.broker.bytesReceived() - brokerBytesBefore;
  console.log(
    `broker received ${brokerBytes} bytes for ${small.byteLength + large.byteLength} bytes of files`,
  );
  expect(brokerBytes).toBeLessThan(small.byteLength / 5);
});
