/**
 * Resumable browser uploads in Chromium, beyond what every engine runs (e2e/all-engines): B2-side
 * faults and stalls, whole-file SHA-1, and FileSystemFileHandle resume. These test b2up's own
 * logic, which no engine changes, or a Chromium-only API (File System Access), so they run in
 * Chromium alone. The SDK runs against the broker and the B2 emulator over HTTP on 127.0.0.1;
 * every finished file is downloaded back and its SHA-1 compared with the source.
 */
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import {
  deterministicSha1,
  expect,
  finished,
  MIN_PART,
  MiB,
  partBytesReceived,
  requests,
  startPicked,
  storedSha1,
  test,
  writeFileOnDisk,
} from './stack.js';

function untilPartsDone(page: Page, id: string, parts: number): Promise<unknown> {
  return page.waitForFunction(([uploadId, n]) => window.b2upTest.uploads.snapshot(uploadId).partsDone >= n, [
    id,
    parts,
  ] as const);
}

test('with wholeFileSha1 the file carries large_file_sha1 of its bytes', async ({
  page,
  openStack,
  stack,
  filesDir,
}) => {
  const file = await writeFileOnDisk(join(filesDir, 'whole.bin'), 12, 20 * MiB + 7);
  await openStack();
  await page.setInputFiles('#file-input', file.path);
  const result = await finished(page, await startPicked(page, { partSize: 4 * MiB, wholeFileSha1: true }));
  expect(result.state).toBe('done');
  const info = await stack.admin.getFileInfo({ fileId: result.result!.fileId });
  expect(info.fileInfo.large_file_sha1).toBe(file.sha1);
  expect(await storedSha1(stack, result.result!.fileId)).toBe(file.sha1);
});

test('B2 faults on parts (503, 429 + Retry-After, 401 expired, reset mid-part) are survived', async ({
  page,
  openStack,
  stack,
  filesDir,
}) => {
  const file = await writeFileOnDisk(join(filesDir, 'faults.bin'), 8, 32 * MiB);
  await openStack();
  const faults = stack.emulator.faults;
  faults.add({ endpoints: ['b2_upload_part'], fault: '503' });
  faults.add({ endpoints: ['b2_upload_part'], fault: '429', skip: 1 });
  faults.add({ endpoints: ['b2_upload_part'], fault: 'expired_token', skip: 2 });
  faults.add({
    endpoints: ['b2_upload_part'],
    fault: { kind: 'reset_mid_body', afterBytes: 200_000 },
    skip: 3,
  });
  await page.setInputFiles('#file-input', file.path);
  const result = await finished(page, await startPicked(page, { partSize: 2 * MiB, concurrency: 3 }));
  expect(result.error).toBeUndefined();
  expect(result.state).toBe('done');
  expect(result.backwards).toBe(0);
  expect(await storedSha1(stack, result.result!.fileId)).toBe(file.sha1);
  const injected = faults.history().map((fault) => fault.kind);
  expect(injected).toHaveLength(4);
  expect(stack.emulator.counters.snapshot().totals.tokenConflicts).toBe(0);
});

test('a part request that goes silent is given up after stallTimeoutMs and sent again', async ({
  page,
  openStack,
  stack,
  filesDir,
}) => {
  const file = await writeFileOnDisk(join(filesDir, 'stall.bin'), 9, 8 * MiB);
  await openStack();
  // The emulator holds the request longer than the test may run: only the client's stall timer ends it.
  stack.emulator.faults.add({
    endpoints: ['b2_upload_part'],
    fault: { kind: 'stall', ms: 600_000 },
    skip: 1,
  });
  await page.setInputFiles('#file-input', file.path);
  const id = await startPicked(page, { partSize: 2 * MiB, concurrency: 2, stallTimeoutMs: 1500 });
  const result = await finished(page, id);
  expect(result.error).toBeUndefined();
  expect(result.state).toBe('done');
  expect(await storedSha1(stack, result.result!.fileId)).toBe(file.sha1);
  expect(stack.emulator.faults.history().map((fault) => fault.kind)).toEqual(['stall']);
  expect(requests(stack, 'b2_upload_part')).toBe(4 + 1);
});

