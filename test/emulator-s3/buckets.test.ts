/**
 * Bucket-level S3 operations over the native bucket records: ListBuckets scoped to the key,
 * GetBucketLocation = the region, versioning, CORS and default encryption read and written through S3
 * and seen through b2_list_buckets, and the Object Lock reads.
 */
import {
  type CORSRule,
  DeleteBucketCorsCommand,
  GetBucketAclCommand,
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketVersioningCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  PutBucketCorsCommand,
  PutBucketEncryptionCommand,
  PutObjectCommand,
  type ServerSideEncryption,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Setup, failure, md5, s3Setup, withContentMd5 } from './helpers.js';

let t: S3Setup;
let lockedName: string;
beforeAll(async () => {
  t = await s3Setup();
  lockedName = `locked-${process.pid}-s3`;
  const locked = await t.s.call('b2_create_bucket', {
    accountId: t.s.accountId,
    bucketName: lockedName,
    bucketType: 'allPublic',
    fileLockEnabled: true,
  });
  expect(locked.status).toBe(200);
});
afterAll(() => t.close());

/** PutBucketCors of `CORSRules` on the test bucket, as `client` (default: the master key). */
const putCors = (CORSRules: CORSRule[], client = t.s3) =>
  client.send(new PutBucketCorsCommand({ Bucket: t.bucketName, CORSConfiguration: { CORSRules } }));

/** PutBucketEncryption on the test bucket: a default of `SSEAlgorithm` for new objects. */
const putEncryption = (SSEAlgorithm: ServerSideEncryption) =>
  t.s3.send(
    new PutBucketEncryptionCommand({
      Bucket: t.bucketName,
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm } }],
      },
    }),
  );

async function nativeBucket(name: string) {
  const r = await t.s.call('b2_list_buckets', { accountId: t.s.accountId, bucketName: name });
  return r.body.buckets[0];
}

describe('buckets', () => {
  it('ListBuckets shows every bucket to an unrestricted key, only its own to a restricted one, none without listBuckets', async () => {
    const all = await t.s3.send(new ListBucketsCommand({}));
    expect(all.Buckets?.map((b) => b.Name).sort()).toEqual([t.bucketName, lockedName].sort());
    expect(all.Owner?.ID).toBe(t.s.accountId);
    const own = t.client(await t.createKey(['listBuckets', 'readFiles'], { bucketId: t.bucketId }));
    expect((await own.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual([t.bucketName]);
    const none = t.client(await t.createKey(['readFiles']));
    expect(await failure(none.send(new ListBucketsCommand({})))).toMatchObject({
      code: 'AccessDenied',
      status: 403,
    });
  });

  it('GetBucketLocation is the region; HeadBucket answers for reachable buckets only', async () => {
    const location = await t.s3.send(new GetBucketLocationCommand({ Bucket: t.bucketName }));
    expect(location.LocationConstraint).toBe('us-west-004');
    expect((await t.s3.send(new HeadBucketCommand({ Bucket: t.bucketName }))).BucketRegion).toBe(
      'us-west-004',
    );
    const own = t.client(await t.createKey(['listBuckets', 'readFiles'], { bucketId: t.bucketId }));
    expect((await failure(own.send(new HeadBucketCommand({ Bucket: lockedName })))).status).toBe(403);
    expect((await failure(t.s3.send(new HeadBucketCommand({ Bucket: 'missing-bucket-x' })))).status).toBe(
      404,
    );
  });

  it('versioning is always Enabled; the ACL follows the bucket type', async () => {
    expect((await t.s3.send(new GetBucketVersioningCommand({ Bucket: t.bucketName }))).Status).toBe(
      'Enabled',
    );
    const privateAcl = await t.s3.send(new GetBucketAclCommand({ Bucket: t.bucketName }));
    expect(privateAcl.Grants?.map((g) => g.Permission)).toEqual(['FULL_CONTROL']);
    const publicAcl = await t.s3.send(new GetBucketAclCommand({ Bucket: lockedName }));
    expect(publicAcl.Grants?.map((g) => g.Permission)).toEqual(['FULL_CONTROL', 'READ']);
  });
});

describe('bucket CORS over native corsRules', () => {
  it('Put/Get/DeleteBucketCors write and read the bucket corsRules with s3_* operations', async () => {
    expect(await failure(t.s3.send(new GetBucketCorsCommand({ Bucket: t.bucketName })))).toMatchObject({
      code: 'NoSuchCORSConfiguration',
      status: 404,
    });
    const rule: CORSRule = {
      ID: 'browser-uploads',
      AllowedOrigins: ['https://app.example'],
      AllowedMethods: ['PUT', 'GET'],
      AllowedHeaders: ['*'],
      ExposeHeaders: ['ETag'],
      MaxAgeSeconds: 3600,
    };
    await putCors([rule]);
    const bucket = await nativeBucket(t.bucketName);
    expect(bucket.corsRules).toEqual([
      {
        corsRuleName: 'browser-uploads',
        allowedOrigins: ['https://app.example'],
        allowedOperations: ['s3_put', 's3_get'],
        allowedHeaders: ['*'],
        exposeHeaders: ['ETag'],
        maxAgeSeconds: 3600,
      },
    ]);
    const got = await t.s3.send(new GetBucketCorsCommand({ Bucket: t.bucketName }));
    expect(got.CORSRules).toEqual([rule]);
    const preflight = await fetch(`${t.url}/${t.bucketName}/k`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'PUT' },
    });
    expect(preflight.status).toBe(200);
    await t.s3.send(new DeleteBucketCorsCommand({ Bucket: t.bucketName }));
    expect((await nativeBucket(t.bucketName)).corsRules).toEqual([]);
  });

  it('refuses an empty origin, an unknown method and MaxAgeSeconds over a day', async () => {
    const put = (rule: Partial<CORSRule>) =>
      failure(putCors([{ AllowedOrigins: ['https://a.example'], AllowedMethods: ['GET'], ...rule }]));
    expect(await put({ AllowedOrigins: [''] })).toMatchObject({ status: 400 });
    expect(await put({ AllowedMethods: ['PATCH'] })).toMatchObject({ code: 'InvalidArgument', status: 400 });
    expect(await put({ MaxAgeSeconds: 86_401 })).toMatchObject({ code: 'InvalidArgument', status: 400 });
  });

  it('needs writeBuckets', async () => {
    const reader = withContentMd5(t.client(await t.createKey(['readBuckets', 'listBuckets'])));
    expect(
      await failure(putCors([{ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }], reader)),
    ).toMatchObject({
      code: 'AccessDenied',
      status: 403,
    });
  });
});

