/**
 * Lifecycle rules: B2's `null` fields accepted and round-tripped, and the rules run on the emulator
 * clock (a pass after every control clock advance, or on request).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { authorize, makeBucket, type Session, session, upload } from './helpers.js';

const DAY = 86_400_000;
let s: Session;
/** The current account token: the clock jumps outlive the session's own. */
let token: string | undefined;
afterEach(() => s?.emulator.close());

async function control(path: string, body: unknown = {}) {
  const res = await fetch(`${s.emulator.url}/__emulator/${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
  return res.json() as Promise<Record<string, unknown>>;
}

/** Lets days pass on the emulator clock (lifecycle pass included), then renews the test's token. */
async function advanceDays(days: number) {
  const result = await control('clock/advance', { ms: days * DAY });
  token = (await authorize(s.emulator.url, s.emulator.keyId, s.emulator.key)).body.authorizationToken;
  return result.lifecycle;
}

const versions = async (bucketId: string) =>
  (await s.call('b2_list_file_versions', { bucketId }, { token })).body.files.map(
    (f: { fileName: string; action: string }) => `${f.fileName}:${f.action}`,
  );

describe('lifecycle rules', () => {
  it('accepts null fields and writes back what b2_list_buckets returned', async () => {
    s = await session();
    token = undefined;
    const keepLast = [{ fileNamePrefix: '', daysFromHidingToDeleting: 1, daysFromUploadingToHiding: null }];
    const bucketId = await makeBucket(s, 'allPrivate', { lifecycleRules: keepLast });
    const listed = await s.call('b2_list_buckets', { accountId: s.accountId, bucketId });
    const bucket = listed.body.buckets[0];
    expect(bucket.lifecycleRules).toEqual(keepLast);
    // Read-modify-write, as b2sdk and the b2 CLI do.
    const rules = [
      ...bucket.lifecycleRules,
      {
        fileNamePrefix: 'tmp/',
        daysFromHidingToDeleting: null,
        daysFromUploadingToHiding: null,
        daysFromStartingToCancelingUnfinishedLargeFiles: 2,
      },
    ];
    const updated = await s.call('b2_update_bucket', {
      accountId: s.accountId,
      bucketId,
      lifecycleRules: rules,
    });
    expect(updated.status).toBe(200);
    expect(updated.body.lifecycleRules).toEqual(rules);
    const again = await s.call('b2_update_bucket', {
      accountId: s.accountId,
      bucketId,
      lifecycleRules: updated.body.lifecycleRules,
    });
    expect(again.body.lifecycleRules).toEqual(rules);
    const zero = await s.call('b2_update_bucket', {
      accountId: s.accountId,
      bucketId,
      lifecycleRules: [{ fileNamePrefix: '', daysFromHidingToDeleting: 0 }],
    });
    expect(zero.status).toBe(400);
  });

  it('hides after N days, deletes hidden versions after N days, cancels unfinished large files', async () => {
    s = await session();
    token = undefined;
    const bucketId = await makeBucket(s, 'allPrivate', {
      lifecycleRules: [
        { fileNamePrefix: 'logs/', daysFromUploadingToHiding: 3, daysFromHidingToDeleting: 1 },
        { fileNamePrefix: 'keep/', daysFromHidingToDeleting: 2, daysFromUploadingToHiding: null },
        {
          fileNamePrefix: 'big/',
          daysFromStartingToCancelingUnfinishedLargeFiles: 5,
          daysFromHidingToDeleting: null,
          daysFromUploadingToHiding: null,
        },
      ],
    });
    await upload(s, bucketId, 'logs/a.log', 'a');
    await upload(s, bucketId, 'keep/v.txt', 'v1');
    await upload(s, bucketId, 'keep/v.txt', 'v2');
    await upload(s, bucketId, 'other.txt', 'untouched');
    await s.call('b2_start_large_file', { bucketId, fileName: 'big/stale.bin', contentType: 'b2/x-auto' });

    expect(await advanceDays(1)).toEqual({ hidden: 0, deleted: 0, cancelled: 0 });
    expect(await advanceDays(1.5)).toEqual({ hidden: 0, deleted: 1, cancelled: 0 });
    expect(await versions(bucketId)).toEqual([
      'big/stale.bin:start',
      'keep/v.txt:upload',
      'logs/a.log:upload',
      'other.txt:upload',
    ]);
    // Day 3: logs/a.log is hidden; a day later the hidden version and then its marker go.
    expect(await advanceDays(1)).toEqual({ hidden: 1, deleted: 0, cancelled: 0 });
    expect(await versions(bucketId)).toContain('logs/a.log:hide');
    const names = await s.call('b2_list_file_names', { bucketId, prefix: 'logs/' }, { token });
    expect(names.body.files).toEqual([]);
    expect(await advanceDays(1.5)).toEqual({ hidden: 0, deleted: 2, cancelled: 1 });
    expect(await versions(bucketId)).toEqual(['keep/v.txt:upload', 'other.txt:upload']);
  });

  it('one pass after a long jump does what daily passes would have done; locked versions stay', async () => {
    s = await session();
    token = undefined;
    const bucketId = await makeBucket(s, 'allPrivate', {
      fileLockEnabled: true,
      lifecycleRules: [{ fileNamePrefix: '', daysFromUploadingToHiding: 10, daysFromHidingToDeleting: 1 }],
    });
    await upload(s, bucketId, 'gone.txt', 'g');
    await upload(s, bucketId, 'held.txt', 'h', { 'X-Bz-File-Legal-Hold': 'on' });
    s.emulator.clock.advance(30 * DAY);
    expect(s.emulator.runLifecycle()).toEqual({ hidden: 1, deleted: 2, cancelled: 0 });
    token = (await authorize(s.emulator.url, s.emulator.keyId, s.emulator.key)).body.authorizationToken;
    expect(await versions(bucketId)).toEqual(['held.txt:upload']);
    expect(await control('lifecycle/run')).toEqual({ hidden: 0, deleted: 0, cancelled: 0 });
  });
});
