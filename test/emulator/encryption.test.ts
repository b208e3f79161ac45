/** Server-side encryption on every path that takes it: SSE-B2 and SSE-C (customer key) end to end. */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { download, makeBucket, reply, type Session, sha1, upload, useBucket } from './helpers.js';

function customerKey() {
  const key = randomBytes(32);
  return { key: key.toString('base64'), md5: createHash('md5').update(key).digest('base64') };
}
type Key = ReturnType<typeof customerKey>;

const keyHeaders = (k: Key): Record<string, string> => ({
  'X-Bz-Server-Side-Encryption-Customer-Algorithm': 'AES256',
  'X-Bz-Server-Side-Encryption-Customer-Key': k.key,
  'X-Bz-Server-Side-Encryption-Customer-Key-Md5': k.md5,
});
const keyJson = (k: Key) => ({
  mode: 'SSE-C',
  algorithm: 'AES256',
  customerKey: k.key,
  customerKeyMd5: k.md5,
});

let s: Session;
let bucketId: string;
let bucketName: string;

useBucket((opened) => ({ s, bucketId, bucketName } = opened));

const byId = (fileId: string, headers: Record<string, string> = {}, method = 'GET') =>
  download(`${s.emulator.url}/b2api/v2/b2_download_file_by_id?fileId=${fileId}`, {
    method,
    headers: { Authorization: s.token, ...headers },
  });

describe('SSE-C', () => {
  it('stores with the key, serves only with the same key, shows no plaintext MD5 in listings', async () => {
    const k = customerKey();
    const up = await upload(s, bucketId, 'ssec/a.txt', 'secret bytes', keyHeaders(k));
    expect(up.status).toBe(200);
    expect(up.body.serverSideEncryption).toEqual({ mode: 'SSE-C', algorithm: 'AES256' });
    expect(up.body.contentMd5).toBeNull();
    expect(up.body.contentSha1).toBe(sha1('secret bytes'));

    const ok = await byId(up.body.fileId, keyHeaders(k));
    expect(ok.status).toBe(200);
    expect(ok.bytes.toString()).toBe('secret bytes');
    expect(ok.headers.get('x-bz-server-side-encryption-customer-algorithm')).toBe('AES256');
    expect(ok.headers.get('x-bz-server-side-encryption-customer-key-md5')).toBe(k.md5);

    const none = await byId(up.body.fileId);
    expect(none.status).toBe(403);
    expect(JSON.parse(none.bytes.toString()).code).toBe('access_denied');
    expect((await byId(up.body.fileId, keyHeaders(customerKey()))).status).toBe(403);
    expect((await byId(up.body.fileId, {}, 'HEAD')).status).toBe(403);
    const head = await byId(up.body.fileId, keyHeaders(k), 'HEAD');
    expect(head.status).toBe(200);
    const byName = await download(`${s.emulator.url}/file/${bucketName}/ssec/a.txt`, {
      headers: { Authorization: s.token, ...keyHeaders(k) },
    });
    expect(byName.bytes.toString()).toBe('secret bytes');

    const listed = await s.call('b2_list_file_names', { bucketId, prefix: 'ssec/' });
    expect(listed.body.files[0].contentMd5).toBeNull();
    expect(JSON.stringify(listed.body)).not.toContain(k.key);
    expect(JSON.stringify(listed.body)).not.toContain(createHash('md5').update('secret bytes').digest('hex'));
  });

  it('refuses a key whose MD5 does not match, or that is not 32 bytes', async () => {
    const k = customerKey();
    const wrongMd5 = await upload(s, bucketId, 'ssec/bad.txt', 'x', {
      ...keyHeaders(k),
      'X-Bz-Server-Side-Encryption-Customer-Key-Md5': customerKey().md5,
    });
    expect([wrongMd5.status, wrongMd5.body.code]).toEqual([400, 'bad_request']);
    const short = randomBytes(16);
    const shortKey = await upload(s, bucketId, 'ssec/bad.txt', 'x', {
      'X-Bz-Server-Side-Encryption-Customer-Algorithm': 'AES256',
      'X-Bz-Server-Side-Encryption-Customer-Key': short.toString('base64'),
      'X-Bz-Server-Side-Encryption-Customer-Key-Md5': createHash('md5').update(short).digest('base64'),
    });
    expect(shortKey.status).toBe(400);
  });

  it('large files: start with the key, every part needs it, parts and the file report SSE-C', async () => {
    const k = customerKey();
    const start = await s.call('b2_start_large_file', {
      bucketId,
      fileName: 'ssec/large.bin',
      contentType: 'b2/x-auto',
      serverSideEncryption: keyJson(k),
    });
    expect(start.body.serverSideEncryption).toEqual({ mode: 'SSE-C', algorithm: 'AES256' });
    const fileId = start.body.fileId;
    const url = (await s.call('b2_get_upload_part_url', { fileId })).body;
    const parts = [randomBytes(1500), randomBytes(700)];
    const send = async (n: number, headers: Record<string, string>) =>
      reply(
        await fetch(url.uploadUrl, {
          method: 'POST',
          headers: {
            Authorization: url.authorizationToken,
            'X-Bz-Part-Number': String(n),
            'X-Bz-Content-Sha1': sha1(parts[n - 1]!),
            ...headers,
          },
          body: new Uint8Array(parts[n - 1]!),
        }),
      );
    expect((await send(1, {})).status).toBe(403);
    expect((await send(1, keyHeaders(customerKey()))).status).toBe(403);
    const part1 = await send(1, keyHeaders(k));
    expect(part1.body.serverSideEncryption).toEqual({ mode: 'SSE-C', algorithm: 'AES256' });
    // copy_part into an SSE-C large file needs the destination key too.
    const source = await upload(s, bucketId, 'ssec/plain.bin', parts[1]!);
    const copyNoKey = await s.call('b2_copy_part', {
      sourceFileId: source.body.fileId,
      largeFileId: fileId,
      partNumber: 2,
    });
    expect(copyNoKey.status).toBe(403);
    const copied = await s.call('b2_copy_part', {
      sourceFileId: source.body.fileId,
      largeFileId: fileId,
      partNumber: 2,
      destinationServerSideEncryption: keyJson(k),
    });
    expect(copied.status).toBe(200);
    const done = await s.call('b2_finish_large_file', { fileId, partSha1Array: parts.map((p) => sha1(p)) });
    expect(done.body.serverSideEncryption.mode).toBe('SSE-C');
    const got = await byId(fileId, keyHeaders(k));
    expect(got.bytes.equals(Buffer.concat(parts))).toBe(true);
    expect((await byId(fileId)).status).toBe(403);
  });
});

