import { describe, expect, it } from 'vitest';
import { type Authorization, createAuthSession, normaliseAuthorization } from '../../src/b2/auth.js';
import type { AuthorizeResponseV2, AuthorizeResponseV3, AuthorizeResponseV4 } from '../../src/b2/wire.js';

const urls = {
  apiUrl: 'https://api002.backblazeb2.com',
  downloadUrl: 'https://f002.backblazeb2.com',
  s3ApiUrl: 'https://s3.us-west-002.backblazeb2.com',
  recommendedPartSize: 100_000_000,
  absoluteMinimumPartSize: 5_000_000,
};

describe('normaliseAuthorization', () => {
  it('reads the v1/v2 shape (top-level allowed with one bucket)', () => {
    const v2: AuthorizeResponseV2 = {
      accountId: 'acc',
      authorizationToken: 'tok',
      ...urls,
      allowed: { bucketId: 'b1', bucketName: 'photos', capabilities: ['listFiles'], namePrefix: 'pre/' },
    };
    expect(normaliseAuthorization(v2)).toEqual({
      accountId: 'acc',
      authorizationToken: 'tok',
      ...urls,
      allowed: { capabilities: ['listFiles'], buckets: [{ id: 'b1', name: 'photos' }], namePrefix: 'pre/' },
    });
  });

  it('reads the v2 shape of an unrestricted key', () => {
    const v2 = {
      accountId: 'acc',
      authorizationToken: 'tok',
      ...urls,
      minimumPartSize: 100_000_000,
      allowed: { bucketId: null, bucketName: null, capabilities: ['writeFiles'], namePrefix: null },
    } satisfies AuthorizeResponseV2;
    expect(normaliseAuthorization(v2).allowed).toEqual({
      capabilities: ['writeFiles'],
      buckets: null,
      namePrefix: null,
    });
  });

  it('reads the v3 shape (flat storageApi)', () => {
    const v3: AuthorizeResponseV3 = {
      accountId: 'acc',
      authorizationToken: 'tok3',
      applicationKeyExpirationTimestamp: null,
      apiInfo: {
        storageApi: {
          infoType: 'storageApi',
          ...urls,
          bucketId: 'b9',
          bucketName: null,
          capabilities: ['readFiles'],
          namePrefix: null,
        },
      },
    };
    expect(normaliseAuthorization(v3)).toEqual({
      accountId: 'acc',
      authorizationToken: 'tok3',
      ...urls,
      allowed: { capabilities: ['readFiles'], buckets: [{ id: 'b9', name: null }], namePrefix: null },
    });
  });

  it('reads the v4 shape (storageApi.allowed with many buckets)', () => {
    const v4: AuthorizeResponseV4 = {
      accountId: 'acc',
      authorizationToken: 'tok4',
      applicationKeyExpirationTimestamp: 1_700_000_000_000,
      apiInfo: {
        storageApi: {
          infoType: 'storageApi',
          ...urls,
          allowed: {
            buckets: [
              { id: 'b1', name: 'one' },
              { id: 'b2', name: null },
            ],
            capabilities: ['writeFiles', 'listFiles'],
            namePrefix: 'x/',
          },
        },
      },
    };
    expect(normaliseAuthorization(v4)).toEqual({
      accountId: 'acc',
      authorizationToken: 'tok4',
      ...urls,
      allowed: {
        capabilities: ['writeFiles', 'listFiles'],
        buckets: [
          { id: 'b1', name: 'one' },
          { id: 'b2', name: null },
        ],
        namePrefix: 'x/',
      },
    });
  });
});

describe('createAuthSession', () => {
  const authorizationWith = (token: string): Authorization => ({
    accountId: 'acc',
    authorizationToken: token,
    ...urls,
    allowed: { capabilities: [], buckets: null, namePrefix: null },
  });

  it('authorizes once for concurrent first callers and once per expiry', async () => {
    let calls = 0;
    const session = createAuthSession(async () => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return authorizationWith(`t${calls}`);
    });
    const first = await Promise.all([session.current(), session.current(), session.current()]);
    expect(calls).toBe(1);
    expect(first.map((a) => a.authorizationToken)).toEqual(['t1', 't1', 't1']);

    const stale = first[0];
    const renewed = await Promise.all([session.renew(stale), session.renew(stale), session.renew(stale)]);
    expect(calls).toBe(2);
    expect(renewed.map((a) => a.authorizationToken)).toEqual(['t2', 't2', 't2']);

    // A latecomer still holding t1 gets t2 without another b2_authorize_account.
    expect((await session.renew(stale)).authorizationToken).toBe('t2');
    expect(calls).toBe(2);
  });

  it('lets a failed authorization be retried by the next caller', async () => {
    let calls = 0;
    const session = createAuthSession(async () => {
      calls++;
      if (calls === 1) throw new Error('down');
      return authorizationWith('ok');
    });
    await expect(session.current()).rejects.toThrow('down');
    expect((await session.current()).authorizationToken).toBe('ok');
  });
});
