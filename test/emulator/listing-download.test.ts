import { beforeAll, describe, expect, it } from 'vitest';
import { download, makeBucket, type Session, sha1, upload, useBucket } from './helpers.js';

let s: Session;
let bucketId: string;
let bucketName: string;
useBucket((opened) => ({ s, bucketId, bucketName } = opened));
beforeAll(async () => {
  // Upload order is deliberately not name order.
  for (const name of ['b.txt', 'a/2.txt', 'a/1.txt', 'é.txt', 'z.txt', 'Z.txt', 'c/d/e.txt'])
    await upload(s, bucketId, name, name);
});

const namesOf = (files: { fileName: string }[]) => files.map((f) => f.fileName);

describe('b2_list_file_names', () => {
  it('lists in UTF-8 byte order', async () => {
    const r = await s.call('b2_list_file_names', { bucketId });
    expect(namesOf(r.body.files)).toEqual([
      'Z.txt',
      'a/1.txt',
      'a/2.txt',
      'b.txt',
      'c/d/e.txt',
      'z.txt',
      'é.txt',
    ]);
    expect(r.body.nextFileName).toBeNull();
  });

  it('paginates with nextFileName, no skips or repeats', async () => {
    const seen: string[] = [];
    let start: string | undefined;
    for (let i = 0; i < 10; i++) {
      const r = await s.call('b2_list_file_names', { bucketId, maxFileCount: 2, startFileName: start });
      seen.push(...namesOf(r.body.files));
      start = r.body.nextFileName;
      if (!start) break;
    }
    expect(seen).toEqual(['Z.txt', 'a/1.txt', 'a/2.txt', 'b.txt', 'c/d/e.txt', 'z.txt', 'é.txt']);
  });

  it('collapses folders with a delimiter and filters by prefix', async () => {
    const r = await s.call('b2_list_file_names', { bucketId, delimiter: '/' });
    expect(namesOf(r.body.files)).toEqual(['Z.txt', 'a/', 'b.txt', 'c/', 'z.txt', 'é.txt']);
    const folder = r.body.files[1];
    expect(folder).toMatchObject({ action: 'folder', fileId: null, contentLength: 0, uploadTimestamp: 0 });
    const inA = await s.call('b2_list_file_names', { bucketId, prefix: 'a/', delimiter: '/' });
    expect(namesOf(inA.body.files)).toEqual(['a/1.txt', 'a/2.txt']);
    const inC = await s.call('b2_list_file_names', { bucketId, prefix: 'c/', delimiter: '/' });
    expect(namesOf(inC.body.files)).toEqual(['c/d/']);
  });

  it('page sizes: 0 means default, above 10000 is out_of_range', async () => {
    expect((await s.call('b2_list_file_names', { bucketId, maxFileCount: 0 })).status).toBe(200);
    const r = await s.call('b2_list_file_names', { bucketId, maxFileCount: 10001 });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('out_of_range');
    expect((await s.call('b2_list_file_names', { bucketId: 'nope' })).body.code).toBe('invalid_bucket_id');
  });
});

describe('page size defaults', () => {
  it('list_file_names and list_file_versions return 100 by default; list_parts caps at 1000', async () => {
    const b = await makeBucket(s);
    const u = (await s.call('b2_get_upload_url', { bucketId: b })).body;
    for (let i = 0; i < 101; i++) {
      const r = await fetch(u.uploadUrl, {
        method: 'POST',
        headers: {
          Authorization: u.authorizationToken,
          'X-Bz-File-Name': `f${String(i).padStart(3, '0')}`,
          'Content-Type': 'text/plain',
          'X-Bz-Content-Sha1': 'do_not_verify',
        },
        body: 'x',
      });
      expect(r.status).toBe(200);
      await r.arrayBuffer();
    }
    const names = await s.call('b2_list_file_names', { bucketId: b });
    expect(names.body.files).toHaveLength(100);
    expect(names.body.nextFileName).toBe('f100');
    const versions = await s.call('b2_list_file_versions', { bucketId: b });
    expect(versions.body.files).toHaveLength(100);
    expect(versions.body.nextFileName).toBe('f100');
    const big = await s.call('b2_list_file_names', { bucketId: b, maxFileCount: 10000 });
    expect(big.body.files).toHaveLength(101);
    const start = await s.call('b2_start_large_file', {
      bucketId: b,
      fileName: 'l',
      contentType: 'text/plain',
    });
    expect((await s.call('b2_list_parts', { fileId: start.body.fileId, maxPartCount: 1000 })).status).toBe(
      200,
    );
    expect((await s.call('b2_list_parts', { fileId: start.body.fileId, maxPartCount: 1001 })).body.code).toBe(
      'out_of_range',
    );
  });
});