describe('b2_copy_file encryption', () => {
  it('honours destinationServerSideEncryption (SSE-B2, SSE-C, none) and needs the source key', async () => {
    const k = customerKey();
    const plain = await upload(s, bucketId, 'copy/plain.txt', 'copy me');
    const toB2 = await s.call('b2_copy_file', {
      sourceFileId: plain.body.fileId,
      fileName: 'copy/b2.txt',
      destinationServerSideEncryption: { mode: 'SSE-B2', algorithm: 'AES256' },
    });
    expect(toB2.body.serverSideEncryption).toEqual({ mode: 'SSE-B2', algorithm: 'AES256' });
    expect((await byId(toB2.body.fileId)).headers.get('x-bz-server-side-encryption')).toBe('AES256');

    const toC = await s.call('b2_copy_file', {
      sourceFileId: plain.body.fileId,
      fileName: 'copy/c.txt',
      destinationServerSideEncryption: keyJson(k),
    });
    expect(toC.body.serverSideEncryption).toEqual({ mode: 'SSE-C', algorithm: 'AES256' });
    expect((await byId(toC.body.fileId)).status).toBe(403);
    expect((await byId(toC.body.fileId, keyHeaders(k))).bytes.toString()).toBe('copy me');

    // Copying from the SSE-C file: without its key refused, with it allowed (re-encrypted or not).
    const noKey = await s.call('b2_copy_file', { sourceFileId: toC.body.fileId, fileName: 'copy/x.txt' });
    expect([noKey.status, noKey.body.code]).toEqual([403, 'access_denied']);
    const back = await s.call('b2_copy_file', {
      sourceFileId: toC.body.fileId,
      fileName: 'copy/back.txt',
      sourceServerSideEncryption: keyJson(k),
    });
    expect(back.body.serverSideEncryption).toEqual({ mode: null, algorithm: null });
    expect((await byId(back.body.fileId)).bytes.toString()).toBe('copy me');
  });

  it('a copy into an SSE-B2-default bucket is encrypted unless it asks otherwise', async () => {
    const encrypted = await makeBucket(s, 'allPrivate', {
      defaultServerSideEncryption: { mode: 'SSE-B2', algorithm: 'AES256' },
    });
    const plain = await upload(s, bucketId, 'copy/src.txt', 'src');
    const copy = await s.call('b2_copy_file', {
      sourceFileId: plain.body.fileId,
      fileName: 'dst.txt',
      destinationBucketId: encrypted,
    });
    expect(copy.body.serverSideEncryption.mode).toBe('SSE-B2');
  });
});
