/**
 * The rest of the object surface through the SDK: CopyObject, UploadPartCopy, DeleteObjects,
 * ListMultipartUploads, Range and conditional reads, the write headers B2 restricts, and what real
 * clients send on the wire (Expect: 100-continue, `?uploads=`), checked on raw requests where the SDK
 * would hide it.
 */
import { request } from 'node:http';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Setup, failure, md5, s3Setup, sha1, withContentMd5 } from './helpers.js';

const MIN_PART = 1000;
let t: S3Setup;
const BODY = Buffer.from('0123456789abcdefghij');
beforeAll(async () => {
  t = await s3Setup({ minPartSize: MIN_PART });
  await t.s3.send(
    new PutObjectCommand({
      Bucket: t.bucketName,
      Key: 'src.txt',
      Body: BODY,
      ContentType: 'text/plain',
      Metadata: { origin: 'src' },
    }),
  );
});
afterAll(() => t.close());

describe('GetObject ranges and conditions', () => {
  it('answers byte ranges with 206 and Content-Range; past the end is 416 InvalidRange', async () => {
    const mid = await t.s3.send(
      new GetObjectCommand({ Bucket: t.bucketName, Key: 'src.txt', Range: 'bytes=2-5' }),
    );
    expect(await mid.Body!.transformToString()).toBe('2345');
    expect(mid.ContentRange).toBe(`bytes 2-5/${BODY.length}`);
    expect(mid.$metadata.httpStatusCode).toBe(206);
    const tail = await t.s3.send(
      new GetObjectCommand({ Bucket: t.bucketName, Key: 'src.txt', Range: 'bytes=-3' }),
    );
    expect(await tail.Body!.transformToString()).toBe('hij');
    expect(
      await failure(
        t.s3.send(new GetObjectCommand({ Bucket: t.bucketName, Key: 'src.txt', Range: 'bytes=100-' })),
      ),
    ).toMatchObject({
      code: 'InvalidRange',
      status: 416,
    });
  });

  it('If-Match / If-None-Match / If-Modified-Since / If-Unmodified-Since', async () => {
    const etag = `"${md5(BODY)}"`;
    const get = (extra: Record<string, unknown>) =>
      t.s3.send(new GetObjectCommand({ Bucket: t.bucketName, Key: 'src.txt', ...extra }));
    expect((await get({ IfMatch: etag })).ETag).toBe(etag);
    expect(await failure(get({ IfMatch: '"0000"' }))).toMatchObject({
      code: 'PreconditionFailed',
      status: 412,
    });
    expect((await failure(get({ IfNoneMatch: etag }))).status).toBe(304);
    expect((await failure(get({ IfModifiedSince: new Date(Date.now() + 3600_000) }))).status).toBe(304);
    expect(await failure(get({ IfUnmodifiedSince: new Date(Date.now() - 3600_000) }))).toMatchObject({
      status: 412,
    });
    expect((await get({ IfModifiedSince: new Date(Date.now() - 3600_000) })).ETag).toBe(etag);
  });

  it('signed response-* parameters override the response headers', async () => {
    const got = await t.s3.send(
      new GetObjectCommand({
        Bucket: t.bucketName,
        Key: 'src.txt',
        ResponseContentType: 'application/x-test',
        ResponseContentDisposition: 'inline',
      }),
    );
    expect(got.ContentType).toBe('application/x-test');
    expect(got.ContentDisposition).toBe('inline');
  });

  it('a response-* value no header can carry is refused with 400 InvalidArgument, not a 500', async () => {
    for (const value of ['😀', 'a\r\nX-Evil: 1', '\u0000']) {
      const url = await getSignedUrl(
        t.s3,
        new GetObjectCommand({ Bucket: t.bucketName, Key: 'src.txt', ResponseContentType: value }),
      );
      const response = await fetch(url);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('<Code>InvalidArgument</Code>');
    }
  });
});

