/**
 * The broker attack corpus: other users' uploads, forged and expired tokens, oversize,
 * size mismatch, active content, hostile names, no login, too many starts, bad origins. None succeed.
 */
import { describe, expect, it } from 'vitest';
import { createB2Client } from '../../src/b2/client.js';
import { toBase64Url } from '../../src/broker/token.js';
import {
  as,
  bytes,
  call,
  leakedSecrets,
  MIN_PART,
  type Reply,
  sha1,
  start,
  startBroker,
  uploadParts,
} from './helpers.js';
import { useBrokerWorld } from './use-world.js';

const { world, broker } = useBrokerWorld({
  broker: {
    cors: { origins: ['https://app.example.com'] },
    limits: { maxFileSize: 100 * MIN_PART, startsPerMinute: 1000 },
  },
});

const withToken = (user: string, tokenValue: string) => ({ ...as(user), 'X-B2up-Upload-Token': tokenValue });
const pathOf = (uploadId: string) => `/uploads/${encodeURIComponent(uploadId)}`;

/** Every per-upload call with the given headers and upload id. */
async function everyCall(
  uploadId: string,
  headers: Record<string, string>,
  partSha1Array: string[],
): Promise<Reply[]> {
  const path = pathOf(uploadId);
  return [
    await call(broker.url, `${path}/part-urls`, { method: 'POST', headers, json: { count: 1 } }),
    await call(broker.url, `${path}/parts`, { headers }),
    await call(broker.url, `${path}/finish`, { method: 'POST', headers, json: { partSha1Array } }),
    await call(broker.url, path, { method: 'DELETE', headers }),
  ];
}

async function unfinishedIds(): Promise<string[]> {
  const { files } = await world.admin.listUnfinishedLargeFiles({ bucketId: world.bucketId });
  return files.map((f) => f.fileId ?? '');
}

describe('per-upload calls by someone else', () => {
  it('refuses another user’s upload on every call, and nothing changes', async () => {
    const alice = (await start(broker.url, 'alice', { name: 'secret.bin', size: MIN_PART + 1 })).body;
    const part = bytes(MIN_PART + 1);
    await uploadParts(broker.url, 'alice', alice, [part]);
    const mallory = (await start(broker.url, 'mallory', { name: 'mine.bin', size: 10 })).body;

    // Mallory with Alice's token: the token's principal is not the caller.
    for (const r of await everyCall(alice.uploadId, withToken('mallory', alice.token), [sha1(part)])) {
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('forbidden');
    }
    // Mallory with her own token on Alice's upload id: the token is for another upload.
    for (const r of await everyCall(alice.uploadId, withToken('mallory', mallory.token), [sha1(part)])) {
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('bad_upload_token');
    }
    // Alice's upload is untouched: still unfinished, with its one part.
    expect(await unfinishedIds()).toContain(alice.uploadId);
    const parts = await call(broker.url, `${pathOf(alice.uploadId)}/parts`, {
      headers: withToken('alice', alice.token),
    });
    expect(parts.body.parts).toEqual([
      { partNumber: 1, contentLength: MIN_PART + 1, contentSha1: sha1(part) },
    ]);
  });

  it('refuses per-upload calls without login (401 unauthenticated) and without a token (401 bad_upload_token)', async () => {
    const alice = (await start(broker.url, 'alice', { name: 'a.bin', size: 10 })).body;
    for (const r of await everyCall(alice.uploadId, { 'X-B2up-Upload-Token': alice.token }, [sha1('x')])) {
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('unauthenticated');
    }
    for (const r of await everyCall(alice.uploadId, as('alice'), [sha1('x')])) {
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('bad_upload_token');
    }
    expect(await unfinishedIds()).toContain(alice.uploadId);
  });
});

