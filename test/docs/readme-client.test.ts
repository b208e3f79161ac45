/**
 * The README's b2-client snippet, run as written against a started emulator, so the README can't rot:
 * the fenced block between the section markers is extracted, its `b2up/b2` import pointed at the
 * sources, and the environment variables it reads set to the emulator's realm, key and a bucket.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createB2Client } from '../../src/b2/client.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { readmeSnippet } from './readme.js';

const ROOT = resolve(import.meta.dirname, '../..');
// Inside the repo (so vitest transforms it and resolves node_modules), outside every source folder.
const SCRATCH = join(ROOT, 'node_modules/.cache/b2up-readme-test');

let emulator: Emulator;
let admin: ReturnType<typeof createB2Client>;
let bucketId: string;
const bucketName = 'readme-bucket';

beforeAll(async () => {
  emulator = await startEmulator();
  admin = createB2Client({
    applicationKeyId: emulator.keyId,
    applicationKey: emulator.key,
    realm: emulator.url,
  });
  ({ bucketId } = await admin.createBucket({ bucketName, bucketType: 'allPrivate' }));
});

afterAll(async () => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  await rm(SCRATCH, { recursive: true, force: true });
  await emulator?.close();
});

describe('README: the typed B2 client section', () => {
  it('runs as written: authorize, upload, list, download', async () => {
    const snippet = readmeSnippet(
      await readFile(join(ROOT, 'README.md'), 'utf8'),
      'The typed B2 client (`b2up/b2`)',
    );
    expect(snippet).toContain("from 'b2up/b2'");
    const runnable = snippet.replace(
      "from 'b2up/b2'",
      `from ${JSON.stringify(join(ROOT, 'src/b2/index.ts'))}`,
    );
    await mkdir(SCRATCH, { recursive: true });
    const path = join(SCRATCH, `snippet-${process.pid}.ts`);
    // `export {}` makes it a module, so its top-level await runs on import.
    await writeFile(path, `${runnable}\nexport {};\n`);

    vi.stubEnv('B2_APPLICATION_KEY_ID', emulator.keyId);
    vi.stubEnv('B2_APPLICATION_KEY', emulator.key);
    vi.stubEnv('B2UP_REALM_URL', emulator.url);
    vi.stubEnv('B2_BUCKET', bucketName);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await import(/* @vite-ignore */ path);

    expect(log.mock.calls).toEqual([
      ['authorized; parts of at least 5000000 bytes'],
      ['notes/hello.txt 10 bytes'],
      ['notes/hello.txt', 'Hello, B2!'],
    ]);
    // And B2 (the emulator) really holds it, with the bytes' SHA-1.
    const { files } = await admin.listFileNames({ bucketId });
    expect(files.map((f) => [f.fileName, f.contentType, f.contentSha1])).toEqual([
      ['notes/hello.txt', 'text/plain', createHash('sha1').update('Hello, B2!').digest('hex')],
    ]);
  });
});
