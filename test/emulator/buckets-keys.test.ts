import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorize, download, makeBucket, reply, type Session, session, sha1, upload } from './helpers.js';

let s: Session;
beforeAll(async () => {
  s = await session();
});
afterAll(() => s.emulator.close());

describe('buckets', () => {
  it('create returns the bucket object; duplicates and bad names are refused', async () => {
    const r = await s.call('b2_create_bucket', {
      accountId: s.accountId,
      bucketName: 'my-first-bucket',
      bucketType: 'allPrivate',
      bucketInfo: { team: 'a' },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      accountId: s.accountId,
      bucketName: 'my-first-bucket',
      bucketType: 'allPrivate',
      bucketInfo: { team: 'a' },
      corsRules: [],
      lifecycleRules: [],
      options: ['s3'],
      revision: 2,
    });
    expect(r.body.bucketId).toMatch(/^[0-9a-f]{24}$/);
    const dup = await s.call('b2_create_bucket', {
      accountId: s.accountId,
      bucketName: 'MY-FIRST-BUCKET',
      bucketType: 'allPrivate',
    });
    expect(dup.body).toEqual({
      status: 400,
      code: 'duplicate_bucket_name',
      message: 'Bucket name is already in use.',
    });
    for (const bucketName of ['short', 'b2-reserved', 'has_underscore', 'x'.repeat(64)]) {
      const bad = await s.call('b2_create_bucket', {
        accountId: s.accountId,
        bucketName,
        bucketType: 'allPrivate',
      });
      expect(bad.status, bucketName).toBe(400);
    }
    const badType = await s.call('b2_create_bucket', {
      accountId: s.accountId,
      bucketName: 'fine-name',
      bucketType: 'snapshot',
    });
    expect(badType.status).toBe(400);
  });

  it('update bumps revision; ifRevisionIs mismatch is 409 conflict', async () => {
    const bucketId = await makeBucket(s);
    const u = await s.call('b2_update_bucket', {
      accountId: s.accountId,
      bucketId,
      bucketType: 'allPublic',
      ifRevisionIs: 2,
    });
    expect(u.status).toBe(200);
    expect(u.body).toMatchObject({ bucketType: 'allPublic', revision: 3 });
    const stale = await s.call('b2_update_bucket', {
      accountId: s.accountId,
      bucketId,
      bucketInfo: {},
      ifRevisionIs: 2,
    });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('conflict');
    const missing = await s.call('b2_update_bucket', {
      accountId: s.accountId,
      bucketId: 'aaaaaaaaaaaaaaaaaaaaaaaa',
    });
    expect(missing.body.code).toBe('bad_bucket_id');
  });

  it('list filters by id, name and type', async () => {
    const bucketId = await makeBucket(s, 'allPublic');
    const all = await s.call('b2_list_buckets', { accountId: s.accountId });
    expect(all.body.buckets.length).toBeGreaterThan(1);
    const names = all.body.buckets.map((b: { bucketName: string }) => b.bucketName);
    expect([...names].sort()).toEqual(names);
    const pub = await s.call('b2_list_buckets', { accountId: s.accountId, bucketTypes: ['allPublic'] });
    expect(pub.body.buckets.every((b: { bucketType: string }) => b.bucketType === 'allPublic')).toBe(true);
    expect(pub.body.buckets.map((b: { bucketId: string }) => b.bucketId)).toContain(bucketId);
  });

  it('delete refuses a non-empty bucket, then deletes an empty one', async () => {
    const bucketId = await makeBucket(s);
    const up = await upload(s, bucketId, 'f', 'x');
    const refused = await s.call('b2_delete_bucket', { accountId: s.accountId, bucketId });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('bad_request');
    // Unfinished large files count too.
    await s.call('b2_delete_file_version', { fileName: 'f', fileId: up.body.fileId });
    const large = await s.call('b2_start_large_file', { bucketId, fileName: 'l', contentType: 'text/plain' });
    expect((await s.call('b2_delete_bucket', { accountId: s.accountId, bucketId })).status).toBe(400);
    await s.call('b2_cancel_large_file', { fileId: large.body.fileId });
    const ok = await s.call('b2_delete_bucket', { accountId: s.accountId, bucketId });
    expect(ok.status).toBe(200);
    expect(ok.body.bucketId).toBe(bucketId);
    expect((await s.call('b2_delete_bucket', { accountId: s.accountId, bucketId })).body.code).toBe(
      'bad_bucket_id',
    );
  });
});

