/**
 * Resumable browser uploads, for real: the SDK in Chromium (workers, IndexedDB, Web Locks, XHR)
 * against the broker and the B2 emulator over HTTP on 127.0.0.1. Every finished file is downloaded
 * back and its SHA-1 compared with the source.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import type { DevStack } from '../src/node/dev-stack.js';
import {
  deterministicSha1,
  expect,
  MiB,
  bytesReceived,
  partBytesReceived,
  requests,
  storedSha1,
  test,
  unfinishedLargeFiles,
  writeFileOnDisk,
} from './stack.js';

type Snapshot = Awaited<ReturnType<Window['b2upTest']['uploads']['finished']>>;
type StartOptions = Parameters<Window['b2upTest']['uploads']['start']>[0]['uploader'];

function startPicked(page: Page, uploader: StartOptions = {}): Promise<string> {
  return page.evaluate(
    (options) => window.b2upTest.uploads.start({ file: 'picked', uploader: options }),
    uploader,
  );
}

function finished(page: Page, id: string): Promise<Snapshot> {
  return page.evaluate((uploadId) => window.b2upTest.uploads.finished(uploadId), id);
}

function untilPartsDone(page: Page, id: string, parts: number): Promise<unknown> {
  return page.waitForFunction(([uploadId, n]) => window.b2upTest.uploads.snapshot(uploadId).partsDone >= n, [
    id,
    parts,
  ] as const);
}

test('a small file goes straight to B2 by presigned PUT, no bytes through the broker, SHA-1 confirmed', async ({
  page,
  openStack,
  stack,
}) => {
  await openStack();
  const brokerBytesBefore = stack.broker.bytesReceived();
  const size = 1_500_000; // below the broker's smallFileMaxSize (2 × the 1 MB minimum part)
  const id = await page.evaluate(
    (bytes) =>
      window.b2upTest.uploads.start({ file: window.b2upTest.deterministicFile(1, bytes, 'small.bin') }),
    size,
  );
  const result = await finished(page, id);
  expect(result.error).toBeUndefined();
  expect(result.state).toBe('done');
  expect(result.result?.contentSha1).toBe(deterministicSha1(1, size));
  expect(await storedSha1(stack, result.result!.fileId)).toBe(deterministicSha1(1, size));
  expect(requests(stack, 's3:PutObject')).toBe(1);
  expect(bytesReceived(stack, 's3:PutObject')).toBe(size);
  expect(requests(stack, 'b2_upload_file')).toBe(0);
  expect(requests(stack, 'b2_start_large_file')).toBe(0);
  // The broker's server received a few small requests (config, presign, confirm, their
  // preflights), never the file.
  const brokerBytes = stack.broker.bytesReceived() - brokerBytesBefore;
  console.log(`broker received ${brokerBytes} bytes for a ${size}-byte file`);
  expect(brokerBytes).toBeLessThan(size / 100);
});

test('a 300 MB file uploads in parallel parts and downloads back identical', async ({
  page,
  openStack,
  stack,
  filesDir,
}) => {
  test.setTimeout(300_000);
  const file = await writeFileOnDisk(join(filesDir, 'big.bin'), 2, 300 * 1_000_000 + 123);
  await openStack();
  await page.setInputFiles('#file-input', file.path);
  const id = await startPicked(page, { partSize: 8 * MiB, concurrency: 4 });
  const result = await finished(page, id);
  expect(result.error).toBeUndefined();
  expect(result.state).toBe('done');
  expect(result.partsTotal).toBe(Math.ceil((300 * 1_000_000 + 123) / (8 * MiB)));
  expect(result.bytesSent).toBe(result.bytesTotal);
  expect(result.backwards).toBe(0);
  // XHR upload progress: the bar moves while parts are in flight, not only when one completes.
  expect(result.withinPart).toBeGreaterThan(result.partsTotal);
  expect(await storedSha1(stack, result.result!.fileId)).toBe(file.sha1);
  expect(stack.emulator.counters.snapshot().totals.tokenConflicts).toBe(0);
  expect(await unfinishedLargeFiles(stack)).toEqual([]);
});

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

test('pause stops sending until resume; the upload then completes', async ({
  page,
  openStack,
  stack,
  filesDir,
}) => {
  const file = await writeFileOnDisk(join(filesDir, 'pause.bin'), 3, 48 * MiB);
  await openStack();
  await page.setInputFiles('#file-input', file.path);
  const id = await startPicked(page, { partSize: 4 * MiB, concurrency: 2 });
  await untilPartsDone(page, id, 2);
  await page.evaluate((uploadId) => window.b2upTest.uploads.pause(uploadId), id);
  expect((await page.evaluate((uploadId) => window.b2upTest.uploads.snapshot(uploadId), id)).state).toBe(
    'paused',
  );
  // Let the aborted requests settle, then watch a quiet window: nothing may be sent while paused.
  await page.waitForTimeout(300);
  const whilePaused = partBytesReceived(stack);
  await page.waitForTimeout(1000);
  expect(partBytesReceived(stack)).toBe(whilePaused);
  await page.evaluate((uploadId) => window.b2upTest.uploads.resume(uploadId), id);
  const result = await finished(page, id);
  expect(result.state).toBe('done');
  expect(result.backwards).toBe(0);
  expect(await storedSha1(stack, result.result!.fileId)).toBe(file.sha1);
});

test('cancel leaves no unfinished large file and no resume record', async ({
  page,
  openStack,
  stack,
  filesDir,
}) => {
  const file = await writeFileOnDisk(join(filesDir, 'cancel.bin'), 4, 48 * MiB);
  await openStack();
  await page.setInputFiles('#file-input', file.path);
  const id = await startPicked(page, { partSize: 4 * MiB, concurrency: 2 });
  await untilPartsDone(page, id, 1);
  expect(await unfinishedLargeFiles(stack)).toHaveLength(1);
  await page.evaluate((uploadId) => window.b2upTest.uploads.cancel(uploadId), id);
  const result = await finished(page, id);
  expect(result.state).toBe('cancelled');
  expect(result.error?.code).toBe('aborted');
  expect(await unfinishedLargeFiles(stack)).toEqual([]);
  expect(await page.evaluate(() => window.b2upTest.uploads.uploader().pending())).toEqual([]);
});

test('after a reload the same file resumes: only the parts in flight are sent twice', async ({
  page,
  openStack,
  stack,
  filesDir,
}) => {
  const size = 64 * MiB;
  const partSize = 4 * MiB;
  const concurrency = 2;
  const file = await writeFileOnDisk(join(filesDir, 'reload.bin'), 5, size);
  await openStack();
  await page.setInputFiles('#file-input', file.path);
  const first = await startPicked(page, { partSize, concurrency });
  await untilPartsDone(page, first, 5);
  await page.reload();
  await page.waitForFunction(() => window.b2upTest?.ready === true);

  const pending = await page.evaluate(() => window.b2upTest.uploads.uploader().pending());
  expect(pending).toHaveLength(1);
  expect(pending[0]).toMatchObject({ name: 'reload.bin', size });
  expect(pending[0]!.bytesDone).toBeGreaterThanOrEqual(5 * partSize);

  await page.setInputFiles('#file-input', file.path);
  const second = await startPicked(page, { partSize, concurrency });
  const result = await finished(page, second);
  expect(result.state).toBe('done');
  expect(result.resumed).toBe(true);
  expect(await storedSha1(stack, result.result!.fileId)).toBe(file.sha1);
  // Every byte once, plus at most the parts that were in flight when the page went away.
  expect(partBytesReceived(stack)).toBeLessThanOrEqual(size + concurrency * partSize);
  expect(requests(stack, 'b2_start_large_file')).toBe(1);
  expect(await page.evaluate(() => window.b2upTest.uploads.uploader().pending())).toEqual([]);
});

test('a different file with the same name, size and date is never finished as the old upload', async ({
  page,
  openStack,
  stack,
  filesDir,
}) => {
  const size = 24 * MiB;
  const original = await writeFileOnDisk(join(filesDir, 'same.bin'), 6, size);
  await openStack();
  await page.setInputFiles('#file-input', original.path);
  const first = await startPicked(page, { partSize: 2 * MiB, concurrency: 1 });
  await untilPartsDone(page, first, 3);
  await page.reload();
  await page.waitForFunction(() => window.b2upTest?.ready === true);
  const [oldUploadId] = await unfinishedLargeFiles(stack);
  expect(oldUploadId).toBeDefined();

  // Other bytes from the start: another fingerprint, so a new upload.
  await mkdir(join(filesDir, 'elsewhere'));
  const other = await writeFileOnDisk(join(filesDir, 'elsewhere', 'same.bin'), 7, size);
  await page.setInputFiles('#file-input', other.path);
  const fresh = await finished(page, await startPicked(page, { partSize: 2 * MiB }));
  expect(fresh.state).toBe('done');
  expect(fresh.resumed).toBe(false);
  expect(fresh.result!.fileId).not.toBe(oldUploadId);
  expect(await storedSha1(stack, fresh.result!.fileId)).toBe(other.sha1);
  // The old large file is never finished as this one (the broker may cancel it as superseded).
  await expectNotFinished(stack, oldUploadId!);

  // Same first 64 KiB, a part B2 already holds changed: caught by re-hashing, never finished as the old upload.
  const changed = await writeFileOnDisk(join(filesDir, 'same.bin'), 6, size, (offset, block) => {
    const target = 3 * MiB; // inside part 2 (2-4 MiB), which the first run stored
    if (target >= offset && target < offset + block.length) block[target - offset]! ^= 0xff;
  });
  await page.setInputFiles('#file-input', changed.path);
  const restarted = await finished(page, await startPicked(page, { partSize: 2 * MiB }));
  expect(restarted.state).toBe('done');
  expect(restarted.resumed).toBe(false);
  expect(restarted.result!.fileId).not.toBe(oldUploadId);
  expect(await storedSha1(stack, restarted.result!.fileId)).toBe(changed.sha1);
  // The old large file was cancelled, not finished.
  expect(await unfinishedLargeFiles(stack)).not.toContain(oldUploadId);
  await expectNotFinished(stack, oldUploadId!);
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

test('two tabs with the same file: only one uploads, both see the result', async ({
  page,
  context,
  openStack,
  stack,
  filesDir,
}) => {
  const file = await writeFileOnDisk(join(filesDir, 'tabs.bin'), 9, 24 * MiB);
  const other = await context.newPage();
  await openStack(page);
  await openStack(other);
  await page.setInputFiles('#file-input', file.path);
  await other.setInputFiles('#file-input', file.path);
  const [a, b] = await Promise.all([
    startPicked(page, { partSize: 2 * MiB, concurrency: 2 }),
    startPicked(other, { partSize: 2 * MiB, concurrency: 2 }),
  ]);
  const [first, second] = await Promise.all([finished(page, a), finished(other, b)]);
  expect(first.state).toBe('done');
  expect(second.state).toBe('done');
  expect(second.result!.fileId).toBe(first.result!.fileId);
  expect(requests(stack, 'b2_start_large_file')).toBe(1);
  expect(partBytesReceived(stack)).toBeLessThanOrEqual(24 * MiB + 2 * 2 * MiB);
  expect(await storedSha1(stack, first.result!.fileId)).toBe(file.sha1);
  await other.close();
});

/** The large file `fileId` was not finished: B2 forgot it (cancelled) or still holds it unfinished. */
async function expectNotFinished(stack: DevStack, fileId: string): Promise<void> {
  const info = await stack.admin.getFileInfo({ fileId }).catch((error: { status?: number }) => error);
  if ('action' in info) expect(info.action).toBe('start');
  else expect(info.status).toBe(404);
}

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