describe('bucket encryption and Object Lock reads', () => {
  it('PutBucketEncryption sets the default SSE-B2 that GetBucketEncryption and b2_list_buckets report', async () => {
    expect(await failure(t.s3.send(new GetBucketEncryptionCommand({ Bucket: t.bucketName })))).toMatchObject({
      code: 'ServerSideEncryptionConfigurationNotFoundError',
      status: 404,
    });
    await putEncryption('AES256');
    const got = await t.s3.send(new GetBucketEncryptionCommand({ Bucket: t.bucketName }));
    expect(
      got.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm,
    ).toBe('AES256');
    expect((await nativeBucket(t.bucketName)).defaultServerSideEncryption.value).toEqual({
      mode: 'SSE-B2',
      algorithm: 'AES256',
    });
    const put = await t.s3.send(new PutObjectCommand({ Bucket: t.bucketName, Key: 'enc.txt', Body: 'e' }));
    expect(put.ServerSideEncryption).toBe('AES256');
    expect(await failure(putEncryption('aws:kms'))).toMatchObject({ code: 'InvalidArgument', status: 400 });
  });

  it('GetObjectLockConfiguration reports a file-lock bucket; per-object retention and legal hold have none', async () => {
    const lock = await t.s3.send(new GetObjectLockConfigurationCommand({ Bucket: lockedName }));
    expect(lock.ObjectLockConfiguration?.ObjectLockEnabled).toBe('Enabled');
    expect(
      await failure(t.s3.send(new GetObjectLockConfigurationCommand({ Bucket: t.bucketName }))),
    ).toMatchObject({
      code: 'ObjectLockConfigurationNotFoundError',
      status: 404,
    });
    await t.s3.send(
      new PutObjectCommand({
        Bucket: lockedName,
        Key: 'held.txt',
        Body: 'h',
        ContentMD5: Buffer.from(md5('h'), 'hex').toString('base64'),
      }),
    );
    for (const command of [
      new GetObjectRetentionCommand({ Bucket: lockedName, Key: 'held.txt' }),
      new GetObjectLegalHoldCommand({ Bucket: lockedName, Key: 'held.txt' }),
    ]) {
      expect(await failure(t.s3.send(command))).toMatchObject({
        code: 'NoSuchObjectLockConfiguration',
        status: 404,
      });
    }
  });
});
