import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorize, basic, makeBucket, reply, type Session, session } from './helpers.js';

let s: Session;
beforeAll(async () => {
  s = await session();
});
afterAll(() => s.emulator.close());

describe('b2_authorize_account', () => {
  it('v1/v2 return the flat shape with allowed', async () => {
    for (const v of ['v1', 'v2']) {
      const r = await authorize(s.emulator.url, s.emulator.keyId, s.emulator.key, v);
      expect(r.status).toBe(200);
      expect(r.body.apiUrl).toBe(s.emulator.url);
      expect(r.body.downloadUrl).toBe(s.emulator.url);
      expect(r.body.absoluteMinimumPartSize).toBe(1000);
      expect(r.body.recommendedPartSize).toBe(100_000_000);
      expect(r.body.allowed).toEqual({
        bucketId: null,
        bucketName: null,
        capabilities: expect.arrayContaining(['writeFiles', 'listKeys']),
        namePrefix: null,
      });
      expect(r.body.apiInfo).toBeUndefined();
    }
    const v1 = await authorize(s.emulator.url, s.emulator.keyId, s.emulator.key, 'v1');
    expect(v1.body.minimumPartSize).toBe(100_000_000);
  });

  it('v3 flattens into apiInfo.storageApi', async () => {
    const r = await authorize(s.emulator.url, s.emulator.keyId, s.emulator.key, 'v3');
    expect(r.status).toBe(200);
    expect(r.body.allowed).toBeUndefined();
    const api = r.body.apiInfo.storageApi;
    expect(api.infoType).toBe('storageApi');
    expect(api.bucketId).toBeNull();
    expect(api.capabilities).toContain('writeFiles');
    expect(api.apiUrl).toBe(s.emulator.url);
    expect(r.body.applicationKeyExpirationTimestamp).toBeNull();
  });

  it('v4 reports allowed.buckets inside storageApi', async () => {
    const r = await authorize(s.emulator.url, s.emulator.keyId, s.emulator.key, 'v4');
    const api = r.body.apiInfo.storageApi;
    expect(api.allowed.buckets).toBeNull();
    expect(api.allowed.capabilities).toContain('deleteFiles');
    expect(api.bucketId).toBeUndefined();
  });

  it('accepts the account id as the master key id', async () => {
    const r = await authorize(s.emulator.url, s.emulator.accountId, s.emulator.key);
    expect(r.status).toBe(200);
  });

  it('refuses wrong credentials with 401', async () => {
    const r = await authorize(s.emulator.url, s.emulator.keyId, 'wrong');
    expect(r.status).toBe(401);
    expect(r.body.code).toBe('bad_auth_token');
    expect(r.headers.get('www-authenticate')).toContain('BASIC');
    const none = await reply(await fetch(`${s.emulator.url}/b2api/v2/b2_authorize_account`));
    expect(none.status).toBe(401);
  });
});

describe('JSON call conventions', () => {
  it('unknown operation is 404, unknown version is 404', async () => {
    expect((await s.call('b2_no_such_op', {})).status).toBe(404);
    const r = await reply(await fetch(`${s.emulator.url}/b2api/v9/b2_list_buckets`, { method: 'POST' }));
    expect(r.status).toBe(404);
    expect(r.body.code).toBe('not_found');
  });

  it('wrong method is 405 method_not_allowed', async () => {
    const r = await reply(
      await fetch(`${s.emulator.url}/b2api/v2/b2_list_buckets`, {
        method: 'PUT',
        headers: { Authorization: s.token },
      }),
    );
    expect(r.status).toBe(405);
    expect(r.body).toEqual({ status: 405, code: 'method_not_allowed', message: expect.any(String) });
  });

  it('malformed JSON is 400 bad_json', async () => {
    const r = await reply(
      await fetch(`${s.emulator.url}/b2api/v2/b2_list_buckets`, {
        method: 'POST',
        headers: { Authorization: s.token },
        body: '{"accountId":',
      }),
    );
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('bad_json');
  });

  it('missing, bad and expired tokens are 401 with B2 codes', async () => {
    const missing = await reply(
      await fetch(`${s.emulator.url}/b2api/v2/b2_list_buckets`, { method: 'POST', body: '{}' }),
    );
    expect(missing.status).toBe(401);
    expect(missing.body.code).toBe('missing_auth_token');
    const bad = await s.call('b2_list_buckets', { accountId: s.accountId }, { token: 'nonsense' });
    expect(bad.status).toBe(401);
    expect(bad.body.code).toBe('bad_auth_token');
  });

  it('accepts GET with query parameters and treats null fields as absent', async () => {
    const bucketId = await makeBucket(s);
    const get = await reply(
      await fetch(
        `${s.emulator.url}/b2api/v3/b2_list_buckets?accountId=${s.accountId}&bucketId=${bucketId}`,
        {
          headers: { Authorization: s.token },
        },
      ),
    );
    expect(get.status).toBe(200);
    expect(get.body.buckets).toHaveLength(1);
    const typed = await reply(
      await fetch(
        `${s.emulator.url}/b2api/v4/b2_list_buckets?accountId=${s.accountId}&bucketTypes=allPrivate,allPublic`,
        {
          headers: { Authorization: s.token },
        },
      ),
    );
    expect(typed.body.buckets.map((b: { bucketId: string }) => b.bucketId)).toContain(bucketId);
    const head = await fetch(`${s.emulator.url}/file/${get.body.buckets[0].bucketName}/nope`, {
      method: 'HEAD',
    });
    expect(head.status).toBe(401);
    expect((await head.arrayBuffer()).byteLength).toBe(0);
    const nulls = await s.call('b2_list_buckets', {
      accountId: s.accountId,
      bucketId,
      bucketName: null,
      bucketTypes: null,
    });
    expect(nulls.status).toBe(200);
    expect(nulls.body.buckets[0].bucketId).toBe(bucketId);
  });

  it('accountId must match the token', async () => {
    const r = await s.call('b2_list_buckets', { accountId: 'someone-else' });
    expect(r.status).toBe(401);
    expect(r.body.code).toBe('unauthorized');
  });
});

