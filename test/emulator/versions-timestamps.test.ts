/** Unfinished large files in b2_list_file_versions, and custom upload timestamps. */
import { describe, expect, it } from 'vitest';
import { largeUpload, type Session, upload, useBucket } from './helpers.js';

let s: Session;
let bucketId: string;

useBucket((opened) => ({ s, bucketId } = opened));

describe('b2_list_file_versions', () => {
  it('lists unfinished large files as action "start" rows in name order, newest first', async () => {
    await upload(s, bucketId, 'v/a.bin', 'finished');
    const stale = await s.call('b2_start_large_file', {
      bucketId,
      fileName: 'v/a.bin',
      contentType: 'b2/x-auto',
    });
    await s.call('b2_start_large_file', { bucketId, fileName: 'v/b.bin', contentType: 'b2/x-auto' });
    await largeUpload(s, bucketId, 'v/c.bin', [Buffer.alloc(1000, 1), Buffer.alloc(10, 2)]);
    const listed = await s.call('b2_list_file_versions', { bucketId, prefix: 'v/' });
    expect(
      listed.body.files.map((f: { fileName: string; action: string }) => [f.fileName, f.action]),
    ).toEqual([
      ['v/a.bin', 'start'],
      ['v/a.bin', 'upload'],
      ['v/b.bin', 'start'],
      ['v/c.bin', 'upload'],
    ]);
    const row = listed.body.files[0];
    expect(row).toMatchObject({
      fileId: stale.body.fileId,
      contentLength: 0,
      contentSha1: 'none',
      contentMd5: null,
    });
    // Paging through the rows never skips or repeats one.
    const page1 = await s.call('b2_list_file_versions', { bucketId, prefix: 'v/', maxFileCount: 1 });
    expect(page1.body.nextFileId).toBe(listed.body.files[1].fileId);
    // b2_list_file_names still shows the finished version only, and downloads ignore the start row.
    const names = await s.call('b2_list_file_names', { bucketId, prefix: 'v/' });
    expect(names.body.files.map((f: { fileName: string }) => f.fileName)).toEqual(['v/a.bin', 'v/c.bin']);
    // A cleanup tool deletes the row like any version: the unfinished file is cancelled.
    const del = await s.call('b2_delete_file_version', { fileId: stale.body.fileId, fileName: 'v/a.bin' });
    expect(del.status).toBe(200);
    const unfinished = await s.call('b2_list_unfinished_large_files', { bucketId, namePrefix: 'v/a' });
    expect(unfinished.body.files).toEqual([]);
  });
});

describe('custom upload timestamps', () => {
  const past = Date.UTC(2020, 0, 2, 3, 4, 5, 678);

  it('are refused until the account allows them', async () => {
    const r = await upload(s, bucketId, 't/a.txt', 'a', { 'X-Bz-Custom-Upload-Timestamp': String(past) });
    expect([r.status, r.body.code]).toEqual([400, 'custom_timestamp_not_allowed']);
    const start = await s.call('b2_start_large_file', {
      bucketId,
      fileName: 't/b.bin',
      contentType: 'b2/x-auto',
      customUploadTimestamp: past,
    });
    expect([start.status, start.body.code]).toEqual([400, 'custom_timestamp_not_allowed']);
  });

  it('once allowed, set uploadTimestamp on upload and start, but never in the future', async () => {
    const allow = await fetch(`${s.emulator.url}/__emulator/account`, {
      method: 'POST',
      body: JSON.stringify({ customUploadTimestamps: true }),
    });
    expect(allow.status).toBe(200);
    const r = await upload(s, bucketId, 't/a.txt', 'a', { 'X-Bz-Custom-Upload-Timestamp': String(past) });
    expect(r.body.uploadTimestamp).toBe(past);
    const got = await fetch(`${s.emulator.url}/b2api/v2/b2_download_file_by_id?fileId=${r.body.fileId}`, {
      headers: { Authorization: s.token },
    });
    expect(got.headers.get('x-bz-upload-timestamp')).toBe(String(past));
    const start = await s.call('b2_start_large_file', {
      bucketId,
      fileName: 't/b.bin',
      contentType: 'b2/x-auto',
      customUploadTimestamp: past,
    });
    expect(start.body.uploadTimestamp).toBe(past);
    const future = s.emulator.clock.now() + 60_000;
    const late = await upload(s, bucketId, 't/c.txt', 'c', {
      'X-Bz-Custom-Upload-Timestamp': String(future),
    });
    expect([late.status, late.body.code]).toEqual([400, 'custom_timestamp_invalid']);
  });
});
