/**
 * Fixtures for specs that upload for real: the harness page plus a dev stack (B2 emulator, bucket
 * with CORS for the page's origin, bucket-restricted key, broker), all on 127.0.0.1, one per
 * Playwright worker. Each test starts with zeroed emulator counters and no faults armed.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, open, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DevStack, startDevStack } from '../src/cli/dev-stack.js';
import type { Page } from '@playwright/test';
import { deterministicBlocks } from './harness/data.js';
import { test as harnessTest } from './harness/fixtures.js';

export { expect } from './harness/fixtures.js';

/** absoluteMinimumPartSize of the test emulator: 1 MB parts keep big-file tests quick. */
export const MIN_PART = 1_000_000;
export const MiB = 1024 * 1024;

export interface StackFixtures {
  /** Opens the harness page wired to the stack's broker (`window.b2upTest.uploads`). */
  openStack: (page?: import('@playwright/test').Page) => Promise<void>;
  /** A temp directory for files the test "picks", removed afterwards. */
  filesDir: string;
}

export const test = harnessTest.extend<StackFixtures, { stack: DevStack }>({
  stack: [
    async ({ harnessServer }, use) => {
      const stack = await startDevStack({ origins: [harnessServer.origin], minPartSize: MIN_PART });
      try {
        await use(stack);
      } finally {
        await stack.close();
      }
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  openStack: async ({ page, harnessUrl, stack }, use) => {
    stack.emulator.counters.reset();
    stack.emulator.faults.clear();
    await use(async (target = page) => {
      await target.goto(harnessUrl({ broker: stack.brokerUrl }));
      await target.waitForFunction(() => window.b2upTest?.ready === true);
    });
  },
  // eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's dependencies from this pattern.
  filesDir: async ({}, use) => {
    const dir = await mkdtemp(join(tmpdir(), 'b2up-e2e-files-'));
    try {
      await use(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
});

/** SHA-1 of the deterministic stream (seed, size) the page's `deterministicFile` also makes. */
export function deterministicSha1(seed: number, size: number): string {
  const hash = createHash('sha1');
  for (const block of deterministicBlocks(seed, size)) hash.update(block);
  return hash.digest('hex');
}

/**
 * Writes a deterministic file on disk for `page.setInputFiles` (a real, disk-backed File in the
 * page, as a user's pick is). `edit` changes bytes before writing; mtime is fixed so the same
 * file "picked again" after a reload has the same lastModified.
 */
export async function writeFileOnDisk(
  path: string,
  seed: number,
  size: number,
  edit?: (offset: number, block: Uint8Array) => void,
): Promise<{ path: string; sha1: string }> {
  const hash = createHash('sha1');
  const handle = await open(path, 'w');
  let offset = 0;
  try {
    for (const block of deterministicBlocks(seed, size)) {
      edit?.(offset, block);
      hash.update(block);
      await handle.write(block);
      offset += block.length;
    }
  } finally {
    await handle.close();
  }
  const mtime = new Date(1_700_000_000_000);
  await utimes(path, mtime, mtime);
  return { path, sha1: hash.digest('hex') };
}

/** Downloads a stored file from the emulator (master key) and returns its SHA-1. */
export async function storedSha1(stack: DevStack, fileId: string): Promise<string> {
  const download = await stack.admin.downloadFileById(fileId);
  const hash = createHash('sha1');
  const reader = download.body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) hash.update(read.value);
  return hash.digest('hex');
}

/** Request-body bytes the emulator received on b2_upload_part since the test began. */
export function partBytesReceived(stack: DevStack): number {
  return stack.emulator.counters.snapshot().endpoints.b2_upload_part?.bytesReceived ?? 0;
}

export function requests(
  stack: DevStack,
  endpoint: 'b2_start_large_file' | 'b2_upload_file' | 'b2_upload_part' | 's3:PutObject',
): number {
  return stack.emulator.counters.snapshot().endpoints[endpoint]?.requests ?? 0;
}

/** Request-body bytes the emulator received on one endpoint since the test began. */
export function bytesReceived(stack: DevStack, endpoint: 'b2_upload_file' | 's3:PutObject'): number {
  return stack.emulator.counters.snapshot().endpoints[endpoint]?.bytesReceived ?? 0;
}

export async function unfinishedLargeFiles(stack: DevStack): Promise<string[]> {
  const { files } = await stack.admin.listUnfinishedLargeFiles({ bucketId: stack.bucketId });
  return files.map((file) => file.fileId!);
}

type Snapshot = Awaited<ReturnType<Window['b2upTest']['uploads']['finished']>>;
type StartOptions = Parameters<Window['b2upTest']['uploads']['start']>[0]['uploader'];

/** Starts an upload of the file on #file-input with these uploader options; returns its id. */
export function startPicked(page: Page, uploader: StartOptions = {}): Promise<string> {
  return page.evaluate(
    (options) => window.b2upTest.uploads.start({ file: 'picked', uploader: options }),
    uploader,
  );
}

/** Waits for an upload in the page to settle; its final snapshot. */
export function finished(page: Page, id: string): Promise<Snapshot> {
  return page.evaluate((uploadId) => window.b2upTest.uploads.finished(uploadId), id);
}
