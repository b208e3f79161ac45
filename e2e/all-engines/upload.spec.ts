/**
 * Resumable uploads in every engine (Chromium, Firefox, WebKit; see e2e/engines): the SDK with its
 * real workers, IndexedDB, Web Locks and XHR, against the broker and the B2 emulator on 127.0.0.1.
 * Every finished file is downloaded back and its SHA-1 compared with the source.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { DevStack } from '../../src/cli/dev-stack.js';
import { type Session, type Tab, waitFor } from '../engines/driver.js';
import { expect, test } from '../engines/fixtures.js';
import {
  bytesReceived,
  deterministicSha1,
  MiB,
  partBytesReceived,
  requests,
  storedSha1,
  unfinishedLargeFiles,
  writeFileOnDisk,
} from '../stack.js';

type Snapshot = Awaited<ReturnType<Window['b2upTest']['uploads']['finished']>>;
type UploaderOptions = Parameters<Window['b2upTest']['uploads']['start']>[0]['uploader'];

const pick = (tab: Tab, path: string) => tab.setFiles(() => document.querySelector('#file-input'), [path]);

const startPicked = (tab: Tab, uploader: UploaderOptions = {}): Promise<string> =>
  tab.evaluate((options) => window.b2upTest.uploads.start({ file: 'picked', uploader: options }), uploader);

const snapshot = (tab: Tab, id: string): Promise<Snapshot> =>
  tab.evaluate((uploadId) => window.b2upTest.uploads.snapshot(uploadId), id);

/** Waits (polling) until the upload settles; its final snapshot. */
const finished = (tab: Tab, id: string): Promise<Snapshot> =>
  waitFor(
    tab,
    (uploadId) => {
      const now = window.b2upTest.uploads.snapshot(uploadId);
      return ['done', 'failed', 'cancelled'].includes(now.state) ? now : undefined;
    },
    id,
    { timeout: 240_000, message: `upload ${id} to settle` },
  );

const untilPartsDone = (tab: Tab, id: string, parts: number) =>
  waitFor(
    tab,
    ([uploadId, n]) => window.b2upTest.uploads.snapshot(uploadId).partsDone >= n,
    [id, parts] as const,
    { message: `${parts} parts of ${id}` },
  );

const pending = (tab: Tab) => tab.evaluate(() => window.b2upTest.uploads.uploader().pending());

const reload = async (tab: Tab) => {
  await tab.reload();
  await waitFor(tab, () => window.b2upTest?.ready === true, undefined, { message: 'the reloaded page' });
};

/** Counts uncaught errors and unhandled rejections in the page from now on. */
const watchErrors = (tab: Tab) =>
  tab.evaluate(() => {
    const w = window as unknown as { uncaught: string[] };
    w.uncaught = [];
    addEventListener('error', (event) => w.uncaught.push(String(event.message)));
    addEventListener('unhandledrejection', (event) => w.uncaught.push(String(event.reason)));
  });
const uncaught = (tab: Tab) => tab.evaluate(() => (window as unknown as { uncaught: string[] }).uncaught);

/** Nothing reaches the emulator's part endpoint over a quiet window (after in-flight aborts settle). */
async function expectNothingSent(stack: DevStack): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 300));
  const before = partBytesReceived(stack);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  expect(partBytesReceived(stack)).toBe(before);
}

test('a small file goes straight to B2 by presigned PUT, no bytes through the broker, SHA-1 confirmed', async ({
  openHarnessTab,
  stack,
}) => {
  const tab = await openHarnessTab();
  const brokerBytesBefore = stack.broker.bytesReceived();
  const size = 1_500_000; // below the broker's smallFileMaxSize (2 × the 1 MB minimum part)
  const id = await tab.evaluate(
    (bytes) =>
      window.b2upTest.uploads.start({ file: window.b2upTest.deterministicFile(1, bytes, 'small.bin') }),
    size,
  );
  const result = await finished(tab, id);
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
  expect(stack.broker.bytesReceived() - brokerBytesBefore).toBeLessThan(size / 100);
});