describe('application keys', () => {
  it('create, list, delete; deleted key tokens stop working', async () => {
    const created = await s.call('b2_create_key', {
      accountId: s.accountId,
      capabilities: ['listBuckets'],
      keyName: 'reader',
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      keyName: 'reader',
      capabilities: ['listBuckets'],
      bucketId: null,
      namePrefix: null,
      expirationTimestamp: null,
    });
    expect(created.body.applicationKey).toEqual(expect.any(String));
    const auth = await authorize(s.emulator.url, created.body.applicationKeyId, created.body.applicationKey);
    expect(auth.status).toBe(200);
    const listed = await s.call('b2_list_keys', { accountId: s.accountId });
    expect(listed.body.keys.map((k: { applicationKeyId: string }) => k.applicationKeyId)).toContain(
      created.body.applicationKeyId,
    );
    expect(listed.body.keys[0].applicationKey).toBeUndefined();
    const del = await s.call('b2_delete_key', { applicationKeyId: created.body.applicationKeyId });
    expect(del.status).toBe(200);
    const after = await s.call(
      'b2_list_buckets',
      { accountId: s.accountId },
      { token: auth.body.authorizationToken },
    );
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('bad_auth_token');
    expect((await s.call('b2_delete_key', { applicationKeyId: created.body.applicationKeyId })).status).toBe(
      400,
    );
  });

  it('validates capabilities, names and durations', async () => {
    const base = { accountId: s.accountId, keyName: 'k' };
    expect((await s.call('b2_create_key', { ...base, capabilities: [] })).status).toBe(400);
    expect((await s.call('b2_create_key', { ...base, capabilities: ['flyToMoon'] })).status).toBe(400);
    expect(
      (await s.call('b2_create_key', { ...base, keyName: 'bad name', capabilities: ['listFiles'] })).status,
    ).toBe(400);
    expect(
      (await s.call('b2_create_key', { ...base, capabilities: ['listFiles'], validDurationInSeconds: 0 }))
        .status,
    ).toBe(400);
    const bucketId = await makeBucket(s);
    const tooMuch = await s.call('b2_create_key', { ...base, capabilities: ['writeKeys'], bucketId });
    expect(tooMuch.status).toBe(400);
  });

  it('list_keys paginates', async () => {
    for (let i = 0; i < 3; i++)
      await s.call('b2_create_key', {
        accountId: s.accountId,
        capabilities: ['listFiles'],
        keyName: `page${i}`,
      });
    const p1 = await s.call('b2_list_keys', { accountId: s.accountId, maxKeyCount: 2 });
    expect(p1.body.keys).toHaveLength(2);
    expect(p1.body.nextApplicationKeyId).toEqual(expect.any(String));
    const p2 = await s.call('b2_list_keys', {
      accountId: s.accountId,
      startApplicationKeyId: p1.body.nextApplicationKeyId,
    });
    expect(p2.body.keys[0].applicationKeyId).toBe(p1.body.nextApplicationKeyId);
  });

  it('multi-bucket keys: v4 only', async () => {
    const a = await makeBucket(s);
    const b = await makeBucket(s);
    const key = await s.call(
      'b2_create_key',
      { accountId: s.accountId, capabilities: ['listFiles'], keyName: 'multi', bucketIds: [a, b] },
      { version: 'v4' },
    );
    expect(key.status).toBe(200);
    expect(key.body.bucketIds).toEqual([a, b]);
    const v2 = await authorize(s.emulator.url, key.body.applicationKeyId, key.body.applicationKey, 'v2');
    expect(v2.status).toBe(401);
    expect(v2.body.code).toBe('unsupported');
    const v4 = await authorize(s.emulator.url, key.body.applicationKeyId, key.body.applicationKey, 'v4');
    expect(v4.body.apiInfo.storageApi.allowed.buckets.map((x: { id: string }) => x.id)).toEqual([a, b]);
    const v2list = await s.call('b2_list_keys', { accountId: s.accountId, maxKeyCount: 1000 });
    expect(v2list.body.keys.map((k: { keyName: string }) => k.keyName)).not.toContain('multi');
  });
});