describe('CopyObject and UploadPartCopy', () => {
  it('copies bytes and metadata (COPY) or replaces metadata (REPLACE) into a new native version', async () => {
    const copied = await t.s3.send(
      new CopyObjectCommand({ Bucket: t.bucketName, Key: 'copy.txt', CopySource: `${t.bucketName}/src.txt` }),
    );
    expect(copied.CopyObjectResult?.ETag).toBe(`"${md5(BODY)}"`);
    const head = await t.s3.send(new HeadObjectCommand({ Bucket: t.bucketName, Key: 'copy.txt' }));
    expect(head).toMatchObject({
      ContentType: 'text/plain',
      Metadata: { origin: 'src' },
      VersionId: copied.VersionId,
    });
    const info = await t.s.call('b2_get_file_info', { fileId: copied.VersionId });
    expect(info.body).toMatchObject({ contentSha1: sha1(BODY), fileName: 'copy.txt' });

    await t.s3.send(
      new CopyObjectCommand({
        Bucket: t.bucketName,
        Key: 'copy2.txt',
        CopySource: `${t.bucketName}/src.txt`,
        MetadataDirective: 'REPLACE',
        ContentType: 'text/markdown',
        Metadata: { origin: 'replaced' },
      }),
    );
    const head2 = await t.s3.send(new HeadObjectCommand({ Bucket: t.bucketName, Key: 'copy2.txt' }));
    expect(head2).toMatchObject({ ContentType: 'text/markdown', Metadata: { origin: 'replaced' } });
  });

  it('refuses copying an object onto itself without new metadata, a missing source, and failed copy-source conditions', async () => {
    const copy = (Key: string, source: string, extra: Record<string, unknown> = {}) =>
      failure(
        t.s3.send(
          new CopyObjectCommand({
            Bucket: t.bucketName,
            Key,
            CopySource: `${t.bucketName}/${source}`,
            ...extra,
          }),
        ),
      );
    expect(await copy('src.txt', 'src.txt')).toMatchObject({ code: 'InvalidRequest', status: 400 });
    expect(await copy('x.txt', 'missing.txt')).toMatchObject({ code: 'NoSuchKey', status: 404 });
    expect(await copy('x.txt', 'src.txt', { CopySourceIfMatch: '"nope"' })).toMatchObject({
      code: 'PreconditionFailed',
      status: 412,
    });
  });

  it('UploadPartCopy builds a multipart object from ranges of an existing one', async () => {
    const big = Buffer.alloc(MIN_PART + 500, 9);
    await t.s3.send(new PutObjectCommand({ Bucket: t.bucketName, Key: 'big.bin', Body: big }));
    const { UploadId } = await t.s3.send(
      new CreateMultipartUploadCommand({ Bucket: t.bucketName, Key: 'assembled.bin' }),
    );
    const copyPart = (PartNumber: number, range: string) =>
      t.s3.send(
        new UploadPartCopyCommand({
          Bucket: t.bucketName,
          Key: 'assembled.bin',
          UploadId,
          PartNumber,
          CopySource: `${t.bucketName}/big.bin`,
          CopySourceRange: range,
        }),
      );
    const one = await copyPart(1, `bytes=0-${MIN_PART - 1}`);
    const two = await copyPart(2, `bytes=${MIN_PART}-${big.length - 1}`);
    expect(one.CopyPartResult?.ETag).toBe(`"${md5(big.subarray(0, MIN_PART))}"`);
    expect(await failure(copyPart(3, `bytes=0-${big.length}`))).toMatchObject({
      code: 'InvalidArgument',
      status: 400,
    });
    await t.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: t.bucketName,
        Key: 'assembled.bin',
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: one.CopyPartResult?.ETag },
            { PartNumber: 2, ETag: two.CopyPartResult?.ETag },
          ],
        },
      }),
    );
    const got = await t.s3.send(new GetObjectCommand({ Bucket: t.bucketName, Key: 'assembled.bin' }));
    expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(big);
  });
});

