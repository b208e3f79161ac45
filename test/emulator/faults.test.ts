import { request } from 'node:http';
import { beforeEach, describe, expect, it } from 'vitest';
import { reply, type Session, sha1, uploadUrl, useBucket } from './helpers.js';

let s: Session;
let bucketId: string;
useBucket((opened) => ({ s, bucketId } = opened));
beforeEach(() => {
  s.emulator.faults.clear();
  s.emulator.counters.reset();
});

const listed = async () =>
  (await s.call('b2_list_file_versions', { bucketId, maxFileCount: 1000 })).body.files.map(
    (f: { fileName: string }) => f.fileName,
  );

async function post(url: string, token: string, name: string, data: Buffer) {
  return fetch(url, {
    method: 'POST',
    headers: {
      Authorization: token,
      'X-Bz-File-Name': name,
      'Content-Type': 'application/octet-stream',
      'X-Bz-Content-Sha1': sha1(data),
    },
    body: new Uint8Array(data),
  });
}

describe('fault injection on the real socket', () => {
  it('status faults answer with B2 error JSON and Retry-After', async () => {
    s.emulator.faults.add({
      endpoints: ['b2_list_buckets'],
      fault: {
        kind: 'status',
        status: 429,
        code: 'too_many_requests',
        message: 'slow down',
        retryAfterSeconds: 3,
      },
    });
    const r = await s.call('b2_list_buckets', { accountId: s.accountId });
    expect(r.status).toBe(429);
    expect(r.body).toEqual({ status: 429, code: 'too_many_requests', message: 'slow down' });
    expect(r.headers.get('retry-after')).toBe('3');
    expect((await s.call('b2_list_buckets', { accountId: s.accountId })).status).toBe(200);
    const counts = s.emulator.counters.get('b2_list_buckets');
    expect(counts.requests).toBe(2);
    expect(counts.statuses).toEqual({ '429': 1, '200': 1 });
  });

  it('503 on an upload stores nothing', async () => {
    s.emulator.faults.add({ endpoints: ['b2_upload_file'], fault: '503' });
    const u = await uploadUrl(s, bucketId);
    const r = await reply(await post(u.uploadUrl, u.authorizationToken, 'f503', Buffer.from('x')));
    expect(r.status).toBe(503);
    expect(await listed()).not.toContain('f503');
  });

  it('reset drops the connection', async () => {
    s.emulator.faults.add({ endpoints: ['b2_upload_file'], fault: { kind: 'reset' } });
    const u = await uploadUrl(s, bucketId);
    await expect(post(u.uploadUrl, u.authorizationToken, 'freset', Buffer.from('x'))).rejects.toThrow();
    expect(await listed()).not.toContain('freset');
  });

  it('reset_mid_body counts what arrived and stores nothing', async () => {
    s.emulator.faults.add({
      endpoints: ['b2_upload_file'],
      fault: { kind: 'reset_mid_body', afterBytes: 1000 },
    });
    const u = await uploadUrl(s, bucketId);
    await expect(post(u.uploadUrl, u.authorizationToken, 'fmid', Buffer.alloc(100_000, 1))).rejects.toThrow();
    expect(await listed()).not.toContain('fmid');
    expect(s.emulator.counters.get('b2_upload_file').bytesReceived).toBe(1000);
    // The token is released after the failure.
    const ok = await post(u.uploadUrl, u.authorizationToken, 'fafter', Buffer.from('y'));
    expect(ok.status).toBe(200);
  });

  it('reset_mid_body on a short body or a GET still drops the connection and stores nothing', async () => {
    s.emulator.faults.add({
      endpoints: ['b2_upload_file'],
      fault: { kind: 'reset_mid_body', afterBytes: 1_000_000 },
    });
    const u = await uploadUrl(s, bucketId);
    await expect(post(u.uploadUrl, u.authorizationToken, 'fshort', Buffer.from('short'))).rejects.toThrow();
    expect(await listed()).not.toContain('fshort');
    s.emulator.faults.add({
      endpoints: ['b2_list_buckets'],
      fault: { kind: 'reset_mid_body', afterBytes: 10 },
    });
    const get = fetch(`${s.emulator.url}/b2api/v2/b2_list_buckets?accountId=${s.accountId}`, {
      headers: { Authorization: s.token },
    });
    await expect(get).rejects.toThrow();
  });

  it('reset_after_store stores the file but never answers', async () => {
    s.emulator.faults.add({ endpoints: ['b2_upload_file'], fault: { kind: 'reset_after_store' } });
    const u = await uploadUrl(s, bucketId);
    await expect(post(u.uploadUrl, u.authorizationToken, 'fstored', Buffer.from('z'))).rejects.toThrow();
    expect(await listed()).toContain('fstored');
  });

  it('stall holds the request, then drops it without a response', async () => {
    s.emulator.faults.add({ endpoints: ['b2_list_buckets'], fault: { kind: 'stall', ms: 50 } });
    await expect(s.call('b2_list_buckets', { accountId: s.accountId })).rejects.toThrow();
  });

  it('a client that aborts mid-body stores nothing', async () => {
    const u = await uploadUrl(s, bucketId);
    const target = new URL(u.uploadUrl);
    await new Promise<void>((resolve) => {
      const req = request({
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: {
          Authorization: u.authorizationToken,
          'X-Bz-File-Name': 'fabort',
          'Content-Type': 'text/plain',
          'X-Bz-Content-Sha1': sha1(Buffer.alloc(10_000)),
          'Content-Length': '10000',
        },
      });
      req.on('error', () => resolve());
      req.write(Buffer.alloc(5000));
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(await listed()).not.toContain('fabort');
    const ok = await post(u.uploadUrl, u.authorizationToken, 'fok', Buffer.from('y'));
    expect(ok.status).toBe(200);
  });
});

describe('readers that go away', () => {
  it('a download aborted mid-stream leaves the emulator serving', async () => {
    const data = Buffer.alloc(4_000_000, 3);
    const u = await uploadUrl(s, bucketId);
    const up = await (await post(u.uploadUrl, u.authorizationToken, 'big-download', data)).json();
    const url = new URL(`${s.emulator.url}/b2api/v2/b2_download_file_by_id?fileId=${up.fileId}`);
    await new Promise<void>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: `${url.pathname}${url.search}`,
          headers: { Authorization: s.token },
        },
        (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        },
      );
      req.on('error', (e) => (req.destroyed ? resolve() : reject(e)));
      req.end();
    });
    const again = await fetch(url, { headers: { Authorization: s.token } });
    expect(Buffer.from(await again.arrayBuffer()).equals(data)).toBe(true);
  });
});