describe('token expiry', () => {
  it('expireAccountTokens makes earlier tokens 401 expired_auth_token, new ones work', async () => {
    const local = await session();
    try {
      const before = await local.call('b2_list_buckets', { accountId: local.accountId });
      expect(before.status).toBe(200);
      local.emulator.expireAccountTokens();
      const after = await local.call('b2_list_buckets', { accountId: local.accountId });
      expect(after.status).toBe(401);
      expect(after.body.code).toBe('expired_auth_token');
      const fresh = await authorize(local.emulator.url, local.emulator.keyId, local.emulator.key);
      const again = await local.call(
        'b2_list_buckets',
        { accountId: local.accountId },
        { token: fresh.body.authorizationToken },
      );
      expect(again.status).toBe(200);
    } finally {
      await local.emulator.close();
    }
  });

  it('tokens expire after 24 h of emulator clock', async () => {
    const local = await session();
    try {
      local.emulator.clock.advance(24 * 3600 * 1000 + 1);
      const r = await local.call('b2_list_buckets', { accountId: local.accountId });
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('expired_auth_token');
    } finally {
      await local.emulator.close();
    }
  });

  it('control endpoint tokens/expire does the same over HTTP', async () => {
    const local = await session();
    try {
      const ctl = await fetch(`${local.emulator.url}/__emulator/tokens/expire`, { method: 'POST' });
      expect(ctl.status).toBe(200);
      const r = await local.call('b2_list_buckets', { accountId: local.accountId });
      expect(r.body.code).toBe('expired_auth_token');
      const browser = await fetch(`${local.emulator.url}/__emulator/tokens/expire`, {
        method: 'POST',
        headers: { Origin: 'https://evil.example' },
      });
      expect(browser.status).toBe(403);
    } finally {
      await local.emulator.close();
    }
  });
});

describe('basic auth helper', () => {
  it('encodes id:key', () => {
    expect(basic('a', 'b')).toBe('Basic YTpi');
  });
});

describe('hostile input', () => {
  it('garbage bodies, params and headers get 4xx, never a crash or a 500', async () => {
    const bucketId = await makeBucket(s);
    const junk = [
      '',
      'null',
      '[]',
      '"x"',
      '{"bucketId":{}}',
      '{"bucketId":[1]}',
      '{"fileId":123}',
      '{"maxFileCount":"many"}',
      '\u0000\u00ff',
    ];
    const ops = [
      'b2_list_file_names',
      'b2_get_file_info',
      'b2_start_large_file',
      'b2_copy_file',
      'b2_update_bucket',
      'b2_create_key',
      'b2_finish_large_file',
    ];
    for (const op of ops) {
      for (const body of junk) {
        const r = await reply(
          await fetch(`${s.emulator.url}/b2api/v2/${op}`, {
            method: 'POST',
            headers: { Authorization: s.token },
            body,
          }),
        );
        expect(r.status, `${op} ${body}`).toBeGreaterThanOrEqual(400);
        expect(r.status, `${op} ${body}`).toBeLessThan(500);
        expect(typeof r.body.code).toBe('string');
      }
    }
    const u = (await s.call('b2_get_upload_url', { bucketId })).body;
    const cases: Record<string, string>[] = [
      { 'X-Bz-File-Name': '%E0%A4%A', 'X-Bz-Content-Sha1': 'do_not_verify', 'Content-Type': 'text/plain' },
      { 'X-Bz-File-Name': 'ok', 'X-Bz-Content-Sha1': 'nope', 'Content-Type': 'text/plain' },
      { 'X-Bz-File-Name': 'ok', 'X-Bz-Content-Sha1': 'do_not_verify', 'Content-Type': ' ' },
      { 'X-Bz-File-Name': 'ok', 'X-Bz-Content-Sha1': 'hex_digits_at_end', 'Content-Type': 'text/plain' },
      {
        'X-Bz-File-Name': 'ok',
        'X-Bz-Content-Sha1': 'do_not_verify',
        'Content-Type': 'text/plain',
        'X-Bz-Info-b2-nope': 'v',
      },
    ];
    for (const headers of cases) {
      const r = await reply(
        await fetch(u.uploadUrl, {
          method: 'POST',
          headers: { Authorization: u.authorizationToken, ...headers },
          body: 'abc',
        }),
      );
      expect(r.status, JSON.stringify(headers)).toBe(400);
    }
    expect((await s.call('b2_list_file_names', { bucketId })).body.files).toEqual([]);
    for (const path of [
      '/file/',
      '/file/x',
      '/file/%ZZ/a',
      '/b2api/v2/b2_upload_file/',
      '/b2api/v2/b2_upload_part/x',
      '/../etc/passwd',
    ]) {
      const r = await fetch(`${s.emulator.url}${path}`, { headers: { Authorization: s.token } });
      await r.arrayBuffer();
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.status, path).toBeLessThan(500);
    }
    expect((await authorize(s.emulator.url, s.emulator.keyId, s.emulator.key)).status).toBe(200);
  });
});
