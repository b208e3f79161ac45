/**
 * examples/react and examples/vue: built with their own vite.config.ts (against dist/, as an app
 * gets b2up from node_modules), served with the broker at /b2up, mounted and used to upload.
 */
import { rm } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import { buildExample, MIN_PART_SIZE, makeFile, serve, storedSha1, tempDir } from './support.js';

for (const name of ['react', 'vue'] as const) {
  test(`the ${name} example builds, mounts and uploads`, async ({ page }) => {
    test.setTimeout(180_000);
    const outDir = await buildExample(name);
    const files = await tempDir(`b2up-${name}-files-`);
    const server = await serve(outDir);
    try {
      const file = await makeFile(
        files.dir,
        `${name}-example.bin`,
        3 * 1024 * 1024 + 9,
        name === 'react' ? 21 : 22,
      );
      await page.goto(`${server.url}/?partSize=${MIN_PART_SIZE}`);
      await expect(page.getByRole('heading', { name: 'Upload to B2' })).toBeVisible();
      await page.locator('input[type=file]').setInputFiles(file.path);
      const row = page.locator('li', { hasText: file.name });
      await expect(row).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
      await expect(row.locator('progress')).toHaveJSProperty('value', file.size);
      expect(await storedSha1(server, file.name)).toBe(file.sha1);
    } finally {
      await server.close();
      await files.remove();
      await rm(outDir, { recursive: true, force: true });
    }
  });
}