describe('X-Bz-Test-Mode', () => {
  it('force_cap_exceeded answers uploads 403 cap_exceeded on the real wire', async () => {
    const u = await uploadUrl(s, bucketId);
    const r = await fetch(u.uploadUrl, {
      method: 'POST',
      headers: {
        Authorization: u.authorizationToken,
        'X-Bz-File-Name': 'capped',
        'Content-Type': 'text/plain',
        'X-Bz-Content-Sha1': sha1('x'),
        'X-Bz-Test-Mode': 'force_cap_exceeded',
      },
      body: 'x',
    });
    expect(r.status).toBe(403);
    expect((await r.json()).code).toBe('cap_exceeded');
    expect(await listed()).not.toContain('capped');
  });

  it('fail_some_uploads fails some uploads with 503, never storing them', async () => {
    s.emulator.faults.configure({ testModes: { seed: 7, rate: 0.5 } });
    const u = await uploadUrl(s, bucketId);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await fetch(u.uploadUrl, {
        method: 'POST',
        headers: {
          Authorization: u.authorizationToken,
          'X-Bz-File-Name': `tm${i}`,
          'Content-Type': 'text/plain',
          'X-Bz-Content-Sha1': sha1('x'),
          'X-Bz-Test-Mode': 'fail_some_uploads',
        },
        body: 'x',
      });
      await r.arrayBuffer();
      statuses.push(r.status);
    }
    expect(statuses).toContain(503);
    expect(statuses).toContain(200);
    const names = await listed();
    for (const [i, status] of statuses.entries()) expect(names.includes(`tm${i}`)).toBe(status === 200);
  });
});

describe('control endpoints', () => {
  it('faults, counters and clock over HTTP', async () => {
    const url = s.emulator.url;
    const configured = await fetch(`${url}/__emulator/faults`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ rules: [{ endpoints: ['b2_list_buckets'], fault: '503' }] }),
    });
    expect(configured.status).toBe(200);
    expect((await s.call('b2_list_buckets', { accountId: s.accountId })).status).toBe(503);
    const counters = await (await fetch(`${url}/__emulator/counters`)).json();
    expect(counters.endpoints.b2_list_buckets.statuses['503']).toBe(1);
    await fetch(`${url}/__emulator/counters/reset`, { method: 'POST' });
    expect((await (await fetch(`${url}/__emulator/counters`)).json()).totals.requests).toBe(0);
    const before = s.emulator.clock.now();
    const adv = await (
      await fetch(`${url}/__emulator/clock/advance`, { method: 'POST', body: JSON.stringify({ ms: 5000 }) })
    ).json();
    expect(adv.now).toBeGreaterThanOrEqual(before + 5000);
    const bad = await fetch(`${url}/__emulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ rules: [{ fault: 'nonsense' }] }),
    });
    expect(bad.status).toBe(400);
    expect((await fetch(`${url}/__emulator/nope`)).status).toBe(404);
  });
});
