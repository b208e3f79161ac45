/** Object Lock on file versions: retention, legal hold, bucket default, governance bypass, refusals. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { download, makeBucket, type Session, session, upload } from './helpers.js';

const DAY = 86_400_000;
let s: Session;

beforeAll(async () => {
  s = await session();
});
afterAll(() => s.emulator.close());

const lockedBucket = (extra: Record<string, unknown> = {}) =>
  makeBucket(s, 'allPrivate', { fileLockEnabled: true, ...extra });

async function keyWith(capabilities: string[]): Promise<string> {
  const key = await s.call('b2_create_key', { accountId: s.accountId, capabilities, keyName: 'lock-test' });
  const auth = await fetch(`${s.emulator.url}/b2api/v2/b2_authorize_account`, {
    headers: {
      Authorization: `Basic ${Buffer.from(`${key.body.applicationKeyId}:${key.body.applicationKey}`).toString('base64')}`,
    },
  });
  return ((await auth.json()) as { authorizationToken: string }).authorizationToken;
}

describe('Object Lock', () => {
  it('upload headers set retention and legal hold; listings and downloads report them', async () => {
    const bucketId = await lockedBucket();
    const until = s.emulator.clock.now() + 10 * DAY;
    const up = await upload(s, bucketId, 'locked.txt', 'keep', {
      'X-Bz-File-Retention-Mode': 'governance',
      'X-Bz-File-Retention-Retain-Until-Timestamp': String(until),
      'X-Bz-File-Legal-Hold': 'on',
    });
    expect(up.status).toBe(200);
    expect(up.body.fileRetention).toEqual({
      isClientAuthorizedToRead: true,
      value: { mode: 'governance', retainUntilTimestamp: until },
    });
    expect(up.body.legalHold).toEqual({ isClientAuthorizedToRead: true, value: 'on' });
    const got = await download(`${s.emulator.url}/b2api/v2/b2_download_file_by_id?fileId=${up.body.fileId}`, {
      headers: { Authorization: s.token },
    });
    expect(got.headers.get('x-bz-file-retention-mode')).toBe('governance');
    expect(got.headers.get('x-bz-file-retention-retain-until-timestamp')).toBe(String(until));
    expect(got.headers.get('x-bz-file-legal-hold')).toBe('on');

    const reader = await keyWith(['listFiles', 'readFiles']);
    const blind = await s.call('b2_get_file_info', { fileId: up.body.fileId }, { token: reader });
    expect(blind.body.fileRetention).toEqual({ isClientAuthorizedToRead: false, value: null });
    const blindGet = await download(
      `${s.emulator.url}/b2api/v2/b2_download_file_by_id?fileId=${up.body.fileId}`,
      {
        headers: { Authorization: reader },
      },
    );
    expect(blindGet.headers.get('x-bz-file-retention-mode')).toBeNull();
    expect(blindGet.headers.get('x-bz-client-unauthorized-to-read')).toBe(
      'X-Bz-File-Retention-Mode,X-Bz-File-Retention-Retain-Until-Timestamp,X-Bz-File-Legal-Hold',
    );
  });

  it('refuses lock fields on a bucket without Object Lock', async () => {
    const plain = await makeBucket(s);
    const r = await upload(s, plain, 'x.txt', 'x', { 'X-Bz-File-Legal-Hold': 'on' });
    expect([r.status, r.body.code]).toEqual([400, 'bucket_missing_file_lock']);
    const up = await upload(s, plain, 'y.txt', 'y');
    const hold = await s.call('b2_update_file_legal_hold', {
      fileId: up.body.fileId,
      fileName: 'y.txt',
      legalHold: 'on',
    });
    expect([hold.status, hold.body.code]).toEqual([400, 'bucket_missing_file_lock']);
  });

  it('legal hold blocks delete and hide until it is switched off', async () => {
    const bucketId = await lockedBucket();
    const up = await upload(s, bucketId, 'held.txt', 'h');
    const on = await s.call('b2_update_file_legal_hold', {
      fileId: up.body.fileId,
      fileName: 'held.txt',
      legalHold: 'on',
    });
    expect(on.body).toEqual({ fileId: up.body.fileId, fileName: 'held.txt', legalHold: 'on' });
    const del = await s.call('b2_delete_file_version', {
      fileId: up.body.fileId,
      fileName: 'held.txt',
      bypassGovernance: true,
    });
    expect([del.status, del.body.code]).toEqual([403, 'access_denied']);
    const hide = await s.call('b2_hide_file', { bucketId, fileName: 'held.txt' });
    expect([hide.status, hide.body.code]).toEqual([403, 'access_denied']);
    await s.call('b2_update_file_legal_hold', {
      fileId: up.body.fileId,
      fileName: 'held.txt',
      legalHold: 'off',
    });
    expect(
      (await s.call('b2_delete_file_version', { fileId: up.body.fileId, fileName: 'held.txt' })).status,
    ).toBe(200);
  });

  it('governance: extend freely, shorten or delete only with bypassGovernance and its capability', async () => {
    const bucketId = await lockedBucket();
    const now = s.emulator.clock.now();
    const start = await s.call('b2_start_large_file', {
      bucketId,
      fileName: 'gov.bin',
      contentType: 'b2/x-auto',
      fileRetention: { mode: 'governance', retainUntilTimestamp: now + 5 * DAY },
    });
    expect(start.body.fileRetention.value.mode).toBe('governance');
    const up = await upload(s, bucketId, 'gov.txt', 'g', {
      'X-Bz-File-Retention-Mode': 'governance',
      'X-Bz-File-Retention-Retain-Until-Timestamp': String(now + 5 * DAY),
    });
    const ids = { fileId: up.body.fileId, fileName: 'gov.txt' };
    const extend = await s.call('b2_update_file_retention', {
      ...ids,
      fileRetention: { mode: 'governance', retainUntilTimestamp: now + 9 * DAY },
    });
    expect(extend.body).toEqual({
      ...ids,
      fileRetention: { mode: 'governance', retainUntilTimestamp: now + 9 * DAY },
    });
    const shorten = { ...ids, fileRetention: { mode: 'governance', retainUntilTimestamp: now + DAY } };
    expect((await s.call('b2_update_file_retention', shorten)).status).toBe(403);
    const noCapability = await keyWith(['writeFileRetentions', 'deleteFiles', 'readFiles']);
    expect(
      (
        await s.call(
          'b2_update_file_retention',
          { ...shorten, bypassGovernance: true },
          { token: noCapability },
        )
      ).status,
    ).toBe(403);
    expect(
      (await s.call('b2_delete_file_version', { ...ids, bypassGovernance: true }, { token: noCapability }))
        .status,
    ).toBe(403);
    expect((await s.call('b2_delete_file_version', ids)).status).toBe(403);
    expect((await s.call('b2_update_file_retention', { ...shorten, bypassGovernance: true })).status).toBe(
      200,
    );
    expect((await s.call('b2_delete_file_version', { ...ids, bypassGovernance: true })).status).toBe(200);
  });

  it('compliance: only extended, never bypassed; deletable once it expired', async () => {
    const bucketId = await lockedBucket();
    const now = s.emulator.clock.now();
    const source = await upload(s, bucketId, 'src.txt', 'c');
    const copy = await s.call('b2_copy_file', {
      sourceFileId: source.body.fileId,
      fileName: 'comp.txt',
      fileRetention: { mode: 'compliance', retainUntilTimestamp: now + 60_000 },
      legalHold: 'off',
    });
    expect(copy.body.fileRetention.value).toEqual({
      mode: 'compliance',
      retainUntilTimestamp: now + 60_000,
    });
    expect(copy.body.legalHold.value).toBe('off');
    const ids = { fileId: copy.body.fileId, fileName: 'comp.txt' };
    const weaken = await s.call('b2_update_file_retention', {
      ...ids,
      fileRetention: { mode: 'governance', retainUntilTimestamp: now + 3 * DAY },
      bypassGovernance: true,
    });
    expect(weaken.status).toBe(403);
    const remove = await s.call('b2_update_file_retention', {
      ...ids,
      fileRetention: { mode: null, retainUntilTimestamp: null },
      bypassGovernance: true,
    });
    expect(remove.status).toBe(403);
    expect((await s.call('b2_delete_file_version', { ...ids, bypassGovernance: true })).status).toBe(403);
    s.emulator.clock.advance(61_000);
    expect((await s.call('b2_delete_file_version', ids)).status).toBe(200);
  });

  it('bucket default retention applies to new files that name none', async () => {
    const bucketId = await lockedBucket();
    const updated = await s.call('b2_update_bucket', {
      accountId: s.accountId,
      bucketId,
      defaultRetention: { mode: 'governance', period: { duration: 3, unit: 'days' } },
    });
    expect(updated.body.fileLockConfiguration.value).toEqual({
      defaultRetention: { mode: 'governance', period: { duration: 3, unit: 'days' } },
      isFileLockEnabled: true,
    });
    const up = await upload(s, bucketId, 'default.txt', 'd');
    expect(up.body.fileRetention.value.mode).toBe('governance');
    const until = up.body.fileRetention.value.retainUntilTimestamp as number;
    expect(until - s.emulator.clock.now()).toBeGreaterThan(3 * DAY - 60_000);
    expect(until - s.emulator.clock.now()).toBeLessThanOrEqual(3 * DAY);
    const plain = await makeBucket(s);
    const refused = await s.call('b2_update_bucket', {
      accountId: s.accountId,
      bucketId: plain,
      defaultRetention: { mode: 'compliance', period: { duration: 1, unit: 'years' } },
    });
    expect([refused.status, refused.body.code]).toEqual([400, 'bucket_missing_file_lock']);
  });
});
