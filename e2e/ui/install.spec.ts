/**
 * What docs/getting-started.md "Install it" says, done for real: `npm pack` this repository, install
 * the tarball into a scratch app (its dependencies from npm's cache, else the registry), then use
 * what the app got — the subpath exports from Node, `npx b2up dev` from the installed bin, and
 * `dist/iife/b2up.iife.js` with its `assets/` copied to /vendor/b2up/ in a page that uploads.
 */
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { runShell } from '../../test/docs/shell.js';
import { builtPath, makeFile, repoRoot, tempDir } from './support.js';

const sh = async (command: string, cwd: string) => {
  const step = runShell(command, cwd, process.env);
  const code = await step.exited;
  expect(code, `${command}\n${step.output()}`).toBe(0);
  return step.output();
};

test('the packed tarball installs into an app, and the app uses it', async ({ page }) => {
  test.setTimeout(300_000);
  builtPath('src/index.js');
  const guide = await readFile(join(repoRoot, 'docs/getting-started.md'), 'utf8');
  expect(guide).toContain('npm pack');
  expect(guide).toContain('npm install ../b2up/b2up-0.1.0.tgz');

  const work = await tempDir('b2up-install-');
  const app = join(work.dir, 'app');
  try {
    const packed = await sh(`npm pack --silent --pack-destination "${work.dir}"`, repoRoot);
    const tarball = join(work.dir, packed.trim().split('\n').at(-1)!);
    await mkdir(app);
    await writeFile(
      join(app, 'package.json'),
      JSON.stringify({ name: 'scratch-app', private: true, type: 'module' }),
    );
    await sh(`npm install --prefer-offline --no-audit --no-fund "${tarball}"`, app);
    const manifest = JSON.parse(await readFile(join(app, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(manifest.dependencies.b2up).toMatch(/^file:.*b2up-0\.1\.0\.tgz$/);

    // Node: every server-side entry resolves by the package's name and does its job.
    await writeFile(
      join(app, 'check.mjs'),
      `import { createBroker } from 'b2up/broker';
import { serveBroker } from 'b2up/broker/node';
import { createB2Client } from 'b2up/b2';
import { startEmulator } from 'b2up/emulator';
const emulator = await startEmulator({ port: 0 });
const admin = createB2Client({ applicationKeyId: emulator.keyId, applicationKey: emulator.key, realm: emulator.url });
const { bucketId } = await admin.createBucket({ bucketName: 'scratch-app', bucketType: 'allPrivate' });
const key = await admin.createKey({ keyName: 'broker', capabilities: ['writeFiles', 'readFiles'], bucketIds: [bucketId] });
const broker = createBroker({
  b2: { applicationKeyId: key.applicationKeyId, applicationKey: key.applicationKey, bucket: 'scratch-app', realm: emulator.url },
  authorize: () => ({ id: 'someone' }),
});
const served = await serveBroker(broker);
const config = await (await fetch(served.url + '/config')).json();
console.log("config protocol " + config.protocol);
await served.close();
await emulator.close();
`,
    );
    expect(await sh('node check.mjs', app)).toContain('config protocol 1');

    // A page with no build step: the IIFE and its assets/ where the docs say to put them.
    const site = join(app, 'public');
    await cp(join(app, 'node_modules/b2up/dist/iife'), join(site, 'vendor/b2up'), { recursive: true });
    await writeFile(
      join(site, 'index.html'),
      `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>app</title></head>
<body><script src="/vendor/b2up/b2up.iife.js"></script><b2up-uploader broker="/b2up"></b2up-uploader></body></html>`,
    );
    const dev = runShell('npx b2up dev --root public --port 0', app, process.env);
    try {
      const url = /b2up dev: open (\S+)/.exec(await dev.waitFor(/b2up dev: open \S+\n/))![1]!;
      const file = await makeFile(work.dir, 'installed.bin', 200_000, 31);
      await page.goto(url);
      const element = page.locator('b2up-uploader');
      const chooser = page.waitForEvent('filechooser');
      await element.locator('.zone').click();
      await (await chooser).setFiles(file.path);
      await expect(element.locator('li.row')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
      const listing = (await (await fetch(`${url}/dev/files`)).json()) as {
        files: { fileName: string; contentSha1: string }[];
      };
      expect(listing.files.find((f) => f.fileName.endsWith('/installed.bin'))?.contentSha1).toBe(file.sha1);
    } finally {
      await dev.stop();
    }
  } finally {
    await rm(work.dir, { recursive: true, force: true });
  }
});