describe('forged, tampered and expired tokens', () => {
  it('refuses a token signed with another secret', async () => {
    const alice = (await start(broker.url, 'alice', { name: 'a.bin', size: 10 })).body;
    const forger = await startBroker(world, { secret: 'another-secret-another-secret-0123456789' });
    try {
      const forged = (await start(forger.url, 'alice', { name: 'a.bin', size: 10 })).body;
      const [payload] = forged.token.split('.');
      const [, signature] = alice.token.split('.');
      for (const tokenValue of [forged.token, `${payload}.${signature}`, 'garbage', 'a.b.c', `${payload}.`]) {
        const r = await call(broker.url, `${pathOf(forged.uploadId)}/parts`, {
          headers: withToken('alice', tokenValue),
        });
        expect(r.status).toBe(401);
        expect(r.body.code).toBe('bad_upload_token');
      }
    } finally {
      await forger.close();
    }
  });

  it('refuses a tampered payload (bigger size, other user, other upload) under the original signature', async () => {
    const alice = (await start(broker.url, 'alice', { name: 'a.bin', size: 10 })).body;
    const [payload, signature] = alice.token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    for (const change of [{ s: 10 ** 12 }, { p: 'mallory' }, { e: claims.e + 10 ** 9 }]) {
      const tampered = `${toBase64Url(new TextEncoder().encode(JSON.stringify({ ...claims, ...change })))}.${signature}`;
      const user = 'p' in change ? 'mallory' : 'alice';
      const r = await call(broker.url, `${pathOf(alice.uploadId)}/parts`, {
        headers: withToken(user, tampered),
      });
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('bad_upload_token');
    }
  });

  it('refuses an expired token by the broker’s clock', async () => {
    const alice = (await start(broker.url, 'alice', { name: 'a.bin', size: 10 })).body;
    const ok = await call(broker.url, `${pathOf(alice.uploadId)}/parts`, {
      headers: withToken('alice', alice.token),
    });
    expect(ok.status).toBe(200);
    broker.clock.advance(86_400_000 + 1000);
    try {
      const r = await call(broker.url, `${pathOf(alice.uploadId)}/parts`, {
        headers: withToken('alice', alice.token),
      });
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('expired_upload_token');
    } finally {
      broker.clock.advance(-(86_400_000 + 1000));
    }
  });
});

