/**
 * Object Lock through S3 over the native records: retention and legal hold set with
 * `x-amz-object-lock-*`, read back by GetObjectRetention/GetObjectLegalHold, HeadObject and the native
 * API; locked versions can't be deleted or hidden, governance yields to the bypass header from a key
 * holding bypassGovernance; the bucket default retention shows in GetObjectLockConfiguration.
 */
import {
  DeleteObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_FILE_CAPABILITIES, type S3Setup, failure, s3Setup } from './helpers.js';

let t: S3Setup;
let lockKey: { keyId: string; key: string };
beforeAll(async () => {
  t = await s3Setup({}, { fileLockEnabled: true });
  lockKey = await t.createKey([
    ...ALL_FILE_CAPABILITIES,
    'writeFileRetentions',
    'writeFileLegalHolds',
    'bypassGovernance',
  ]);
});
afterAll(() => t.close());

describe('Object Lock through S3', () => {
  it('retention and legal hold set on PutObject read back through S3 and the native API', async () => {
    const s3 = t.client(lockKey);
    const until = new Date(Date.now() + 86_400_000);
    until.setUTCMilliseconds(0);
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: t.bucketName,
        Key: 'locked.txt',
        Body: 'locked',
        ObjectLockMode: 'GOVERNANCE',
        ObjectLockRetainUntilDate: until,
        ObjectLockLegalHoldStatus: 'OFF',
      }),
    );
    const retention = await s3.send(
      new GetObjectRetentionCommand({ Bucket: t.bucketName, Key: 'locked.txt' }),
    );
    expect(retention.Retention).toEqual({ Mode: 'GOVERNANCE', RetainUntilDate: until });
    const hold = await s3.send(new GetObjectLegalHoldCommand({ Bucket: t.bucketName, Key: 'locked.txt' }));
    expect(hold.LegalHold?.Status).toBe('OFF');
    const head = await s3.send(new HeadObjectCommand({ Bucket: t.bucketName, Key: 'locked.txt' }));
    expect(head).toMatchObject({ ObjectLockMode: 'GOVERNANCE', ObjectLockLegalHoldStatus: 'OFF' });
    const info = await t.s.call('b2_get_file_info', { fileId: put.VersionId });
    expect(info.body.fileRetention.value).toEqual({
      mode: 'governance',
      retainUntilTimestamp: until.getTime(),
    });
    expect(info.body.legalHold.value).toBe('off');
  });

  it('a locked version is neither deleted nor hidden; the governance bypass needs its header and capability', async () => {
    const s3 = t.client(lockKey);
    const until = new Date(Date.now() + 86_400_000);
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: t.bucketName,
        Key: 'kept.txt',
        Body: 'kept',
        ObjectLockMode: 'GOVERNANCE',
        ObjectLockRetainUntilDate: until,
      }),
    );
    const remove = (extra: Record<string, unknown>, client = s3) =>
      client.send(new DeleteObjectCommand({ Bucket: t.bucketName, Key: 'kept.txt', ...extra }));
    expect(await failure(remove({}))).toMatchObject({ code: 'AccessDenied', status: 403 });
    expect(await failure(remove({ VersionId: put.VersionId }))).toMatchObject({
      code: 'AccessDenied',
      status: 403,
    });
    expect(
      await failure(remove({ VersionId: put.VersionId, BypassGovernanceRetention: true }, t.s3)),
    ).toMatchObject({
      code: 'AccessDenied',
    });
    await remove({ VersionId: put.VersionId, BypassGovernanceRetention: true });
    const gone = await t.s.call('b2_list_file_versions', { bucketId: t.bucketId, prefix: 'kept.txt' });
    expect(gone.body.files).toEqual([]);
  });

  it('the bucket default retention applies to S3 writes and shows in GetObjectLockConfiguration', async () => {
    const updated = await t.s.call('b2_update_bucket', {
      accountId: t.s.accountId,
      bucketId: t.bucketId,
      defaultRetention: { mode: 'compliance', period: { duration: 2, unit: 'days' } },
    });
    expect(updated.status).toBe(200);
    const config = await t.s3.send(new GetObjectLockConfigurationCommand({ Bucket: t.bucketName }));
    expect(config.ObjectLockConfiguration).toEqual({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 2 } },
    });
    await t.s3.send(new PutObjectCommand({ Bucket: t.bucketName, Key: 'defaulted.txt', Body: 'd' }));
    const retention = await t.s3.send(
      new GetObjectRetentionCommand({ Bucket: t.bucketName, Key: 'defaulted.txt' }),
    );
    expect(retention.Retention?.Mode).toBe('COMPLIANCE');
    expect(
      await failure(
        t.client(lockKey).send(new DeleteObjectCommand({ Bucket: t.bucketName, Key: 'defaulted.txt' })),
      ),
    ).toMatchObject({
      code: 'AccessDenied',
    });
  });

  it('refuses lock headers on a bucket without Object Lock, and half a retention', async () => {
    const plain = await s3Setup();
    try {
      const s3 = plain.client(await plain.createKey([...ALL_FILE_CAPABILITIES, 'writeFileLegalHolds']));
      const put = (lock: Record<string, unknown>) =>
        failure(s3.send(new PutObjectCommand({ Bucket: plain.bucketName, Key: 'x', Body: 'x', ...lock })));
      // Object Lock on a bucket without it: B2's bucket_missing_file_lock, as S3's 400.
      expect(await put({ ObjectLockLegalHoldStatus: 'ON' })).toMatchObject({ status: 400 });
      expect(await put({ ObjectLockMode: 'GOVERNANCE' })).toMatchObject({
        code: 'InvalidArgument',
        status: 400,
      });
    } finally {
      await plain.close();
    }
  });
});
