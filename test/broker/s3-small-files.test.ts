/**
 * Small files straight to B2 by presigned S3 PUT, against the emulator's S3 API and a broker over
 * HTTP: the URL binds name, method, size, type and MD5 and expires; the confirm step keeps only
 * what was declared; without S3 the broker falls back to proxying and says why.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createB2Client } from '../../src/b2/client.js';
import {
  as,
  bytes,
  call,
  download,
  leakedSecrets,
  MIN_PART,
  type RunningBroker,
  sha1,
  startBroker,
  startWorld,
  type World,
} from './helpers.js';
import { sendPresigned, startS3Broker, startS3World } from './s3-world.js';

const md5 = (data: Uint8Array) => createHash('md5').update(data).digest('hex');

let world: World;
let broker: RunningBroker;

beforeAll(async () => {
  world = await startS3World();
  broker = await startS3Broker(world);
});

afterAll(async () => {
  await broker?.close();
  await world?.close();
});

async function presign(user: string, data: Uint8Array, extra: Record<string, unknown> = {}) {
  const r = await call(broker.url, '/files/presign', {
    method: 'POST',
    headers: as(user),
    json: {
      name: 'photo.png',
      size: data.byteLength,
      contentType: 'image/png',
      sha1: sha1(data),
      md5: md5(data),
      ...extra,
    },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as {
    uploadId: string;
    token: string;
    fileName: string;
    put: { url: string; headers: Record<string, string>; expiresAt: number };
  };
}

const confirm = (user: string, p: { uploadId: string; token: string }) =>
  call(broker.url, `/files/${p.uploadId}/confirm`, {
    method: 'POST',
    headers: { ...as(user), 'X-B2up-Upload-Token': p.token },
  });

async function versionsOf(fileName: string) {
  const { files } = await world.admin.listFileVersions({ bucketId: world.bucketId, prefix: fileName });
  return files.filter((f) => f.fileName === fileName);
}

describe('presigned small files', () => {
  it('GET /config says small files go by S3 and large ones may', async () => {
    const r = await call(broker.url, '/config');
    expect(r.body).toMatchObject({ smallFiles: 's3', largeFileTransports: ['native', 's3'] });
    expect(r.body.smallFilesReason).toBeUndefined();
  });

  it('PUT straight to B2, then confirm: SHA-1 checked, name, user and type stored, bytes equal', async () => {
    const data = bytes(3000, 7);
    const p = await presign('alice', data, { name: 'Ünïcode résumé.png', info: { album: 'x' } });
    expect(p.fileName).toMatch(/^uploads\/[0-9a-f-]{36}\/Ünïcode résumé\.png$/);
    const put = await sendPresigned(p.put.url, { headers: p.put.headers, body: data });
    expect(put.status, await put.clone().text()).toBe(200);
    const done = await confirm('alice', p);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toMatchObject({
      fileName: p.fileName,
      size: 3000,
      contentType: 'image/png',
      contentSha1: sha1(data),
      verifiedBy: 'sha1',
    });
    expect(await download(world, done.body.fileId)).toEqual(data);
    const info = await world.admin.getFileInfo({ fileId: done.body.fileId });
    expect(info.fileInfo).toMatchObject({ 'b2up-user': 'alice', album: 'x' });
    expect(decodeURIComponent(info.fileInfo['b2up-name'] ?? '')).toBe('Ünïcode résumé.png');
    // Confirming again answers the same (a client that lost the answer retries).
    expect((await confirm('alice', p)).body.fileId).toBe(done.body.fileId);
  });

  it('the URL works only for its key, method, size, type and MD5', async () => {
    const data = bytes(2000, 8);
    const p = await presign('alice', data);
    const other = p.put.url.replace(encodeURIComponent(p.fileName.split('/').pop()!), 'other.png');
    const refusals = [
      await sendPresigned(p.put.url.replace(/\/uploads\/[0-9a-f-]{36}\//, '/uploads/elsewhere/'), {
        headers: p.put.headers,
        body: data,
      }),
      await sendPresigned(other, { headers: p.put.headers, body: data }),
      await sendPresigned(p.put.url, { method: 'POST', headers: p.put.headers, body: data }),
      await sendPresigned(p.put.url, { method: 'GET' }),
      await sendPresigned(p.put.url, { method: 'DELETE' }),
      await sendPresigned(p.put.url, { headers: p.put.headers, body: bytes(2001, 8) }),
      await sendPresigned(p.put.url, {
        headers: { ...p.put.headers, 'content-type': 'text/html' },
        body: data,
      }),
      await sendPresigned(p.put.url, {
        headers: { ...p.put.headers, 'x-amz-meta-b2up-user': 'mallory' },
        body: data,
      }),
      await sendPresigned(p.put.url.replace(/X-Amz-Signature=[0-9a-f]/, 'X-Amz-Signature=0'), {
        headers: p.put.headers,
        body: data,
      }),
    ];
    // 403 SignatureDoesNotMatch; a POST to an object is B2's missing PostObject (501).
    for (const response of refusals) expect([403, 501]).toContain(response.status);
    expect(refusals.filter((r) => r.status === 403)).toHaveLength(refusals.length - 1);
    // Same size and signed headers, other bytes: B2 checks Content-MD5 and stores nothing.
    const bad = await sendPresigned(p.put.url, { headers: p.put.headers, body: bytes(2000, 9) });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('BadDigest');
    expect(await versionsOf(p.fileName)).toEqual([]);
    expect((await confirm('alice', p)).body.code).toBe('not_found');
  });

  it('the URL stops working when it expires (B2’s UnauthorizedAccess), and is refused before that', async () => {
    const data = bytes(100, 3);
    const p = await presign('alice', data);
    expect(p.put.expiresAt - Date.now()).toBeLessThanOrEqual(900_000);
    world.emulator.clock.advance(901_000);
    try {
      const late = await sendPresigned(p.put.url, { headers: p.put.headers, body: data });
      expect(late.status).toBe(403);
      expect(await late.text()).toMatch(/UnauthorizedAccess[\s\S]*Request has expired/);
    } finally {
      world.emulator.clock.advance(-901_000);
    }
    expect(await versionsOf(p.fileName)).toEqual([]);
  });

  it('confirm keeps nothing that isn’t what was declared: other bytes, more bytes, another type', async () => {
    const data = bytes(500, 4);
    for (const stored of [
      { body: bytes(500, 5), type: 'image/png', code: 'content_mismatch', status: 409 },
      { body: bytes(501, 4), type: 'image/png', code: 'size_mismatch', status: 409 },
      { body: data, type: 'image/jpeg', code: 'content_mismatch', status: 409 },
    ]) {
      const p = await presign('alice', data);
      // Something else lands under the name (a bug, or a client that declared one SHA-1 and sent other bytes).
      await world.admin.uploadFile({
        bucketId: world.bucketId,
        fileName: p.fileName,
        contentType: stored.type,
        body: stored.body,
        contentSha1: sha1(stored.body),
      });
      const r = await confirm('alice', p);
      expect(r.status).toBe(stored.status);
      expect(r.body.code).toBe(stored.code);
      expect(await versionsOf(p.fileName)).toEqual([]);
    }
  });

  it('confirm is the uploader’s own: another user, no token, a forged token', async () => {
    const data = bytes(10, 1);
    const p = await presign('alice', data);
    expect((await confirm('mallory', p)).body.code).toBe('forbidden');
    expect(
      (await call(broker.url, `/files/${p.uploadId}/confirm`, { method: 'POST', headers: as('alice') })).body
        .code,
    ).toBe('bad_upload_token');
    expect((await confirm('alice', { ...p, token: `${p.token}x` })).body.code).toBe('bad_upload_token');
    // A large-file token is no confirm token.
    const large = await call(broker.url, '/uploads', {
      method: 'POST',
      headers: as('alice'),
      json: { name: 'l', size: 20_000 },
    });
    expect((await confirm('alice', large.body)).body.code).toBe('bad_upload_token');
  });

  it('presign applies the limits: size, type, name, start rate', async () => {
    const tooBig = await call(broker.url, '/files/presign', {
      method: 'POST',
      headers: as('alice'),
      json: { name: 'a', size: 10_001, sha1: 'a'.repeat(40), md5: 'b'.repeat(32) },
    });
    expect(tooBig.body.code).toBe('too_large');
    const html = await call(broker.url, '/files/presign', {
      method: 'POST',
      headers: as('alice'),
      json: { name: 'a.html', size: 1, contentType: 'text/html', sha1: 'a'.repeat(40), md5: 'b'.repeat(32) },
    });
    expect(html.body.code).toBe('type_not_allowed');
    const noMd5 = await call(broker.url, '/files/presign', {
      method: 'POST',
      headers: as('alice'),
      json: { name: 'a', size: 1, sha1: 'a'.repeat(40) },
    });
    expect(noMd5.body.code).toBe('bad_request');
    expect(
      (await call(broker.url, '/files/presign', { method: 'POST', json: { name: 'a', size: 1 } })).body.code,
    ).toBe('unauthenticated');
  });

  it('never answers a secret (the key id in X-Amz-Credential is public, as for every S3 client)', () => {
    expect(leakedSecrets(world)).toEqual([]);
  });
});

describe('without S3: proxied, and GET /config says why', () => {
  it('a key without deleteFiles', async () => {
    const plain = await startWorld();
    const b = await startBroker(plain, {
      b2: {
        ...plain.key,
        bucket: plain.bucketName,
        realm: plain.emulator.url,
        s3Region: plain.emulator.region,
      },
    });
    try {
      const r = await call(b.url, '/config');
      expect(r.body).toMatchObject({ smallFiles: 'proxy', largeFileTransports: ['native'] });
      expect(r.body.smallFilesReason).toMatch(/deleteFiles/);
      expect(
        (await call(b.url, '/files/presign', { method: 'POST', headers: as('a'), json: {} })).status,
      ).toBe(404);
    } finally {
      await b.close();
      await plain.close();
    }
  });

  it('the master key (B2 refuses it on S3), a region B2 does not sign for, a client instead of a key', async () => {
    const cases: [string, Parameters<typeof startBroker>[1]][] = [
      [
        'refused the key',
        {
          b2: {
            applicationKeyId: world.emulator.keyId,
            applicationKey: world.emulator.key,
            bucket: world.bucketName,
            realm: world.emulator.url,
            s3Region: world.emulator.region,
          },
          unsafeAllowUnrestrictedKey: true,
        },
      ],
      [
        'refused the key',
        {
          b2: {
            ...world.key,
            bucket: world.bucketName,
            realm: world.emulator.url,
            s3Region: 'eu-central-003',
          },
        },
      ],
      ['names no region', { b2: { ...world.key, bucket: world.bucketName, realm: world.emulator.url } }],
      [
        'not the key',
        {
          b2: {
            client: createB2Client({ ...world.key, realm: world.emulator.url }),
            bucket: world.bucketName,
          },
        },
      ],
    ];
    for (const [reason, options] of cases) {
      const b = await startBroker(world, options);
      try {
        const r = await call(b.url, '/config');
        expect(r.body.smallFiles).toBe('proxy');
        expect(r.body.smallFilesReason).toContain(reason);
      } finally {
        await b.close();
      }
    }
  });
});

describe('onUploadComplete on the S3 paths', () => {
  it('reports a confirmed presigned file and a finished S3 large file, for their user', async () => {
    const events: { user: string; fileName: string; size: number }[] = [];
    const b = await startS3Broker(world, {
      onUploadComplete: ({ principal, file }) => {
        events.push({ user: principal.id, fileName: file.fileName, size: file.size });
      },
    });
    try {
      const data = bytes(700, 31);
      const p = await call(b.url, '/files/presign', {
        method: 'POST',
        headers: as('bob'),
        json: { name: 'a.png', size: 700, contentType: 'image/png', sha1: sha1(data), md5: md5(data) },
      });
      await sendPresigned(p.body.put.url, { headers: p.body.put.headers, body: data });
      const done = await call(b.url, `/files/${p.body.uploadId}/confirm`, {
        method: 'POST',
        headers: { ...as('bob'), 'X-B2up-Upload-Token': p.body.token },
      });
      expect(done.status).toBe(200);
      expect(events).toEqual([{ user: 'bob', fileName: p.body.fileName, size: 700 }]);

      const large = bytes(2 * MIN_PART, 32);
      const s = await call(b.url, '/uploads', {
        method: 'POST',
        headers: as('bob'),
        json: { name: 'l.bin', size: large.byteLength, partSize: MIN_PART, transport: 's3' },
      });
      const urls = await call(b.url, `/uploads/${encodeURIComponent(s.body.uploadId)}/s3-part-urls`, {
        method: 'POST',
        headers: { ...as('bob'), 'X-B2up-Upload-Token': s.body.token },
        json: { partNumbers: [1, 2] },
      });
      const parts = [large.slice(0, MIN_PART), large.slice(MIN_PART)];
      for (const [i, part] of parts.entries()) await sendPresigned(urls.body.parts[i].url, { body: part });
      const finished = await call(b.url, `/uploads/${encodeURIComponent(s.body.uploadId)}/finish`, {
        method: 'POST',
        headers: { ...as('bob'), 'X-B2up-Upload-Token': s.body.token },
        json: { partSha1Array: parts.map((part) => sha1(part)) },
      });
      expect(finished.status).toBe(200);
      expect(events[1]).toEqual({ user: 'bob', fileName: s.body.fileName, size: large.byteLength });
      expect(events).toHaveLength(2);
    } finally {
      await b.close();
    }
  });
});