test('a 300 MB file uploads in parallel parts and downloads back identical', async ({
  openHarnessTab,
  stack,
  filesDir,
}) => {
  test.setTimeout(300_000);
  const size = 300 * 1_000_000 + 123;
  const file = await writeFileOnDisk(join(filesDir, 'big.bin'), 2, size);
  const tab = await openHarnessTab();
  await pick(tab, file.path);
  const result = await finished(tab, await startPicked(tab, { partSize: 8 * MiB, concurrency: 4 }));
  expect(result.error).toBeUndefined();
  expect(result.state).toBe('done');
  expect(result.partsTotal).toBe(Math.ceil(size / (8 * MiB)));
  expect(result.bytesSent).toBe(result.bytesTotal);
  expect(result.backwards).toBe(0);
  // XHR upload progress: the bar moves while parts are in flight, not only when one completes.
  // How often depends on the machine's speed (a quiet machine sends a part between two progress
  // events), so only that it happened is checked, never how many times.
  expect(result.withinPart).toBeGreaterThan(0);
  expect(await storedSha1(stack, result.result!.fileId)).toBe(file.sha1);
  expect(stack.emulator.counters.snapshot().totals.tokenConflicts).toBe(0);
  expect(await unfinishedLargeFiles(stack)).toEqual([]);
});

test('pause stops sending, resume goes on, twice over; the upload then completes', async ({
  openHarnessTab,
  stack,
  filesDir,
}) => {
  const file = await writeFileOnDisk(join(filesDir, 'pause.bin'), 3, 48 * MiB);
  const tab = await openHarnessTab();
  await pick(tab, file.path);
  // A link that lets a few parts through, then holds the rest: every pause lands mid-upload.
  const hold = (after: number) =>
    stack.emulator.faults.add({
      endpoints: ['b2_upload_part'],
      fault: { kind: 'stall', ms: 600_000 },
      skip: after,
      count: Infinity,
    });
  let release = hold(2);
  const id = await startPicked(tab, { partSize: 4 * MiB, concurrency: 2 });
  let parts = 2;
  for (const round of [1, 2]) {
    await untilPartsDone(tab, id, parts);
    await tab.evaluate((uploadId) => window.b2upTest.uploads.pause(uploadId), id);
    release();
    expect((await snapshot(tab, id)).state, `pause ${round}`).toBe('paused');
    await expectNothingSent(stack);
    parts = (await snapshot(tab, id)).partsDone + 1;
    release = round === 1 ? hold(1) : () => undefined;
    await tab.evaluate((uploadId) => window.b2upTest.uploads.resume(uploadId), id);
    await expect
      .poll(async () => (await snapshot(tab, id)).state, { message: `resume ${round}` })
      .not.toBe('paused');
  }
  const result = await finished(tab, id);
  expect(result.state).toBe('done');
  expect(result.backwards).toBe(0);
  expect(await storedSha1(stack, result.result!.fileId)).toBe(file.sha1);
});

test('cancel leaves no unfinished large file and no resume record', async ({
  openHarnessTab,
  stack,
  filesDir,
}) => {
  const file = await writeFileOnDisk(join(filesDir, 'cancel.bin'), 4, 48 * MiB);
  const tab = await openHarnessTab();
  await pick(tab, file.path);
  const id = await startPicked(tab, { partSize: 4 * MiB, concurrency: 2 });
  await untilPartsDone(tab, id, 1);
  expect(await unfinishedLargeFiles(stack)).toHaveLength(1);
  await tab.evaluate((uploadId) => window.b2upTest.uploads.cancel(uploadId), id);
  const result = await finished(tab, id);
  expect(result.state).toBe('cancelled');
  expect(result.error?.code).toBe('aborted');
  expect(await unfinishedLargeFiles(stack)).toEqual([]);
  expect(await pending(tab)).toEqual([]);
});

