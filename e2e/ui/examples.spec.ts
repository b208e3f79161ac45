/**
 * examples/react and examples/vue, run the way their README says: the sh block's commands from the
 * repository root, the last one (`b2up dev --root …`) kept running while a real Chromium opens the
 * URL it prints and uploads a file. `npm run build` is the one line not repeated here: `npm test`
 * has just run it, and rebuilding dist/ mid-suite would only cost minutes. Port 0 (a free one)
 * stands in for the default 5173.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { runShell } from '../../test/docs/shell.js';
import { builtPath, makeFile, repoRoot, tempDir } from './support.js';

async function readmeCommands(name: string): Promise<string[]> {
  const readme = await readFile(join(repoRoot, 'examples', name, 'README.md'), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  return block
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);
}

for (const name of ['react', 'vue'] as const) {
  test(`the ${name} example, run as its README says, uploads`, async ({ page }) => {
    test.setTimeout(180_000);
    const commands = await readmeCommands(name);
    expect(commands[0]).toBe('npm run build');
    builtPath('src/cli/main.js');
    const serveLine = commands.at(-1)!;
    expect(serveLine).toMatch(/ dev --root /);
    for (const command of commands.slice(1, -1)) {
      const step = runShell(command, repoRoot, process.env);
      expect(await step.exited, `${command}\n${step.output()}`).toBe(0);
    }
    const server = runShell(`${serveLine} --port 0`, repoRoot, process.env);
    const files = await tempDir(`b2up-${name}-files-`);
    try {
      const url = /b2up dev: open (\S+)/.exec(await server.waitFor(/b2up dev: open \S+\n/))![1]!;
      const favicon = page.waitForRequest(/favicon/, { timeout: 2000 }).catch(() => undefined);
      await page.goto(url);
      expect(await favicon).toBeUndefined();
      await expect(page.getByRole('heading', { name: 'Upload to B2' })).toBeVisible();
      const file = await makeFile(files.dir, `${name}-example.bin`, 300_000 + 9, name === 'react' ? 21 : 22);
      await page.locator('input[type=file]').setInputFiles(file.path);
      const row = page.locator('li', { hasText: file.name });
      await expect(row).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
      await expect(row.locator('progress')).toHaveJSProperty('value', file.size);
      // What the bucket holds, from the dev server's own listing (it runs in another process).
      const listing = (await (await fetch(`${url}/dev/files`)).json()) as {
        files: { fileName: string; contentSha1: string }[];
      };
      const stored = listing.files.find((f) => f.fileName.endsWith(`/${file.name}`));
      expect(stored?.contentSha1).toBe(file.sha1);
    } finally {
      await server.stop();
      await files.remove();
    }
  });
}