describe('DeleteObjects and ListMultipartUploads', () => {
  it("the SDK's own DeleteObjects checksum header is refused as B2 does; Content-MD5 is accepted", async () => {
    const plain = t.client(t.appKey);
    const err = await failure(
      plain.send(new DeleteObjectsCommand({ Bucket: t.bucketName, Delete: { Objects: [{ Key: 'x' }] } })),
    );
    expect(err).toMatchObject({ code: 'InvalidArgument', status: 400 });
    expect(err.message).toMatch(/^Unsupported header 'x-amz-(sdk-)?checksum-/);
  });

  it('deletes many keys in one request, reporting each', async () => {
    for (const key of ['del/1', 'del/2'])
      await t.s3.send(new PutObjectCommand({ Bucket: t.bucketName, Key: key, Body: key }));
    const r = await t.s3.send(
      new DeleteObjectsCommand({
        Bucket: t.bucketName,
        Delete: { Objects: [{ Key: 'del/1' }, { Key: 'del/2' }, { Key: 'del/never' }] },
      }),
    );
    expect(r.Deleted?.map((d) => [d.Key, d.DeleteMarker])).toEqual([
      ['del/1', true],
      ['del/2', true],
      ['del/never', undefined],
    ]);
    expect(
      (await t.s3.send(new ListObjectsV2Command({ Bucket: t.bucketName, Prefix: 'del/' }))).Contents,
    ).toBeUndefined();
    const denied = withContentMd5(t.client(await t.createKey(['listFiles', 'readFiles', 'writeFiles'])));
    const partial = await denied.send(
      new DeleteObjectsCommand({ Bucket: t.bucketName, Delete: { Objects: [{ Key: 'src.txt' }] } }),
    );
    expect(partial.Errors?.map((e) => [e.Key, e.Code])).toEqual([['src.txt', 'AccessDenied']]);
  });

  it('lists uploads in progress with prefix and pagination', async () => {
    const ids: string[] = [];
    for (const key of ['up/a', 'up/b', 'up/c'])
      ids.push(
        (await t.s3.send(new CreateMultipartUploadCommand({ Bucket: t.bucketName, Key: key }))).UploadId!,
      );
    const first = await t.s3.send(
      new ListMultipartUploadsCommand({ Bucket: t.bucketName, Prefix: 'up/', MaxUploads: 2 }),
    );
    expect(first.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([
      ['up/a', ids[0]],
      ['up/b', ids[1]],
    ]);
    expect(first.IsTruncated).toBe(true);
    const second = await t.s3.send(
      new ListMultipartUploadsCommand({
        Bucket: t.bucketName,
        Prefix: 'up/',
        KeyMarker: first.NextKeyMarker,
        UploadIdMarker: first.NextUploadIdMarker,
      }),
    );
    expect(second.Uploads?.map((u) => u.UploadId)).toEqual([ids[2]]);
    const folded = await t.s3.send(new ListMultipartUploadsCommand({ Bucket: t.bucketName, Delimiter: '/' }));
    expect(folded.CommonPrefixes?.map((p) => p.Prefix)).toContain('up/');
  });
});

describe('write headers B2 restricts', () => {
  it('x-amz-acl must be the bucket ACL; x-amz-storage-class STANDARD; SSE AES256', async () => {
    const put = (extra: Record<string, unknown>) =>
      t.s3.send(new PutObjectCommand({ Bucket: t.bucketName, Key: 'h.txt', Body: 'h', ...extra }));
    expect((await put({ ACL: 'private' })).ETag).toBeDefined();
    expect(await failure(put({ ACL: 'public-read' }))).toMatchObject({
      code: 'InvalidArgument',
      status: 400,
    });
    expect((await put({ StorageClass: 'STANDARD' })).ETag).toBeDefined();
    expect(await failure(put({ StorageClass: 'GLACIER' }))).toMatchObject({
      code: 'InvalidArgument',
      status: 400,
    });
    const sse = await put({ ServerSideEncryption: 'AES256' });
    expect(sse.ServerSideEncryption).toBe('AES256');
    const info = await t.s.call('b2_get_file_info', { fileId: sse.VersionId });
    expect(info.body.serverSideEncryption).toEqual({ mode: 'SSE-B2', algorithm: 'AES256' });
    expect(await failure(put({ ServerSideEncryption: 'aws:kms' }))).toMatchObject({
      code: 'InvalidArgument',
      status: 400,
    });
  });
});

describe('what clients send on the wire', () => {
  /** A raw presigned request over node:http, so headers like Expect go out as written. */
  function raw(
    url: string,
    method: string,
    headers: Record<string, string>,
    body?: Buffer,
  ): Promise<{ status: number; text: string; continued: boolean }> {
    return new Promise((resolve, reject) => {
      let continued = false;
      const req = request(url, { method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString(), continued }),
        );
      });
      req.on('error', reject);
      if (headers.Expect) {
        req.on('continue', () => {
          continued = true;
          req.end(body);
        });
      } else req.end(body);
    });
  }

  it('Expect: 100-continue gets 100 Continue, then the body is stored', async () => {
    const body = Buffer.from('expect continue');
    const url = await getSignedUrl(t.s3, new PutObjectCommand({ Bucket: t.bucketName, Key: 'expect.txt' }), {
      expiresIn: 60,
    });
    const r = await raw(url, 'PUT', { Expect: '100-continue', 'Content-Length': String(body.length) }, body);
    expect(r).toMatchObject({ status: 200, continued: true });
    const got = await t.s3.send(new GetObjectCommand({ Bucket: t.bucketName, Key: 'expect.txt' }));
    expect(await got.Body!.transformToString()).toBe('expect continue');
  });

  it('`?uploads=` (with an equals sign) starts a multipart upload', async () => {
    const url = await getSignedUrl(
      t.s3,
      new CreateMultipartUploadCommand({ Bucket: t.bucketName, Key: 'eq.bin' }),
      { expiresIn: 60 },
    );
    expect(new URL(url).search).toMatch(/[?&]uploads=(&|$)/);
    const r = await raw(url, 'POST', {});
    expect(r.status).toBe(200);
    expect(r.text).toMatch(/<UploadId>4_z[0-9a-f]{24}_f/);
  });

  it('PostObject (browser form upload) is 501 NotImplemented, as on B2', async () => {
    const form = new FormData();
    form.set('key', 'form.txt');
    form.set('file', new Blob(['x']));
    const res = await fetch(`${t.url}/${t.bucketName}`, { method: 'POST', body: form });
    expect(res.status).toBe(501);
    expect(await res.text()).toContain('<Code>NotImplemented</Code>');
  });

  it('PutObject without Content-Length is 411 MissingContentLength', async () => {
    const url = await getSignedUrl(t.s3, new PutObjectCommand({ Bucket: t.bucketName, Key: 'chunked.txt' }), {
      expiresIn: 60,
    });
    const r = await raw(url, 'PUT', { 'Transfer-Encoding': 'chunked' }, Buffer.from('chunked body'));
    expect(r.status).toBe(411);
    expect(r.text).toContain('<Code>MissingContentLength</Code>');
  });
});
