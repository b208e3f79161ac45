import { describe, expect, it } from 'vitest';
import { download, makeBucket, reply, type Session, sha1, upload, useBucket } from './helpers.js';

let s: Session;
let bucketId: string;
useBucket((opened) => ({ s, bucketId } = opened));

const bytes = (n: number, seed: number) =>
  Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) % 256));

async function start(name = 'big.bin') {
  const r = await s.call('b2_start_large_file', {
    bucketId,
    fileName: name,
    contentType: 'b2/x-auto',
    fileInfo: { large_file_sha1: 'abc' },
  });
  expect(r.status).toBe(200);
  return r.body;
}

async function putPart(fileId: string, n: number | string, data: Buffer, sha = sha1(data)) {
  const url = (await s.call('b2_get_upload_part_url', { fileId })).body;
  return reply(
    await fetch(url.uploadUrl, {
      method: 'POST',
      headers: {
        Authorization: url.authorizationToken,
        'X-Bz-Part-Number': String(n),
        'X-Bz-Content-Sha1': sha,
      },
      body: new Uint8Array(data),
    }),
  );
}

describe('large files', () => {
  it('start returns action start with B2 fields', async () => {
    const f = await start('movie.mp4');
    expect(f).toMatchObject({
      action: 'start',
      contentLength: 0,
      contentSha1: 'none',
      contentMd5: null,
      contentType: 'video/mp4',
    });
    expect(f.fileInfo).toEqual({ large_file_sha1: 'abc' });
  });

  it('upload parts, list them, finish, download the whole', async () => {
    const parts = [bytes(1500, 1), bytes(1200, 2), bytes(7, 3)];
    const f = await start();
    for (const [i, p] of parts.entries()) {
      const r = await putPart(f.fileId, i + 1, p);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({
        fileId: f.fileId,
        partNumber: i + 1,
        contentLength: p.length,
        contentSha1: sha1(p),
      });
    }
    const page = await s.call('b2_list_parts', { fileId: f.fileId, maxPartCount: 2 });
    expect(page.body.parts.map((p: { partNumber: number }) => p.partNumber)).toEqual([1, 2]);
    expect(page.body.nextPartNumber).toBe(3);
    const rest = await s.call('b2_list_parts', { fileId: f.fileId, startPartNumber: 3 });
    expect(rest.body.parts).toHaveLength(1);
    expect(rest.body.nextPartNumber).toBeNull();
    const unfinished = await s.call('b2_list_unfinished_large_files', { bucketId });
    expect(unfinished.body.files.map((x: { fileId: string }) => x.fileId)).toContain(f.fileId);
    const done = await s.call('b2_finish_large_file', {
      fileId: f.fileId,
      partSha1Array: parts.map((p) => sha1(p)),
    });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      action: 'upload',
      fileId: f.fileId,
      contentLength: 2707,
      contentSha1: 'none',
      contentMd5: null,
    });
    expect(done.body.uploadTimestamp).toBe(f.uploadTimestamp);
    const d = await download(`${s.emulator.url}/b2api/v2/b2_download_file_by_id?fileId=${f.fileId}`, {
      headers: { Authorization: s.token },
    });
    expect(d.bytes.equals(Buffer.concat(parts))).toBe(true);
    expect(d.headers.get('x-bz-content-sha1')).toBe('none');
    const ranged = await download(`${s.emulator.url}/b2api/v2/b2_download_file_by_id?fileId=${f.fileId}`, {
      headers: { Authorization: s.token, Range: 'bytes=1400-1600' },
    });
    expect(ranged.status).toBe(206);
    expect(ranged.bytes.equals(Buffer.concat(parts).subarray(1400, 1601))).toBe(true);
    const after = await s.call('b2_list_unfinished_large_files', { bucketId });
    expect(after.body.files.map((x: { fileId: string }) => x.fileId)).not.toContain(f.fileId);
    expect((await s.call('b2_list_parts', { fileId: f.fileId })).status).toBe(400);
  });

  it('re-uploading a part number replaces it', async () => {
    const f = await start();
    await putPart(f.fileId, 1, bytes(1000, 1));
    await putPart(f.fileId, 1, bytes(1000, 9));
    const list = await s.call('b2_list_parts', { fileId: f.fileId });
    expect(list.body.parts).toHaveLength(1);
    expect(list.body.parts[0].contentSha1).toBe(sha1(bytes(1000, 9)));
  });

  it('part numbers must be 1..10000, SHA-1 mismatch stores nothing', async () => {
    const f = await start();
    for (const n of ['0', '10001', 'x']) expect((await putPart(f.fileId, n, bytes(10, 1))).status).toBe(400);
    expect((await putPart(f.fileId, 10000, bytes(10, 1))).status).toBe(200);
    const bad = await putPart(f.fileId, 2, bytes(10, 1), sha1('no'));
    expect(bad.body.message).toBe('Sha1 did not match data received');
    const list = await s.call('b2_list_parts', { fileId: f.fileId });
    expect(list.body.parts.map((p: { partNumber: number }) => p.partNumber)).toEqual([10000]);
  });

  it('finish enforces contiguous parts, SHA-1s and minimum part size', async () => {
    const f = await start();
    const a = bytes(1000, 1);
    const small = bytes(999, 2);
    await putPart(f.fileId, 1, small);
    await putPart(f.fileId, 3, a);
    const gap = await s.call('b2_finish_large_file', {
      fileId: f.fileId,
      partSha1Array: [sha1(small), sha1(a), sha1(a)],
    });
    expect(gap.body.code).toBe('missing_part');
    await putPart(f.fileId, 2, a);
    const wrong = await s.call('b2_finish_large_file', {
      fileId: f.fileId,
      partSha1Array: [sha1(small), sha1('x'), sha1(a)],
    });
    expect(wrong.body.code).toBe('part_sha1_mismatch');
    const tooFew = await s.call('b2_finish_large_file', {
      fileId: f.fileId,
      partSha1Array: [sha1(small), sha1(a)],
    });
    expect(tooFew.status).toBe(400);
    const tooSmall = await s.call('b2_finish_large_file', {
      fileId: f.fileId,
      partSha1Array: [sha1(small), sha1(a), sha1(a)],
    });
    expect(tooSmall.status).toBe(400);
    expect(tooSmall.body.code).toBe('bad_request');
    // The last part may be small.
    const g = await start();
    await putPart(g.fileId, 1, a);
    await putPart(g.fileId, 2, small);
    expect(
      (await s.call('b2_finish_large_file', { fileId: g.fileId, partSha1Array: [sha1(a), sha1(small)] }))
        .status,
    ).toBe(200);
  });

  it('cancel removes the file and its parts', async () => {
    const f = await start('cancel-me');
    await putPart(f.fileId, 1, bytes(10, 1));
    const r = await s.call('b2_cancel_large_file', { fileId: f.fileId });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ accountId: s.accountId, bucketId, fileId: f.fileId, fileName: 'cancel-me' });
    const again = await s.call('b2_cancel_large_file', { fileId: f.fileId });
    expect(again.status).toBe(400);
    expect(again.body.code).toBe('bad_request');
    expect((await s.call('b2_get_upload_part_url', { fileId: 'bad-id' })).status).toBe(400);
  });

  it('unfinished listing pages with maxFileCount ≤ 100', async () => {
    const other = await makeBucket(s);
    for (let i = 0; i < 3; i++)
      await s.call('b2_start_large_file', { bucketId: other, fileName: `u${i}`, contentType: 'text/plain' });
    const p1 = await s.call('b2_list_unfinished_large_files', { bucketId: other, maxFileCount: 2 });
    expect(p1.body.files).toHaveLength(2);
    const p2 = await s.call('b2_list_unfinished_large_files', {
      bucketId: other,
      startFileId: p1.body.nextFileId,
    });
    expect(p2.body.files.map((f: { fileName: string }) => f.fileName)).toEqual(['u2']);
    expect(p2.body.nextFileId).toBeNull();
    expect(
      (await s.call('b2_list_unfinished_large_files', { bucketId: other, maxFileCount: 101 })).body.code,
    ).toBe('out_of_range');
  });
});