test('after a reload the same file resumes: only the parts in flight are sent twice', async ({
  openHarnessTab,
  stack,
  filesDir,
}) => {
  const size = 64 * MiB;
  const partSize = 4 * MiB;
  const concurrency = 2;
  const file = await writeFileOnDisk(join(filesDir, 'reload.bin'), 5, size);
  const tab = await openHarnessTab();
  await pick(tab, file.path);
  await untilPartsDone(tab, await startPicked(tab, { partSize, concurrency }), 5);
  await reload(tab);

  const before = await pending(tab);
  expect(before).toHaveLength(1);
  expect(before[0]).toMatchObject({ name: 'reload.bin', size });
  expect(before[0]!.bytesDone).toBeGreaterThanOrEqual(5 * partSize);

  await pick(tab, file.path);
  const result = await finished(tab, await startPicked(tab, { partSize, concurrency }));
  expect(result.state).toBe('done');
  expect(result.resumed).toBe(true);
  expect(await storedSha1(stack, result.result!.fileId)).toBe(file.sha1);
  // Every byte once, plus at most the parts that were in flight when the page went away.
  expect(partBytesReceived(stack)).toBeLessThanOrEqual(size + concurrency * partSize);
  expect(requests(stack, 'b2_start_large_file')).toBe(1);
  expect(await pending(tab)).toEqual([]);
});

test('a different file with the same name, size and date is never finished as the old upload', async ({
  openHarnessTab,
  stack,
  filesDir,
}) => {
  const size = 24 * MiB;
  const original = await writeFileOnDisk(join(filesDir, 'same.bin'), 6, size);
  const tab = await openHarnessTab();
  await pick(tab, original.path);
  await untilPartsDone(tab, await startPicked(tab, { partSize: 2 * MiB, concurrency: 1 }), 3);
  await reload(tab);
  const [oldUploadId] = await unfinishedLargeFiles(stack);
  expect(oldUploadId).toBeDefined();

  // Other bytes from the start: another fingerprint, so a new upload.
  await mkdir(join(filesDir, 'elsewhere'));
  const other = await writeFileOnDisk(join(filesDir, 'elsewhere', 'same.bin'), 7, size);
  await pick(tab, other.path);
  const fresh = await finished(tab, await startPicked(tab, { partSize: 2 * MiB }));
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
  await pick(tab, changed.path);
  const restarted = await finished(tab, await startPicked(tab, { partSize: 2 * MiB }));
  expect(restarted.state).toBe('done');
  expect(restarted.resumed).toBe(false);
  expect(restarted.result!.fileId).not.toBe(oldUploadId);
  expect(await storedSha1(stack, restarted.result!.fileId)).toBe(changed.sha1);
  expect(await unfinishedLargeFiles(stack)).not.toContain(oldUploadId);
  await expectNotFinished(stack, oldUploadId!);
});

/** The large file `fileId` was not finished: B2 forgot it (cancelled) or still holds it unfinished. */
async function expectNotFinished(stack: DevStack, fileId: string): Promise<void> {
  const info = await stack.admin.getFileInfo({ fileId }).catch((error: { status?: number }) => error);
  if ('action' in info) expect(info.action).toBe('start');
  else expect(info.status).toBe(404);
}

test('two tabs with the same file: only one uploads, both see the result', async ({
  session,
  openHarnessTab,
  stack,
  filesDir,
}) => {
  const file = await writeFileOnDisk(join(filesDir, 'tabs.bin'), 9, 24 * MiB);
  const tabs = [await openHarnessTab(), await openHarnessTab(await session.newTab())];
  for (const tab of tabs) await pick(tab, file.path);
  const ids = await Promise.all(tabs.map((tab) => startPicked(tab, { partSize: 2 * MiB, concurrency: 2 })));
  const [first, second] = await Promise.all(tabs.map((tab, i) => finished(tab, ids[i]!)));
  expect(first!.state).toBe('done');
  expect(second!.state).toBe('done');
  expect(second!.result!.fileId).toBe(first!.result!.fileId);
  expect(requests(stack, 'b2_start_large_file')).toBe(1);
  expect(partBytesReceived(stack)).toBeLessThanOrEqual(24 * MiB + 2 * 2 * MiB);
  expect(await storedSha1(stack, first!.result!.fileId)).toBe(file.sha1);
});