describe('versions and hiding', () => {
  it('hide marker hides the name from list_file_names and downloads, versions show newest first', async () => {
    const b = await makeBucket(s);
    const v1 = await upload(s, b, 'doc.txt', 'one');
    const v2 = await upload(s, b, 'doc.txt', 'two');
    const hide = await s.call('b2_hide_file', { bucketId: b, fileName: 'doc.txt' });
    expect(hide.status).toBe(200);
    expect(hide.body).toEqual({
      accountId: s.accountId,
      action: 'hide',
      bucketId: b,
      contentLength: 0,
      contentMd5: 'd41d8cd98f00b204e9800998ecf8427e',
      contentSha1: 'da39a3ee5e6b4b0d3255bfef95601890afd80709',
      contentType: 'application/x-bz-hide-marker',
      fileId: expect.any(String),
      fileInfo: {},
      fileName: 'doc.txt',
      uploadTimestamp: expect.any(Number),
    });
    const again = await s.call('b2_hide_file', { bucketId: b, fileName: 'doc.txt' });
    expect(again.body.code).toBe('already_hidden');
    expect((await s.call('b2_hide_file', { bucketId: b, fileName: 'none.txt' })).body.code).toBe(
      'no_such_file',
    );
    expect((await s.call('b2_list_file_names', { bucketId: b })).body.files).toEqual([]);
    const versions = await s.call('b2_list_file_versions', { bucketId: b });
    expect(versions.body.files.map((f: { fileId: string }) => f.fileId)).toEqual([
      hide.body.fileId,
      v2.body.fileId,
      v1.body.fileId,
    ]);
    // Version pagination resumes at nextFileName + nextFileId.
    const p1 = await s.call('b2_list_file_versions', { bucketId: b, maxFileCount: 2 });
    expect(p1.body.nextFileName).toBe('doc.txt');
    expect(p1.body.nextFileId).toBe(v1.body.fileId);
    const p2 = await s.call('b2_list_file_versions', {
      bucketId: b,
      startFileName: p1.body.nextFileName,
      startFileId: p1.body.nextFileId,
    });
    expect(p2.body.files.map((f: { fileId: string }) => f.fileId)).toEqual([v1.body.fileId]);
    expect(
      (await s.call('b2_list_file_versions', { bucketId: b, startFileName: 'a', startFileId: 'junk' })).body
        .code,
    ).toBe('invalid_file_id');
    const name = (await s.call('b2_list_buckets', { accountId: s.accountId, bucketId: b })).body.buckets[0]
      .bucketName;
    const hidden = await download(`${s.emulator.url}/file/${name}/doc.txt`, {
      headers: { Authorization: s.token },
    });
    expect(hidden.status).toBe(404);
    // Deleting the hide marker brings the newest upload back.
    const del = await s.call('b2_delete_file_version', { fileName: 'doc.txt', fileId: hide.body.fileId });
    expect(del.body).toEqual({ fileId: hide.body.fileId, fileName: 'doc.txt' });
    const back = await download(`${s.emulator.url}/file/${name}/doc.txt`, {
      headers: { Authorization: s.token },
    });
    expect(back.bytes.toString()).toBe('two');
    expect(
      (await s.call('b2_delete_file_version', { fileName: 'other', fileId: v1.body.fileId })).body.code,
    ).toBe('file_not_present');
  });

  it('get_file_info: found, 404 for a missing well-formed id, 400 for a malformed one', async () => {
    const up = await upload(s, bucketId, 'info.txt', 'i');
    expect((await s.call('b2_get_file_info', { fileId: up.body.fileId })).body.fileName).toBe('info.txt');
    await s.call('b2_delete_file_version', { fileName: 'info.txt', fileId: up.body.fileId });
    const gone = await s.call('b2_get_file_info', { fileId: up.body.fileId });
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe('not_found');
    expect((await s.call('b2_get_file_info', { fileId: 'bad' })).status).toBe(400);
  });
});

