/**
 * S3 under the emulator's test instruments, and lib-storage's Upload (parallel multipart with
 * automatic part sizing) end to end: counters count S3 operations, faults hit them as S3 XML, and the
 * emulator clock drives presigned expiry (auth.test.ts) as it drives token expiry.
 */
import {
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Setup, failure, md5, s3Setup, sha1 } from './helpers.js';

let t: S3Setup;
beforeAll(async () => {
  // lib-storage's smallest part is 5 MiB: keep B2's real minimum here.
  t = await s3Setup({ minPartSize: 5_000_000 });
});
afterAll(() => t.close());

describe('@aws-sdk/lib-storage Upload', () => {
  it('uploads 12 MiB as three parallel parts into one native large file with the multipart ETag', async () => {
    const body = Buffer.alloc(12 * 1024 * 1024);
    for (let i = 0; i < body.length; i += 4096) body.writeUInt32LE(i, i);
    t.s.emulator.counters.reset();
    const upload = new Upload({
      client: t.s3,
      params: {
        Bucket: t.bucketName,
        Key: 'lib/storage.bin',
        Body: body,
        ContentType: 'application/octet-stream',
      },
      partSize: 5 * 1024 * 1024,
      queueSize: 3,
    });
    const done = await upload.done();
    const parts = [body.subarray(0, 5 << 20), body.subarray(5 << 20, 10 << 20), body.subarray(10 << 20)];
    const etag = `"${md5(Buffer.concat(parts.map((p) => Buffer.from(md5(p), 'hex'))))}-3"`;
    expect(done.ETag).toBe(etag);
    const counters = t.s.emulator.counters.snapshot().endpoints;
    expect(counters['s3:CreateMultipartUpload']?.requests).toBe(1);
    expect(counters['s3:UploadPart']).toMatchObject({
      requests: 3,
      bytesReceived: body.length,
      statuses: { 200: 3 },
    });
    expect(counters['s3:CompleteMultipartUpload']?.statuses).toEqual({ 200: 1 });
    const got = await t.s3.send(new GetObjectCommand({ Bucket: t.bucketName, Key: 'lib/storage.bin' }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    expect(sha1(bytes)).toBe(sha1(body));
  });

  it('uploads a small body with one PutObject', async () => {
    t.s.emulator.counters.reset();
    const done = await new Upload({
      client: t.s3,
      params: { Bucket: t.bucketName, Key: 'lib/small.txt', Body: 'small' },
    }).done();
    expect(done.ETag).toBe(`"${md5('small')}"`);
    expect(t.s.emulator.counters.get('s3:PutObject').requests).toBe(1);
  });
});

describe('fault injection on S3 operations', () => {
  it('a status fault is answered as S3 XML with the status asked for, and the SDK sees it', async () => {
    t.s.emulator.faults.add({ endpoints: ['s3:PutObject'], fault: '503' });
    expect(
      await failure(t.s3.send(new PutObjectCommand({ Bucket: t.bucketName, Key: 'f.txt', Body: 'f' }))),
    ).toMatchObject({
      code: 'ServiceUnavailable',
      status: 503,
    });
    // One-shot: the next attempt goes through.
    expect(
      (await t.s3.send(new PutObjectCommand({ Bucket: t.bucketName, Key: 'f.txt', Body: 'f' }))).ETag,
    ).toBe(`"${md5('f')}"`);
    expect(t.s.emulator.faults.history().at(-1)).toMatchObject({ endpoint: 's3:PutObject', status: 503 });
  });

  it('an SDK with retries rides over an injected 500 on a part', async () => {
    const retrying = t.client(t.appKey, { maxAttempts: 3 });
    const { UploadId } = await retrying.send(
      new CreateMultipartUploadCommand({ Bucket: t.bucketName, Key: 'f.bin' }),
    );
    t.s.emulator.faults.add({ endpoints: ['s3:UploadPart'], fault: '500' });
    const part = await retrying.send(
      new UploadPartCommand({ Bucket: t.bucketName, Key: 'f.bin', UploadId, PartNumber: 1, Body: 'part' }),
    );
    expect(part.ETag).toBe(`"${md5('part')}"`);
  });

  it('reset_mid_body drops the connection and stores nothing', async () => {
    t.s.emulator.faults.add({
      endpoints: ['s3:PutObject'],
      fault: { kind: 'reset_mid_body', afterBytes: 10 },
    });
    await expect(
      t.s3.send(new PutObjectCommand({ Bucket: t.bucketName, Key: 'cut.bin', Body: Buffer.alloc(1000, 1) })),
    ).rejects.toThrow();
    expect(
      await failure(t.s3.send(new GetObjectCommand({ Bucket: t.bucketName, Key: 'cut.bin' }))),
    ).toMatchObject({ code: 'NoSuchKey' });
  });

  it('fault rules name S3 operations in the JSON control API too', async () => {
    const res = await fetch(`${t.url}/__emulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ rules: [{ endpoints: ['s3:GetObject'], fault: '429' }] }),
    });
    expect(res.status).toBe(200);
    expect(
      await failure(t.s3.send(new GetObjectCommand({ Bucket: t.bucketName, Key: 'f.txt' }))),
    ).toMatchObject({ code: 'SlowDown', status: 429 });
    const bad = await fetch(`${t.url}/__emulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ rules: [{ endpoints: ['s3:Nope'], fault: '503' }] }),
    });
    expect(bad.status).toBe(400);
  });
});
