/**
 * Large files over the S3 transport in Chromium (`largeFileTransport: 's3'`): parts by presigned
 * S3 UploadPart from the page, straight to the emulator's S3 endpoint, SHA-1s hashed in the worker
 * and compared by the broker at finish; and a reload that resumes through S3. Real worker,
 * IndexedDB, broker and emulator over HTTP on 127.0.0.1; every finished file downloaded back.
 */
import { join } from 'node:path';
import type { DevStack } from '../src/cli/dev-stack.js';
import { expect, finished, MiB, requests, startPicked, storedSha1, test, writeFileOnDisk } from './stack.js';

const s3Parts = (stack: DevStack) => stack.emulator.counters.snapshot().endpoints['s3:UploadPart'];

test('a large file goes by presigned S3 parts from the page; B2 holds its bytes', async ({
  page,
  openStack,
  stack,
  filesDir,
}) => {
  const size = 12 * MiB + 5;
  const partSize = 4 * MiB;
  const file = await writeFileOnDisk(join(filesDir, 's3-large.bin'), 31, size);
  await openStack();
  // One part answered 503 by B2's S3 endpoint: the same retry loop sends it again.
  stack.emulator.faults.add({ endpoints: ['s3:UploadPart'], fault: '503' });
  await page.setInputFiles('#file-input', file.path);
  const result = await finished(
    page,
    await startPicked(page, { largeFileTransport: 's3', partSize, concurrency: 3 }),
  );
  expect(result.error).toBeUndefined();
  expect(result.state).toBe('done');
  expect(await storedSha1(stack, result.result!.fileId)).toBe(file.sha1);
  expect(stack.emulator.faults.history()).toHaveLength(1);
  // Four parts, one sent twice; nothing through B2's native part URLs.
  expect(s3Parts(stack)?.requests).toBe(5);
  expect(requests(stack, 'b2_upload_part')).toBe(0);
  // Progress came from the XHR's upload events, inside parts, and never went back.
  expect(result.withinPart).toBeGreaterThan(0);
  expect(result.backwards).toBe(0);
});

test('after a reload an S3 upload resumes through S3: only the parts in flight are sent twice', async ({
  page,
  openStack,
  stack,
  filesDir,
}) => {
  const size = 24 * MiB;
  const partSize = 2 * MiB;
  const concurrency = 2;
  const file = await writeFileOnDisk(join(filesDir, 's3-reload.bin'), 32, size);
  await openStack();
  await page.setInputFiles('#file-input', file.path);
  const first = await startPicked(page, { largeFileTransport: 's3', partSize, concurrency });
  await page.waitForFunction((id) => window.b2upTest.uploads.snapshot(id).partsDone >= 4, first);
  await page.reload();
  await page.waitForFunction(() => window.b2upTest?.ready === true);

  // The same file picked again, by an uploader left at the default transport: the record says S3.
  await page.setInputFiles('#file-input', file.path);
  const result = await finished(page, await startPicked(page, { partSize, concurrency }));
  expect(result.error).toBeUndefined();
  expect(result.state).toBe('done');
  expect(result.resumed).toBe(true);
  expect(await storedSha1(stack, result.result!.fileId)).toBe(file.sha1);
  expect(stack.emulator.counters.snapshot().endpoints['s3:CreateMultipartUpload']?.requests).toBe(1);
  expect(requests(stack, 'b2_start_large_file')).toBe(0);
  expect(requests(stack, 'b2_upload_part')).toBe(0);
  expect(s3Parts(stack)!.bytesReceived).toBeLessThanOrEqual(size + concurrency * partSize);
});
