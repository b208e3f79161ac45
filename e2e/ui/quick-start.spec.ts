/**
 * The README's quick start, as a newcomer runs it on a fresh clone: every line is an npm command
 * this package defines, `npm test` and `npm run lint` are what CI runs on a fresh clone (.ci/run),
 * and `npm start` — run here for real, build included, on a free port instead of 5173 — serves the
 * demo, which uploads a file to the emulator behind it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { runShell } from '../../test/docs/shell.js';
import { makeFile, repoRoot, tempDir } from './support.js';

async function quickStart(): Promise<string[]> {
  const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Quick start'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);
}

test('README quick start: known commands; npm start serves the demo and it uploads', async ({ page }) => {
  test.setTimeout(300_000);
  const commands = await quickStart();
  const { scripts } = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  expect(commands[0]).toBe('npm install');
  for (const command of commands.slice(1)) {
    const script = /^npm (?:run )?([\w:]+)/.exec(command)?.[1];
    expect(script && scripts[script], `${command} is not a script of package.json`).toBeTruthy();
  }
  const ci = await readFile(join(repoRoot, '.ci/run'), 'utf8');
  expect(commands).toEqual(expect.arrayContaining(['npm test', 'npm run lint']));
  expect(ci).toMatch(/^npm run lint$/m);
  expect(ci).toMatch(/^npm test$/m);

  expect(commands).toContain('npm start');
  const start = runShell('npm start -- --port 0', repoRoot, process.env);
  const files = await tempDir('b2up-quick-start-');
  try {
    const url = /b2up dev: open (\S+)/.exec(await start.waitFor(/b2up dev: open \S+\n/, 240_000))![1]!;
    await page.goto(url);
    const element = page.locator('#element-uploader');
    const file = await makeFile(files.dir, 'first-upload.txt', 50_000, 81);
    const chooser = page.waitForEvent('filechooser');
    await element.locator('.zone').click();
    await (await chooser).setFiles(file.path);
    await expect(element.locator('li.row', { hasText: file.name })).toHaveAttribute('data-state', 'done');
    await expect(page.locator('#bucket-files')).toContainText('first-upload.txt');
  } finally {
    await start.stop();
    await files.remove();
  }
});
