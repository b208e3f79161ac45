/**
 * S3 multipart uploads as B2 large files: UploadId = fileId, parts = B2 parts (SHA-1 through the native
 * API), part ETag = quoted MD5, object ETag = "<md5 of part md5s>-N", part-size rules as native.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListPartsCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Setup, failure, md5, s3Setup, sha1 } from './helpers.js';

const MIN_PART = 1000;
let t: S3Setup;
beforeAll(async () => {
  t = await s3Setup({ minPartSize: MIN_PART });
});
afterAll(() => t.close());

const bytes = (n: number, fill: number) => Buffer.alloc(n, fill);

async function start(key: string): Promise<string> {
  const created = await t.s3.send(
    new CreateMultipartUploadCommand({
      Bucket: t.bucketName,
      Key: key,
      ContentType: 'video/mp4',
      Metadata: { kind: 'clip' },
    }),
  );
  expect(created).toMatchObject({ Bucket: t.bucketName, Key: key });
  return created.UploadId!;
}

const put = (key: string, uploadId: string, partNumber: number, body: Buffer) =>
  t.s3.send(
    new UploadPartCommand({
      Bucket: t.bucketName,
      Key: key,
      UploadId: uploadId,
      PartNumber: partNumber,
      Body: body,
    }),
  );

describe('multipart upload', () => {
  it('is a native large file from start to finish', async () => {
    const key = 'mp/movie.mp4';
    const uploadId = await start(key);
    const unfinished = await t.s.call('b2_list_unfinished_large_files', { bucketId: t.bucketId });
    expect(unfinished.body.files.map((f: { fileId: string }) => f.fileId)).toEqual([uploadId]);
    expect(unfinished.body.files[0]).toMatchObject({
      fileName: key,
      contentType: 'video/mp4',
      fileInfo: { kind: 'clip' },
    });

    const one = bytes(MIN_PART, 1);
    const two = bytes(300, 2);
    expect((await put(key, uploadId, 1, one)).ETag).toBe(`"${md5(one)}"`);
    expect((await put(key, uploadId, 2, two)).ETag).toBe(`"${md5(two)}"`);

    const nativeParts = await t.s.call('b2_list_parts', { fileId: uploadId });
    expect(nativeParts.body.parts.map((p: { contentSha1: string }) => p.contentSha1)).toEqual([
      sha1(one),
      sha1(two),
    ]);
    const listed = await t.s3.send(
      new ListPartsCommand({ Bucket: t.bucketName, Key: key, UploadId: uploadId }),
    );
    expect(listed.Parts?.map((p) => [p.PartNumber, p.ETag, p.Size])).toEqual([
      [1, `"${md5(one)}"`, MIN_PART],
      [2, `"${md5(two)}"`, 300],
    ]);

    const done = await t.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: t.bucketName,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: listed.Parts!.map((p) => ({ PartNumber: p.PartNumber, ETag: p.ETag })) },
      }),
    );
    const expectedEtag = `"${md5(Buffer.concat([Buffer.from(md5(one), 'hex'), Buffer.from(md5(two), 'hex')]))}-2"`;
    expect(done.ETag).toBe(expectedEtag);
    expect(done.VersionId).toBe(uploadId);

    const info = await t.s.call('b2_get_file_info', { fileId: uploadId });
    expect(info.body).toMatchObject({ action: 'upload', contentLength: MIN_PART + 300, fileName: key });
    const got = await t.s3.send(new GetObjectCommand({ Bucket: t.bucketName, Key: key }));
    expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(Buffer.concat([one, two]));
    expect(got.ETag).toBe(expectedEtag);
    const after = await t.s.call('b2_list_unfinished_large_files', { bucketId: t.bucketId });
    expect(after.body.files).toEqual([]);
  });

  it('a native large file finished natively reads back with the multipart ETag', async () => {
    const started = await t.s.call('b2_start_large_file', {
      bucketId: t.bucketId,
      fileName: 'mp/native.bin',
      contentType: 'b2/x-auto',
    });
    const fileId = started.body.fileId as string;
    const parts = [bytes(MIN_PART, 7), bytes(10, 8)];
    for (const [i, part] of parts.entries()) {
      const url = await t.s.call('b2_get_upload_part_url', { fileId });
      const res = await fetch(url.body.uploadUrl, {
        method: 'POST',
        headers: {
          Authorization: url.body.authorizationToken,
          'X-Bz-Part-Number': String(i + 1),
          'X-Bz-Content-Sha1': sha1(part),
        },
        body: part,
      });
      expect(res.status).toBe(200);
    }
    await t.s.call('b2_finish_large_file', { fileId, partSha1Array: parts.map((p) => sha1(p)) });
    const head = await t.s3.send(new GetObjectCommand({ Bucket: t.bucketName, Key: 'mp/native.bin' }));
    expect(head.ETag).toBe(`"${md5(Buffer.concat(parts.map((p) => Buffer.from(md5(p), 'hex'))))}-2"`);
  });

  it('refuses a part under the minimum size except the last (EntityTooSmall)', async () => {
    const key = 'mp/small.bin';
    const uploadId = await start(key);
    const a = await put(key, uploadId, 1, bytes(MIN_PART - 1, 1));
    const b = await put(key, uploadId, 2, bytes(10, 2));
    const err = await failure(
      t.s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: t.bucketName,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: a.ETag },
              { PartNumber: 2, ETag: b.ETag },
            ],
          },
        }),
      ),
    );
    expect(err).toMatchObject({ code: 'EntityTooSmall', status: 400 });
  });

  it('refuses unknown ETags (InvalidPart) and descending part numbers (InvalidPartOrder)', async () => {
    const key = 'mp/order.bin';
    const uploadId = await start(key);
    const a = await put(key, uploadId, 1, bytes(MIN_PART, 1));
    const b = await put(key, uploadId, 2, bytes(10, 2));
    const complete = (Parts: { PartNumber: number; ETag?: string }[]) =>
      failure(
        t.s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: t.bucketName,
            Key: key,
            UploadId: uploadId,
            MultipartUpload: { Parts },
          }),
        ),
      );
    expect(
      await complete([
        { PartNumber: 1, ETag: a.ETag },
        { PartNumber: 2, ETag: `"${md5('x')}"` },
      ]),
    ).toMatchObject({
      code: 'InvalidPart',
      status: 400,
    });
    expect(
      await complete([
        { PartNumber: 2, ETag: b.ETag },
        { PartNumber: 1, ETag: a.ETag },
      ]),
    ).toMatchObject({
      code: 'InvalidPartOrder',
      status: 400,
    });
  });

  it('CompleteMultipartUpload accepts unquoted ETags (as in B2 examples)', async () => {
    const key = 'mp/unquoted.bin';
    const uploadId = await start(key);
    const part = bytes(20, 4);
    await put(key, uploadId, 1, part);
    const url = await getSignedUrl(
      t.s3,
      new CompleteMultipartUploadCommand({ Bucket: t.bucketName, Key: key, UploadId: uploadId }),
      { expiresIn: 60 },
    );
    const body = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${md5(part)}</ETag></Part></CompleteMultipartUpload>`;
    const res = await fetch(url, { method: 'POST', body });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(`<ETag>"${md5(Buffer.from(md5(part), 'hex'))}-1"</ETag>`);
  });

  it('abort drops the unfinished large file and its parts; the id is then NoSuchUpload', async () => {
    const key = 'mp/aborted.bin';
    const uploadId = await start(key);
    await put(key, uploadId, 1, bytes(50, 1));
    await t.s3.send(new AbortMultipartUploadCommand({ Bucket: t.bucketName, Key: key, UploadId: uploadId }));
    const unfinished = await t.s.call('b2_list_unfinished_large_files', { bucketId: t.bucketId });
    expect(unfinished.body.files.map((f: { fileId: string }) => f.fileId)).not.toContain(uploadId);
    expect(await failure(put(key, uploadId, 2, bytes(5, 1)))).toMatchObject({
      code: 'NoSuchUpload',
      status: 404,
    });
    expect(
      await failure(t.s3.send(new ListPartsCommand({ Bucket: t.bucketName, Key: key, UploadId: uploadId }))),
    ).toMatchObject({ code: 'NoSuchUpload', status: 404 });
  });

  it('part numbers outside 1..10000 are 400 InvalidArgument', async () => {
    const key = 'mp/numbers.bin';
    const uploadId = await start(key);
    expect(await failure(put(key, uploadId, 10_001, bytes(5, 1)))).toMatchObject({
      code: 'InvalidArgument',
      status: 400,
    });
  });
});
