/**
 * An existing B2 client, the `backblaze-b2` npm package, pointed at the emulator: it must not notice.
 * Only authorize needs its URL overridden (the package hard-codes the realm).
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the package ships no types.
type Any = any;
const B2 = createRequire(import.meta.url)('backblaze-b2') as new (options: Record<string, unknown>) => Any;
const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');

let emulator: Emulator;
let b2: Any;
beforeAll(async () => {
  emulator = await startEmulator({ minPartSize: 1000 });
  b2 = new B2({ applicationKeyId: emulator.keyId, applicationKey: emulator.key, retry: { retries: 0 } });
  await b2.authorize({ axiosOverride: { url: `${emulator.url}/b2api/v2/b2_authorize_account` } });
});
afterAll(() => emulator.close());

describe('backblaze-b2 npm client against the emulator', () => {
  it('bucket, small upload, list, download by name, hide, versions, delete', async () => {
    const bucket = (await b2.createBucket({ bucketName: 'compat-bucket-1', bucketType: 'allPrivate' })).data;
    expect(bucket.bucketName).toBe('compat-bucket-1');
    const { uploadUrl, authorizationToken } = (await b2.getUploadUrl({ bucketId: bucket.bucketId })).data;
    const data = Buffer.from('hello from backblaze-b2');
    const up = (
      await b2.uploadFile({
        uploadUrl,
        uploadAuthToken: authorizationToken,
        fileName: 'docs/a file+1.txt',
        data,
        info: { Owner: 'me' },
      })
    ).data;
    expect(up.contentSha1).toBe(sha1(data));
    expect(up.fileInfo).toEqual({ owner: 'me' });
    const names = (
      await b2.listFileNames({ bucketId: bucket.bucketId, maxFileCount: 10, prefix: '', delimiter: '' })
    ).data;
    expect(names.files.map((f: { fileName: string }) => f.fileName)).toEqual(['docs/a file+1.txt']);
    const down = await b2.downloadFileByName({
      bucketName: 'compat-bucket-1',
      fileName: 'docs/a file+1.txt',
      responseType: 'arraybuffer',
    });
    expect(Buffer.from(down.data).equals(data)).toBe(true);
    const info = (await b2.getFileInfo({ fileId: up.fileId })).data;
    expect(info.fileName).toBe('docs/a file+1.txt');
    await b2.hideFile({ bucketId: bucket.bucketId, fileName: 'docs/a file+1.txt' });
    const versions = (await b2.listFileVersions({ bucketId: bucket.bucketId, maxFileCount: 10 })).data;
    expect(versions.files.map((f: { action: string }) => f.action)).toEqual(['hide', 'upload']);
    for (const f of versions.files) await b2.deleteFileVersion({ fileId: f.fileId, fileName: f.fileName });
    expect((await b2.listFileVersions({ bucketId: bucket.bucketId, maxFileCount: 10 })).data.files).toEqual(
      [],
    );
    await b2.deleteBucket({ bucketId: bucket.bucketId });
  });

  it('large file: start, part URL, parts, list parts, finish, download by id', async () => {
    const bucket = (await b2.createBucket({ bucketName: 'compat-bucket-2', bucketType: 'allPrivate' })).data;
    const file = (await b2.startLargeFile({ bucketId: bucket.bucketId, fileName: 'big.bin' })).data;
    const parts = [Buffer.alloc(1200, 1), Buffer.alloc(300, 2)];
    for (const [i, part] of parts.entries()) {
      const url = (await b2.getUploadPartUrl({ fileId: file.fileId })).data;
      await b2.uploadPart({
        uploadUrl: url.uploadUrl,
        uploadAuthToken: url.authorizationToken,
        partNumber: i + 1,
        data: part,
      });
    }
    const listed = (await b2.listParts({ fileId: file.fileId })).data;
    expect(listed.parts).toHaveLength(2);
    const done = (await b2.finishLargeFile({ fileId: file.fileId, partSha1Array: parts.map(sha1) })).data;
    expect(done.contentLength).toBe(1500);
    const down = await b2.downloadFileById({ fileId: file.fileId, responseType: 'arraybuffer' });
    expect(Buffer.from(down.data).equals(Buffer.concat(parts))).toBe(true);
  });

  it('errors surface as B2 error bodies', async () => {
    const error = await b2.getFileInfo({ fileId: 'not-an-id' }).catch((e: Any) => e);
    expect(error.response.status).toBe(400);
    expect(error.response.data.code).toBe('bad_request');
  });
});
