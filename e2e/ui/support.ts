/**
 * Helpers for the UI specs: serve a BUILT page (the demo in dist/demo, an example built into a temp
 * dir, a plain HTML page with the IIFE) through the same dev server `b2up dev` runs — broker at
 * /b2up, emulator behind it, all on 127.0.0.1 at free ports — and check what landed in the bucket
 * with the dev stack's master-key client.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import type { DevServer, DevServerOptions } from '../../src/cli/dev-server.js';
import { deterministicBlocks } from '../harness/data.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Where a spec writes one of the docs' pictures (docs/screenshots/NAME.png), or undefined: only
 * when asked with B2UP_SCREENSHOTS=1, so an ordinary test run leaves the working tree as it was.
 */
export function docsScreenshot(name: string): string | undefined {
  return process.env.B2UP_SCREENSHOTS === '1'
    ? join(repoRoot, 'docs', 'screenshots', `${name}.png`)
    : undefined;
}

/** Emulator part minimum for these specs: a 3 MB file becomes ~12 parts of 256 KiB. */
export const MIN_PART_SIZE = 256 * 1024;

export function builtPath(...parts: string[]): string {
  const path = join(repoRoot, 'dist', ...parts);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` first.`);
  return path;
}

/**
 * The built demo served for one spec file, and a scratch directory for its files: call at the top
 * of the spec; the returned getters are valid inside tests.
 */
export function useDemo(
  register: { beforeAll(fn: () => Promise<void>): void; afterAll(fn: () => Promise<void>): void },
  prefix: string,
  options: Partial<DevServerOptions> = {},
): { readonly server: DevServer; readonly dir: string } {
  let server: DevServer | undefined;
  let files: Awaited<ReturnType<typeof tempDir>> | undefined;
  register.beforeAll(async () => {
    server = await serve(builtPath('demo'), options);
    files = await tempDir(prefix);
  });
  register.afterAll(async () => {
    await server?.close();
    await files?.remove();
  });
  return {
    get server() {
      return server!;
    },
    get dir() {
      return files!.dir;
    },
  };
}

/** Serves `root` (a built page) + broker + emulator, like `b2up dev --root`. */
export async function serve(root: string, options: Partial<DevServerOptions> = {}): Promise<DevServer> {
  const { startDevServer } = (await import(
    builtPath('src/cli/dev-server.js')
  )) as typeof import('../../src/cli/dev-server.js'); // the built copy has the same types
  return startDevServer({ root, port: 0, minPartSize: MIN_PART_SIZE, ...options });
}

export interface TestFile {
  path: string;
  name: string;
  size: number;
  sha1: string;
  bytes: Buffer;
}

/** A file of deterministic bytes on disk, with a fixed mtime so picking it twice gives the same File. */
export async function makeFile(dir: string, name: string, size: number, seed: number): Promise<TestFile> {
  const bytes = Buffer.concat([...deterministicBlocks(seed, size)]);
  const path = join(dir, name);
  await writeFile(path, bytes);
  const when = new Date(1_700_000_000_000 + seed * 1000);
  await utimes(path, when, when);
  return { path, name, size, bytes, sha1: createHash('sha1').update(bytes).digest('hex') };
}

export async function tempDir(prefix: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * The SHA-1 of the bytes B2 (the emulator) holds for the newest file whose original name is `name`,
 * downloaded with the master key — the proof an upload landed whole.
 */
export async function storedSha1(server: DevServer, name: string): Promise<string | undefined> {
  const { admin, bucketId } = server.stack;
  const { files } = await admin.listFileNames({ bucketId, maxFileCount: 1000 });
  const file = files
    .filter((f) => f.fileName.endsWith(`/${name}`) || f.fileInfo['b2up-name'] === name)
    .sort((a, b) => b.uploadTimestamp - a.uploadTimestamp)[0];
  if (!file?.fileId) return undefined;
  const download = await admin.downloadFileById(file.fileId);
  const hash = createHash('sha1');
  for await (const chunk of download.body as unknown as AsyncIterable<Uint8Array>) hash.update(chunk);
  return hash.digest('hex');
}

/** Unfinished large files left in the bucket (a cancel must leave none). */
export async function unfinishedCount(server: DevServer): Promise<number> {
  const { admin, bucketId } = server.stack;
  const { files } = await admin.listUnfinishedLargeFiles({ bucketId });
  return files.length;
}

/**
 * Holds every part upload (b2_upload_part) the page sends until `release()`, after letting the
 * first `pass` of each large file through: a deterministic way to catch uploads mid-way, with no
 * timing. Counted per file because files hash and send in no fixed order among themselves.
 */
export async function holdParts(page: Page, pass = 0) {
  const passedPerFile = new Map<string, number>();
  let passed = 0;
  let open!: () => void;
  const released = new Promise<void>((resolve) => {
    open = resolve;
  });
  let held = 0;
  await page.route(/b2_upload_part/, async (route) => {
    // Part URLs are …/b2_upload_part/<fileId>/<n>.
    const fileId = new URL(route.request().url()).pathname.split('/').at(-2) ?? '';
    const passedHere = passedPerFile.get(fileId) ?? 0;
    if (passedHere < pass) {
      passedPerFile.set(fileId, passedHere + 1);
      passed += 1;
      await route.continue().catch(() => undefined);
      return;
    }
    held += 1;
    await released;
    // The page may have aborted the request meanwhile (pause, reload): nothing to continue then.
    await route.continue().catch(() => undefined);
  });
  return {
    get held() {
      return held;
    },
    get passed() {
      return passed;
    },
    async release() {
      open();
      await page.unroute(/b2_upload_part/);
    },
  };
}