describe('downloads', () => {
  it('by name returns B2 headers; HEAD has no body', async () => {
    const up = await upload(s, bucketId, 'dir/file name+plus.txt', 'content!', { 'X-Bz-Info-note': 'a%2Bb' });
    const url = `${s.emulator.url}/file/${bucketName}/dir/file%20name%2Bplus.txt`;
    const d = await download(url, { headers: { Authorization: s.token } });
    expect(d.status).toBe(200);
    expect(d.bytes.toString()).toBe('content!');
    expect(d.headers.get('x-bz-file-id')).toBe(up.body.fileId);
    expect(d.headers.get('x-bz-file-name')).toBe('dir/file%20name%2Bplus.txt');
    expect(d.headers.get('x-bz-content-sha1')).toBe(sha1('content!'));
    expect(d.headers.get('x-bz-info-note')).toBe('a%2Bb');
    expect(d.headers.get('x-bz-upload-timestamp')).toBe(String(up.body.uploadTimestamp));
    expect(d.headers.get('accept-ranges')).toBe('bytes');
    const head = await download(url, { method: 'HEAD', headers: { Authorization: s.token } });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('8');
    expect(head.bytes.length).toBe(0);
    const override = await download(`${url}?b2ContentDisposition=attachment&b2ContentType=text/csv`, {
      headers: { Authorization: s.token },
    });
    expect(override.headers.get('content-disposition')).toBe('attachment');
    expect(override.headers.get('content-type')).toBe('text/csv');
  });

  it('Range: 206 with Content-Range, suffix ranges, 416 outside', async () => {
    const up = await upload(s, bucketId, 'range.txt', '0123456789');
    const url = `${s.emulator.url}/b2api/v2/b2_download_file_by_id?fileId=${up.body.fileId}`;
    const mid = await download(url, { headers: { Authorization: s.token, Range: 'bytes=2-5' } });
    expect(mid.status).toBe(206);
    expect(mid.bytes.toString()).toBe('2345');
    expect(mid.headers.get('content-range')).toBe('bytes 2-5/10');
    const clamp = await download(url, { headers: { Authorization: s.token, Range: 'bytes=8-100' } });
    expect(clamp.bytes.toString()).toBe('89');
    const suffix = await download(url, { headers: { Authorization: s.token, Range: 'bytes=-3' } });
    expect(suffix.bytes.toString()).toBe('789');
    const open = await download(url, { headers: { Authorization: s.token, Range: 'bytes=7-' } });
    expect(open.bytes.toString()).toBe('789');
    const out = await download(url, { headers: { Authorization: s.token, Range: 'bytes=10-12' } });
    expect(out.status).toBe(416);
    expect(JSON.parse(out.bytes.toString()).code).toBe('range_not_satisfiable');
  });

  it('POST by id with a JSON body works', async () => {
    const up = await upload(s, bucketId, 'post.txt', 'posted');
    const d = await download(`${s.emulator.url}/b2api/v2/b2_download_file_by_id`, {
      method: 'POST',
      headers: { Authorization: s.token },
      body: JSON.stringify({ fileId: up.body.fileId }),
    });
    expect(d.bytes.toString()).toBe('posted');
  });

  it('private buckets need auth, public ones do not', async () => {
    const priv = await download(`${s.emulator.url}/file/${bucketName}/b.txt`);
    expect(priv.status).toBe(401);
    const pub = await makeBucket(s, 'allPublic');
    const pubName = (await s.call('b2_list_buckets', { accountId: s.accountId, bucketId: pub })).body
      .buckets[0].bucketName;
    await upload(s, pub, 'open.txt', 'open');
    const d = await download(`${s.emulator.url}/file/${pubName}/open.txt`);
    expect(d.status).toBe(200);
    expect(d.bytes.toString()).toBe('open');
    expect((await download(`${s.emulator.url}/file/no-such-bucket/x`)).status).toBe(404);
  });

  it('download authorization tokens: by name, bucket + prefix + expiry', async () => {
    await upload(s, bucketId, 'shared/one.txt', 'one');
    const auth = await s.call('b2_get_download_authorization', {
      bucketId,
      fileNamePrefix: 'shared/',
      validDurationInSeconds: 60,
    });
    expect(auth.status).toBe(200);
    expect(auth.body.fileNamePrefix).toBe('shared/');
    const token = auth.body.authorizationToken;
    const ok = await download(
      `${s.emulator.url}/file/${bucketName}/shared/one.txt?Authorization=${encodeURIComponent(token)}`,
    );
    expect(ok.status).toBe(200);
    expect(ok.bytes.toString()).toBe('one');
    const outside = await download(`${s.emulator.url}/file/${bucketName}/b.txt`, {
      headers: { Authorization: token },
    });
    expect(outside.status).toBe(401);
    const info = await s.call('b2_list_file_names', { bucketId, prefix: 'shared/' });
    const byId = await download(
      `${s.emulator.url}/b2api/v2/b2_download_file_by_id?fileId=${info.body.files[0].fileId}`,
      {
        headers: { Authorization: token },
      },
    );
    expect(byId.status).toBe(401);
    const tooLong = await s.call('b2_get_download_authorization', {
      bucketId,
      fileNamePrefix: '',
      validDurationInSeconds: 604801,
    });
    expect(tooLong.status).toBe(400);
    s.emulator.clock.advance(61_000);
    const late = await download(`${s.emulator.url}/file/${bucketName}/shared/one.txt`, {
      headers: { Authorization: token },
    });
    expect(late.status).toBe(401);
    expect(JSON.parse(late.bytes.toString()).code).toBe('expired_auth_token');
  });
});