test('after a reload a remembered FileSystemFileHandle re-opens the file and the upload resumes', async ({
  page,
  openStack,
  stack,
}) => {
  // Handles from the origin-private file system behave like picked ones once stored (IndexedDB),
  // without the native picker, which headless Chromium can't answer.
  const size = 12 * MiB;
  await openStack();
  const id = await page.evaluate(async (bytes) => {
    const t = window.b2upTest;
    const root = await navigator.storage.getDirectory();
    const handle = await root.getFileHandle('handled.bin', { create: true });
    const writable = await handle.createWritable();
    await writable.write(t.deterministicFile(13, bytes));
    await writable.close();
    const file = await handle.getFile();
    await t.fileHandles.createFileHandleStore().remember(file, handle);
    return t.uploads.start({ file, uploader: { partSize: 1024 * 1024, concurrency: 1 } });
  }, size);
  await untilPartsDone(page, id, 3);
  await page.reload();
  await page.waitForFunction(() => window.b2upTest?.ready === true);

  const resumed = await page.evaluate(async () => {
    const t = window.b2upTest;
    const [entry] = await t.uploads.uploader().pending();
    if (!entry) throw new Error('nothing pending after the reload');
    const handles = t.fileHandles.createFileHandleStore();
    const handle = await handles.find(entry);
    const file = handle && (await handles.open(handle));
    if (!file) throw new Error('the stored handle did not re-open the file');
    return t.uploads.finished(t.uploads.start({ file, uploader: { partSize: 1024 * 1024 } }));
  });
  expect(resumed.state).toBe('done');
  expect(resumed.resumed).toBe(true);
  expect(await storedSha1(stack, resumed.result!.fileId)).toBe(deterministicSha1(13, size));
  expect(partBytesReceived(stack)).toBeLessThanOrEqual(size + 1024 * 1024);
});

test("a large file's start call goes out before the hash worker's script has loaded", async ({
  page,
  openStack,
  stack,
  filesDir,
}) => {
  const file = await writeFileOnDisk(join(filesDir, 'early-start.bin'), 13, 3 * MIN_PART + 11);
  await openStack();
  let startSent!: () => void;
  const startCall = new Promise<void>((resolve) => (startSent = resolve));
  page.on('request', (request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname.endsWith('/uploads')) startSent();
  });
  // The file's fingerprint needs no worker: an upload whose start waited for one never finishes here.
  await page.route('**/*hash-worker*', async (route) => {
    await startCall;
    await route.continue();
  });
  await page.setInputFiles('#file-input', file.path);
  const result = await finished(page, await startPicked(page, { partSize: MIN_PART }));
  expect(result.error).toBeUndefined();
  expect(result.state).toBe('done');
  expect(await storedSha1(stack, result.result!.fileId)).toBe(file.sha1);
});

test("a large upload opens a connection to B2's upload host while its first part still hashes", async ({
  page,
  openStack,
  stack,
  filesDir,
}) => {
  const file = await writeFileOnDisk(join(filesDir, 'preconnect.bin'), 14, 3 * MIN_PART + 17);
  await page.addInitScript(() => {
    const hints: string[] = [];
    new MutationObserver((changes) => {
      for (const change of changes) {
        for (const node of change.addedNodes) {
          if (node instanceof HTMLLinkElement && node.rel === 'preconnect') {
            hints.push(`${node.href} ${node.crossOrigin ?? ''}`);
          }
        }
      }
    }).observe(document, { childList: true, subtree: true });
    Object.assign(window, { preconnectHints: hints });
  });
  await openStack();
  const hints = () =>
    page.evaluate(() => (window as unknown as { preconnectHints: string[] }).preconnectHints);
  const partHosts: string[] = [];
  page.on('request', (request) => {
    if (request.url().includes('b2_upload_part')) partHosts.push(`${new URL(request.url()).origin}/`);
  });
  // Parts are hashed in the worker: its script is held until the hint is in the page, so a hint
  // given only once the first part was hashed (or sent) never comes.
  let hinted!: () => void;
  const hint = new Promise<void>((resolve) => (hinted = resolve));
  await page.route('**/*hash-worker*', async (route) => {
    await hint;
    await route.continue();
  });
  await page.setInputFiles('#file-input', file.path);
  const id = await startPicked(page, { partSize: MIN_PART });
  await expect.poll(hints).toHaveLength(1);
  hinted();
  const result = await finished(page, id);
  expect(result.state).toBe('done');
  expect(await storedSha1(stack, result.result!.fileId)).toBe(file.sha1);
  // One hint, for the host the parts went to, for requests without credentials.
  expect(await hints()).toEqual([`${partHosts[0]} anonymous`]);
});