describe('restricted keys are enforced on every call', () => {
  let bucketId: string;
  let otherBucket: string;
  let bucketName: string;
  let token: string;
  let key: { applicationKeyId: string; applicationKey: string };

  beforeAll(async () => {
    bucketId = await makeBucket(s);
    otherBucket = await makeBucket(s);
    bucketName = (await s.call('b2_list_buckets', { accountId: s.accountId, bucketId })).body.buckets[0]
      .bucketName;
    await upload(s, bucketId, 'secret/x.txt', 'secret');
    await upload(s, bucketId, 'public/y.txt', 'public');
    const created = await s.call('b2_create_key', {
      accountId: s.accountId,
      capabilities: ['listFiles', 'readFiles', 'writeFiles', 'listBuckets'],
      keyName: 'scoped',
      bucketId,
      namePrefix: 'public/',
    });
    key = created.body;
    const auth = await authorize(s.emulator.url, key.applicationKeyId, key.applicationKey);
    expect(auth.body.allowed).toMatchObject({ bucketId, bucketName, namePrefix: 'public/' });
    token = auth.body.authorizationToken;
  });

  it('listing: outside the prefix or another bucket is 401 unauthorized', async () => {
    expect((await s.call('b2_list_file_names', { bucketId, prefix: 'public/' }, { token })).status).toBe(200);
    const noPrefix = await s.call('b2_list_file_names', { bucketId }, { token });
    expect(noPrefix.status).toBe(401);
    expect(noPrefix.body.code).toBe('unauthorized');
    expect(
      (await s.call('b2_list_file_names', { bucketId: otherBucket, prefix: 'public/' }, { token })).status,
    ).toBe(401);
    expect((await s.call('b2_list_buckets', { accountId: s.accountId }, { token })).status).toBe(401);
    expect((await s.call('b2_list_buckets', { accountId: s.accountId, bucketId }, { token })).status).toBe(
      200,
    );
  });

  it('missing capability is 401 unauthorized', async () => {
    const r = await s.call(
      'b2_create_bucket',
      { accountId: s.accountId, bucketName: 'not-allowed-1', bucketType: 'allPrivate' },
      { token },
    );
    expect(r.status).toBe(401);
    expect(r.body.code).toBe('unauthorized');
    expect((await s.call('b2_list_keys', { accountId: s.accountId }, { token })).status).toBe(401);
  });

  it('uploads: other bucket refused at get_upload_url, other prefix refused at upload', async () => {
    expect((await s.call('b2_get_upload_url', { bucketId: otherBucket }, { token })).status).toBe(401);
    const inside = await upload(s, bucketId, 'public/new.txt', 'ok', {}, token);
    expect(inside.status).toBe(200);
    const outside = await upload(s, bucketId, 'secret/new.txt', 'no', {}, token);
    expect(outside.status).toBe(401);
    expect(outside.body.code).toBe('unauthorized');
    expect(
      (
        await s.call(
          'b2_start_large_file',
          { bucketId, fileName: 'secret/l', contentType: 'text/plain' },
          { token },
        )
      ).status,
    ).toBe(401);
  });

  it('upload tokens follow their key: deleting the key stops the upload URL', async () => {
    const temp = await s.call('b2_create_key', {
      accountId: s.accountId,
      capabilities: ['writeFiles'],
      keyName: 'temp',
      bucketId,
    });
    const auth = await authorize(s.emulator.url, temp.body.applicationKeyId, temp.body.applicationKey);
    const u = (await s.call('b2_get_upload_url', { bucketId }, { token: auth.body.authorizationToken })).body;
    await s.call('b2_delete_key', { applicationKeyId: temp.body.applicationKeyId });
    const r = await reply(
      await fetch(u.uploadUrl, {
        method: 'POST',
        headers: {
          Authorization: u.authorizationToken,
          'X-Bz-File-Name': 'x',
          'Content-Type': 'text/plain',
          'X-Bz-Content-Sha1': sha1('x'),
        },
        body: 'x',
      }),
    );
    expect(r.status).toBe(401);
  });

  it('downloads: outside the prefix is 401, inside works', async () => {
    const inside = await download(`${s.emulator.url}/file/${bucketName}/public/y.txt`, {
      headers: { Authorization: token },
    });
    expect(inside.status).toBe(200);
    const outside = await download(`${s.emulator.url}/file/${bucketName}/secret/x.txt`, {
      headers: { Authorization: token },
    });
    expect(outside.status).toBe(401);
    const files = await s.call('b2_list_file_names', { bucketId, prefix: 'secret/' });
    const byId = await download(
      `${s.emulator.url}/b2api/v2/b2_download_file_by_id?fileId=${files.body.files[0].fileId}`,
      {
        headers: { Authorization: token },
      },
    );
    expect(byId.status).toBe(401);
    expect((await s.call('b2_get_file_info', { fileId: files.body.files[0].fileId }, { token })).status).toBe(
      401,
    );
  });
});
