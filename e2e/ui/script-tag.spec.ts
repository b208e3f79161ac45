/**
 * A plain HTML page with no build step: only `<script src="b2up.iife.js">` (dist/iife, copied with
 * its assets as a user would deploy them) and the element. The hash worker must start from the
 * emitted file next to the bundle.
 */
import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { builtPath, makeFile, serve, storedSha1, tempDir } from './support.js';

test('a page loading only the IIFE bundle uploads a file, hashing in a worker', async ({ page }) => {
  const site = await tempDir('b2up-iife-site-');
  const server = await serve(await writeSite(site.dir)).catch(async (error) => {
    await site.remove();
    throw error;
  });
  try {
    const file = await makeFile(site.dir, 'from-script-tag.bin', 2 * 1024 * 1024 + 3, 11);
    const workers: string[] = [];
    page.on('worker', (worker) => workers.push(worker.url()));
    await page.goto(`${server.url}/vendor/index.html`);
    expect(
      await page.evaluate(
        () => typeof (window as { B2Up?: { createUploader?: unknown } }).B2Up?.createUploader,
      ),
    ).toBe('function');
    const element = page.locator('b2up-uploader');
    const chooser = page.waitForEvent('filechooser');
    await element.locator('.zone').click();
    await (await chooser).setFiles(file.path);
    await expect(element.locator('li.row')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
    expect(await storedSha1(server, file.name)).toBe(file.sha1);
    expect(workers.some((url) => /\/vendor\/assets\/hash-worker-[\w-]+\.js$/.test(url))).toBe(true);
    expect(await page.evaluate(() => document.querySelector('#log')?.textContent)).toContain('complete');
  } finally {
    await server.close();
    await site.remove();
  }
});

/** index.html at the root (the dev server wants one) and the page + bundle under /vendor/. */
async function writeSite(dir: string): Promise<string> {
  const vendor = join(dir, 'vendor');
  await cp(builtPath('iife'), vendor, { recursive: true });
  await writeFile(join(dir, 'index.html'), '<!doctype html><a href="vendor/">page</a>');
  await writeFile(
    join(vendor, 'index.html'),
    `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>script tag</title>
<script src="./b2up.iife.js"></script></head>
<body>
  <b2up-uploader broker="/b2up"></b2up-uploader>
  <p id="log"></p>
  <script>
    document.querySelector('b2up-uploader').addEventListener('upload-complete', function (event) {
      document.querySelector('#log').textContent = 'complete: ' + event.detail.result.fileName;
    });
  </script>
</body></html>`,
  );
  return dir;
}
