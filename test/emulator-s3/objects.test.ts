/**
 * S3 objects through @aws-sdk/client-s3, and the same objects through the native API: one storage.
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Setup, failure, md5, s3Setup, sha1 } from './helpers.js';

let t: S3Setup;
beforeAll(async () => {
  t = await s3Setup();
});
afterAll(() => t.close());

async function nativeFiles(prefix = '') {
  const r = await t.s.call('b2_list_file_names', { bucketId: t.bucketId, prefix });
  return r.body.files as {
    fileName: string;
    fileId: string;
    contentSha1: string;
    contentMd5: string;
    contentLength: number;
    contentType: string;
    fileInfo: Record<string, string>;
  }[];
}

describe('authorize announces the S3 endpoint', () => {
  it('v2 s3ApiUrl and v3/v4 apiInfo.storageApi.s3ApiUrl are the bare origin serving S3', async () => {
    for (const version of ['v2', 'v3', 'v4']) {
      const res = await fetch(`${t.url}/b2api/${version}/b2_authorize_account`, {
        headers: {
          Authorization: `Basic ${Buffer.from(`${t.appKey.keyId}:${t.appKey.key}`).toString('base64')}`,
        },
      });
      const body = (await res.json()) as {
        s3ApiUrl?: string;
        apiInfo?: { storageApi: { s3ApiUrl: string } };
      };
      const announced = version === 'v2' ? body.s3ApiUrl : body.apiInfo?.storageApi.s3ApiUrl;
      expect(announced).toBe(t.url);
      expect(new URL(announced!).pathname).toBe('/');
    }
  });
});

describe('PutObject / GetObject / HeadObject', () => {
  it('stores a native file version with its SHA-1 and MD5, readable through both APIs', async () => {
    const body = Buffer.from('hello from the S3 API');
    const put = await t.s3.send(
      new PutObjectCommand({
        Bucket: t.bucketName,
        Key: 'docs/hello.txt',
        Body: body,
        ContentType: 'text/plain',
        Metadata: { author: 'ada' },
        ContentDisposition: 'attachment; filename="hello.txt"',
      }),
    );
    expect(put.ETag).toBe(`"${md5(body)}"`);
    const [file] = await nativeFiles('docs/');
    expect(file).toMatchObject({
      fileName: 'docs/hello.txt',
      contentLength: body.length,
      contentSha1: sha1(body),
      contentMd5: md5(body),
      contentType: 'text/plain',
      fileInfo: { author: 'ada', 'b2-content-disposition': 'attachment; filename="hello.txt"' },
    });
    expect(put.VersionId).toBe(file!.fileId);

    const got = await t.s3.send(new GetObjectCommand({ Bucket: t.bucketName, Key: 'docs/hello.txt' }));
    expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(body);
    expect(got.ETag).toBe(`"${md5(body)}"`);
    expect(got.Metadata).toEqual({ author: 'ada' });
    expect(got.ContentDisposition).toBe('attachment; filename="hello.txt"');

    const head = await t.s3.send(new HeadObjectCommand({ Bucket: t.bucketName, Key: 'docs/hello.txt' }));
    expect(head.ContentLength).toBe(body.length);
    expect(head.ContentType).toBe('text/plain');
    expect(head.VersionId).toBe(file!.fileId);
  });

  it('reads a file uploaded through the native API', async () => {
    const body = Buffer.from('native bytes');
    const url = await t.s.call('b2_get_upload_url', { bucketId: t.bucketId });
    const up = await fetch(url.body.uploadUrl, {
      method: 'POST',
      headers: {
        Authorization: url.body.authorizationToken,
        'X-Bz-File-Name': 'native/one.bin',
        'Content-Type': 'application/octet-stream',
        'X-Bz-Content-Sha1': sha1(body),
      },
      body,
    });
    expect(up.status).toBe(200);
    const got = await t.s3.send(new GetObjectCommand({ Bucket: t.bucketName, Key: 'native/one.bin' }));
    expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(body);
    expect(got.ETag).toBe(`"${md5(body)}"`);
  });

  it('a wrong Content-MD5 is 400 BadDigest and stores nothing', async () => {
    const err = await failure(
      t.s3.send(
        new PutObjectCommand({
          Bucket: t.bucketName,
          Key: 'bad/digest.txt',
          Body: 'some bytes',
          ContentMD5: Buffer.from(md5('other bytes'), 'hex').toString('base64'),
        }),
      ),
    );
    expect(err).toMatchObject({ code: 'BadDigest', status: 400 });
    expect(await nativeFiles('bad/')).toEqual([]);
  });

  it('a right Content-MD5 is accepted', async () => {
    const put = await t.s3.send(
      new PutObjectCommand({
        Bucket: t.bucketName,
        Key: 'good/digest.txt',
        Body: 'some bytes',
        ContentMD5: Buffer.from(md5('some bytes'), 'hex').toString('base64'),
      }),
    );
    expect(put.ETag).toBe(`"${md5('some bytes')}"`);
  });

  it('a missing key is 404 NoSuchKey, a missing bucket 404 NoSuchBucket', async () => {
    expect(
      await failure(t.s3.send(new GetObjectCommand({ Bucket: t.bucketName, Key: 'nope' }))),
    ).toMatchObject({
      code: 'NoSuchKey',
      status: 404,
    });
    expect(
      await failure(t.s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket-here', Key: 'x' }))),
    ).toMatchObject({ code: 'NoSuchBucket', status: 404 });
  });
});