describe('copies', () => {
  it('copy_file COPY keeps metadata, ranges copy a slice, listings say upload', async () => {
    const src = await upload(s, bucketId, 'src.txt', '0123456789', { 'X-Bz-Info-color': 'blue' });
    const copy = await s.call('b2_copy_file', { sourceFileId: src.body.fileId, fileName: 'copy.txt' });
    expect(copy.status).toBe(200);
    expect(copy.body).toMatchObject({
      action: 'copy',
      contentType: 'text/plain',
      fileInfo: { color: 'blue' },
      contentSha1: sha1('0123456789'),
    });
    const ranged = await s.call('b2_copy_file', {
      sourceFileId: src.body.fileId,
      fileName: 'slice.txt',
      range: 'bytes=2-5',
    });
    expect(ranged.body.contentLength).toBe(4);
    expect(ranged.body.contentSha1).toBe(sha1('2345'));
    const info = await s.call('b2_get_file_info', { fileId: copy.body.fileId });
    expect(info.body.action).toBe('upload');
    const replace = await s.call('b2_copy_file', {
      sourceFileId: src.body.fileId,
      fileName: 'replaced.txt',
      metadataDirective: 'REPLACE',
      contentType: 'text/csv',
      fileInfo: { a: 'b' },
    });
    expect(replace.body).toMatchObject({ contentType: 'text/csv', fileInfo: { a: 'b' } });
    const copyWithType = await s.call('b2_copy_file', {
      sourceFileId: src.body.fileId,
      fileName: 'x',
      contentType: 'text/csv',
    });
    expect(copyWithType.status).toBe(400);
    const replaceNoType = await s.call('b2_copy_file', {
      sourceFileId: src.body.fileId,
      fileName: 'x',
      metadataDirective: 'REPLACE',
    });
    expect(replaceNoType.status).toBe(400);
    const outside = await s.call('b2_copy_file', {
      sourceFileId: src.body.fileId,
      fileName: 'x',
      range: 'bytes=20-30',
    });
    expect(outside.status).toBe(416);
  });

  it('copy_part builds a large file from existing files', async () => {
    const a = await upload(s, bucketId, 'part-src-a', Buffer.alloc(1500, 1));
    const b = await upload(s, bucketId, 'part-src-b', 'tail');
    const f = await start('assembled');
    const p1 = await s.call('b2_copy_part', {
      sourceFileId: a.body.fileId,
      largeFileId: f.fileId,
      partNumber: 1,
    });
    expect(p1.status).toBe(200);
    const p2 = await s.call('b2_copy_part', {
      sourceFileId: b.body.fileId,
      largeFileId: f.fileId,
      partNumber: 2,
      range: 'bytes=1-2',
    });
    expect(p2.body).toMatchObject({ partNumber: 2, contentLength: 2, contentSha1: sha1('ai') });
    const done = await s.call('b2_finish_large_file', {
      fileId: f.fileId,
      partSha1Array: [p1.body.contentSha1, p2.body.contentSha1],
    });
    expect(done.status).toBe(200);
    const d = await download(`${s.emulator.url}/b2api/v2/b2_download_file_by_id?fileId=${f.fileId}`, {
      headers: { Authorization: s.token },
    });
    expect(d.bytes.equals(Buffer.concat([Buffer.alloc(1500, 1), Buffer.from('ai')]))).toBe(true);
  });
});