test('without Web Locks two tabs on one file never store wrong bytes; a superseded one retries', async ({
  session,
  openHarnessTab,
  stack,
  filesDir,
}) => {
  // The documented fallback (docs/ui.md): with no navigator.locks (an http:// page off localhost,
  // an old browser) tabs can't see each other, like two devices. A second start of the same file
  // may supersede the first, which then fails with the typed upload_expired.
  const file = await writeFileOnDisk(join(filesDir, 'nolocks.bin'), 10, 12 * MiB);
  const tabs = [await openHarnessTab(), await openHarnessTab(await session.newTab())];
  for (const tab of tabs) {
    await tab.evaluate(() => {
      Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined, configurable: true });
    });
    await pick(tab, file.path);
  }
  const options = { partSize: 2 * MiB, concurrency: 2 };
  const ids = await Promise.all(tabs.map((tab) => startPicked(tab, options)));
  const settled = await Promise.all(tabs.map((tab, i) => finished(tab, ids[i]!)));
  // Once the other tab is done, starting the superseded one again finishes it.
  for (const [i, tab] of tabs.entries()) {
    let result = settled[i]!;
    if (result.state !== 'done') {
      expect(result.error?.code, JSON.stringify(result.error)).toBe('upload_expired');
      result = await finished(tab, await startPicked(tab, options));
    }
    expect(result.state, JSON.stringify(result.error)).toBe('done');
    expect(await storedSha1(stack, result.result!.fileId)).toBe(file.sha1);
  }
  expect(stack.emulator.counters.snapshot().totals.tokenConflicts).toBe(0);
});

test('offline and back: the upload waits, then completes without a request storm', async ({
  session,
  openHarnessTab,
  stack,
  filesDir,
}) => {
  const file = await writeFileOnDisk(join(filesDir, 'offline.bin'), 11, 48 * MiB);
  const tab = await openHarnessTab();
  await watchErrors(tab);
  await pick(tab, file.path);
  const id = await startPicked(tab, { partSize: 2 * MiB, concurrency: 2 });
  await untilPartsDone(tab, id, 2);
  const network = networkSwitch(session, stack);
  await network.off();
  if (network.browserSide) {
    await expect.poll(async () => (await snapshot(tab, id)).state).toBe('offline');
    const parts = requests(stack, 'b2_upload_part');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // Offline waits for the `online` event: not one request while the browser says it is offline.
    expect(requests(stack, 'b2_upload_part')).toBe(parts);
  } else {
    await new Promise((resolve) => setTimeout(resolve, 1500));
  }
  await network.on();
  const result = await finished(tab, id);
  expect(result.error).toBeUndefined();
  expect(result.state).toBe('done');
  expect(result.backwards).toBe(0);
  expect(await storedSha1(stack, result.result!.fileId)).toBe(file.sha1);
  expect(await uncaught(tab)).toEqual([]);
});

/**
 * The browser's offline switch where the engine's automation has one (Chromium, Firefox). WebDriver
 * has none for WebKitGTK: there the link is cut at the far end instead (every emulator request
 * reset), which the SDK meets with its retries; navigator.onLine stays true.
 */
function networkSwitch(session: Session, stack: DevStack) {
  let restore: (() => void) | undefined;
  return {
    browserSide: session.setOffline !== undefined,
    async off() {
      if (session.setOffline) await session.setOffline(true);
      else restore = stack.emulator.faults.add({ fault: 'reset', count: Infinity });
    },
    async on() {
      if (session.setOffline) await session.setOffline(false);
      else restore?.();
    },
  };
}

test('no IndexedDB: uploads still complete, nothing is kept for resuming', async ({
  openHarnessTab,
  stack,
}) => {
  const tab = await openHarnessTab();
  await watchErrors(tab);
  // As in a browser or mode without IndexedDB: the uploader made after this sees none.
  await tab.evaluate(() => {
    Object.defineProperty(globalThis, 'indexedDB', { value: undefined, configurable: true });
  });
  const size = 24 * MiB;
  const id = await tab.evaluate(
    (bytes) =>
      window.b2upTest.uploads.start({
        file: window.b2upTest.deterministicFile(12, bytes, 'no-idb.bin'),
        uploader: { partSize: 4 * 1024 * 1024, concurrency: 2 },
      }),
    size,
  );
  const result = await finished(tab, id);
  expect(result.error).toBeUndefined();
  expect(result.state).toBe('done');
  expect(await storedSha1(stack, result.result!.fileId)).toBe(deterministicSha1(12, size));
  expect(await tab.evaluate(() => window.b2upTest.uploads.uploader().resumable)).toBe(false);
  expect(await pending(tab)).toEqual([]);
  expect(await uncaught(tab)).toEqual([]);
});