describe('limits', () => {
  it('refuses an oversize start with 413 and starts nothing', async () => {
    const before = await unfinishedIds();
    const r = await start(broker.url, 'alice', { name: 'huge.bin', size: 100 * MIN_PART + 1 });
    expect(r.status).toBe(413);
    expect(r.body.code).toBe('too_large');
    expect(await unfinishedIds()).toEqual(before);
  });

  for (const [label, extra] of [
    ['fewer', -1],
    ['more', +1],
  ] as const) {
    it(`answers 409 size_mismatch and cancels the file when the parts hold ${label} bytes than declared`, async () => {
      const declared = MIN_PART + 100;
      const alice = (await start(broker.url, 'alice', { name: 'm.bin', size: declared })).body;
      const parts = [bytes(MIN_PART), bytes(100 + extra, 2)];
      await uploadParts(broker.url, 'alice', alice, parts);
      const r = await call(broker.url, `${pathOf(alice.uploadId)}/finish`, {
        method: 'POST',
        headers: withToken('alice', alice.token),
        json: { partSha1Array: parts.map((p) => sha1(p)) },
      });
      expect(r.status).toBe(409);
      expect(r.body.code).toBe('size_mismatch');
      expect(await unfinishedIds()).not.toContain(alice.uploadId);
      const names = await world.admin.listFileNames({ bucketId: world.bucketId, maxFileCount: 1000 });
      expect(names.files.map((f) => f.fileId)).not.toContain(alice.uploadId);
    });
  }

  it('answers 400 when B2 refuses the part SHA-1s at finish, and leaves the upload open', async () => {
    const part = bytes(100, 5);
    const alice = (await start(broker.url, 'alice', { name: 'w.bin', size: 100 })).body;
    await uploadParts(broker.url, 'alice', alice, [part]);
    const r = await call(broker.url, `${pathOf(alice.uploadId)}/finish`, {
      method: 'POST',
      headers: withToken('alice', alice.token),
      json: { partSha1Array: [sha1('something else')] },
    });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('bad_request');
    expect(await unfinishedIds()).toContain(alice.uploadId);
  });

  it('checks what B2 finished: a file bigger than declared is refused, hidden and reported', async () => {
    // A B2 that finishes with a part the broker never listed (the finish call taking a part sent
    // after the listing): the broker must not answer with it as the upload's result.
    const real = createB2Client({ ...world.key, realm: world.emulator.url });
    const extra = bytes(MIN_PART, 44);
    const reported: unknown[] = [];
    const loose = await startBroker(world, {
      b2: {
        bucket: world.bucketName,
        client: {
          ...real,
          async finishLargeFile(request) {
            await real.uploadPart({
              fileId: request.fileId,
              partNumber: 3,
              body: extra,
              contentSha1: sha1(extra),
            });
            return real.finishLargeFile({
              ...request,
              partSha1Array: [...request.partSha1Array, sha1(extra)],
            });
          },
        },
      },
      onError: (error) => reported.push(error),
    });
    try {
      const parts = [bytes(MIN_PART, 42), bytes(MIN_PART, 43)];
      const s = (await start(loose.url, 'alice', { name: 'big.bin', size: 2 * MIN_PART })).body;
      await uploadParts(loose.url, 'alice', s, parts);
      const r = await call(loose.url, `${pathOf(s.uploadId)}/finish`, {
        method: 'POST',
        headers: withToken('alice', s.token),
        json: { partSha1Array: parts.map(sha1) },
      });
      expect(r.status).toBe(409);
      expect(r.body.code).toBe('size_mismatch');
      expect(reported).toHaveLength(1);
      const names = await world.admin.listFileNames({ bucketId: world.bucketId, prefix: s.fileName });
      expect(names.files.filter((f) => f.fileName === s.fileName && f.action === 'upload')).toEqual([]);
    } finally {
      await loose.close();
    }
  });

  for (const type of [
    'text/html',
    'image/svg+xml',
    'TEXT/HTML; charset=utf-8',
    'application/xhtml+xml',
    'text/javascript',
    'b2/x-auto',
  ]) {
    it(`refuses content type ${type} with 415 (large and small)`, async () => {
      const large = await start(broker.url, 'alice', { name: 'page', size: 3 * MIN_PART, contentType: type });
      expect(large.status).toBe(415);
      expect(large.body.code).toBe('type_not_allowed');
      const small = await call(broker.url, '/files', {
        method: 'POST',
        headers: {
          ...as('alice'),
          'Content-Type': type,
          'X-B2up-Name': 'x.html',
          'X-B2up-Content-Sha1': sha1('<b>'),
        },
        body: '<b>',
      });
      expect(small.status).toBe(415);
    });
  }

  it('answers 401 unauthenticated without login, and when the hook throws', async () => {
    expect((await start(broker.url, '', { name: 'a', size: 10 })).body.code).toBe('unauthenticated');
    const r = await call(broker.url, '/uploads', { method: 'POST', json: { name: 'a', size: 10 } });
    expect(r.status).toBe(401);
    expect(r.body.code).toBe('unauthenticated');
    const throwing = await startBroker(world, {
      authorize: () => {
        throw new Error('session store down');
      },
    });
    try {
      const t = await call(throwing.url, '/uploads', {
        method: 'POST',
        headers: as('alice'),
        json: { name: 'a', size: 10 },
      });
      expect(t.status).toBe(401);
      expect(JSON.stringify(t.body)).not.toContain('session store');
    } finally {
      await throwing.close();
    }
  });

  it('answers 429 with Retry-After after startsPerMinute starts, per principal, until the clock refills', async () => {
    const limited = await startBroker(world, { limits: { startsPerMinute: 2 } });
    try {
      for (let i = 0; i < 2; i++)
        expect((await start(limited.url, 'erin', { name: 'a', size: 10 })).status).toBe(200);
      const refused = await start(limited.url, 'erin', { name: 'a', size: 10 });
      expect(refused.status).toBe(429);
      expect(refused.body.code).toBe('rate_limited');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await start(limited.url, 'frank', { name: 'a', size: 10 })).status).toBe(200);
      limited.clock.advance(60_000);
      expect((await start(limited.url, 'erin', { name: 'a', size: 10 })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('refuses malformed bodies with 400 bad_request', async () => {
    for (const json of [
      { name: 'a' },
      { name: 'a', size: -1 },
      { name: 'a', size: 1.5 },
      { name: 7, size: 10 },
      { name: 'a', size: 10, info: { 'b2-content-disposition': 'inline' } },
      { name: 'a', size: 10, info: { 'b2up-user': 'bob' } },
      { name: 'a', size: 10, info: { large_file_sha1: 'nope' } },
      { name: 'a', size: 10, info: { 'bad key': 'x' } },
    ]) {
      const r = await start(broker.url, 'alice', json);
      expect(r.status, JSON.stringify(json)).toBe(400);
      expect(r.body.code).toBe('bad_request');
    }
    const notJson = await call(broker.url, '/uploads', {
      method: 'POST',
      headers: { ...as('alice'), 'Content-Type': 'text/plain' },
      body: '{"name":"a","size":10}',
    });
    expect(notJson.status).toBe(400);
  });
});

describe('hostile names', () => {
  const hostile = [
    '../../etc/passwd',
    '..\\..\\windows\\system32\\cmd.exe',
    'evil\r\nX-Injected: 1.txt',
    'invoice\u202Efdp.exe',
    'a\u0000b\u0085c.txt',
    '',
    '...',
    '. .',
    'x'.repeat(5000),
    `${'é'.repeat(300)}.jpeg`,
    '／etc／passwd',
    '/absolute/path/',
    'cafe\u0301.txt',
  ];
  for (const name of hostile) {
    it(`makes ${JSON.stringify(name.slice(0, 40))} a safe name inside the prefix`, async () => {
      const r = await start(broker.url, 'alice', { name, size: 10 });
      expect(r.status).toBe(200);
      const fileName: string = r.body.fileName;
      const match = /^uploads\/[0-9a-f-]{36}\/(.+)$/.exec(fileName);
      expect(match).not.toBeNull();
      const safe = match?.[1] ?? '';
      expect(safe).not.toMatch(/[/\\\p{Cc}\p{Cf}\uff0f]/u); // separators, C0/C1 controls, bidi and zero-width
      expect(safe).not.toMatch(/^\.|\.$/);
      expect(new TextEncoder().encode(safe).length).toBeLessThanOrEqual(200);
      expect(safe.normalize('NFC')).toBe(safe);
      const info = await world.admin.getFileInfo({ fileId: r.body.uploadId });
      expect(info.fileName).toBe(fileName);
    });
  }

  it('keeps the extension and the user’s own name', async () => {
    const r = await start(broker.url, 'alice', { name: `${'é'.repeat(300)}.jpeg`, size: 10 });
    expect(r.body.fileName).toMatch(/é\.jpeg$/);
    const dots = await start(broker.url, 'alice', { name: '...', size: 10 });
    expect(dots.body.fileName).toMatch(/\/file$/);
    const info = await world.admin.getFileInfo({ fileId: dots.body.uploadId });
    expect(info.fileInfo['b2up-name']).toBe('...');
  });

  it('checks a custom name() against B2’s rules', async () => {
    const names = ['ok/custom.bin', '', 'a\u0001b', 'x'.repeat(1025)];
    const custom = await startBroker(world, { name: () => names.shift() ?? 'never' });
    try {
      const ok = await start(custom.url, 'alice', { name: 'a', size: 10 });
      expect(ok.body.fileName).toBe('ok/custom.bin');
      for (let i = 0; i < 3; i++) {
        const r = await start(custom.url, 'alice', { name: 'a', size: 10 });
        expect(r.status).toBe(400);
        expect(r.body.code).toBe('bad_request');
      }
    } finally {
      await custom.close();
    }
  });
});

describe('CORS', () => {
  it('answers a preflight from an allowed origin with CORS headers', async () => {
    const r = await fetch(`${broker.url}/uploads`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example.com',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type, x-b2up-upload-token',
      },
    });
    expect(r.status).toBe(204);
    expect(r.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(r.headers.get('access-control-allow-credentials')).toBe('true');
    expect(r.headers.get('access-control-allow-headers')).toMatch(/X-B2up-Upload-Token/);
    expect(r.headers.get('access-control-allow-methods')).toMatch(/DELETE/);
  });

  it('adds CORS headers to answers for an allowed origin', async () => {
    const r = await call(broker.url, '/config', { headers: { Origin: 'https://app.example.com' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(r.headers.get('vary')).toMatch(/Origin/);
  });

  it('refuses a foreign origin with 403 origin_not_allowed, preflight or not, and starts nothing', async () => {
    const before = await unfinishedIds();
    const preflight = await fetch(`${broker.url}/uploads`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    for (const origin of ['https://evil.example', 'null', 'https://app.example.com.evil.example']) {
      const r = await call(broker.url, '/uploads', {
        method: 'POST',
        headers: { ...as('alice'), Origin: origin },
        json: { name: 'a', size: 10 },
      });
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('origin_not_allowed');
    }
    expect(await unfinishedIds()).toEqual(before);
  });

  it('lets same-origin requests through without CORS headers', async () => {
    const r = await call(broker.url, '/config', { headers: { Origin: broker.url } });
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses every cross-origin request when cors is not configured', async () => {
    const plain = await startBroker(world);
    try {
      const r = await call(plain.url, '/config', { headers: { Origin: 'https://app.example.com' } });
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('origin_not_allowed');
    } finally {
      await plain.close();
    }
  });
});

describe('secrets', () => {
  it('never puts the B2 key, key id or account token in a response', () => {
    expect(world.secrets.values.size).toBeGreaterThanOrEqual(5);
    expect(world.responses.length).toBeGreaterThan(50);
    expect(leakedSecrets(world)).toEqual([]);
  });
});
