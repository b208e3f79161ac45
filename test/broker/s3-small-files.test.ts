/**
 * Small files straight to B2 by presigned S3 PUT, against the emulator's S3 API and a broker over
 * HTTP: presign, PUT, confirm, the limits presign applies, and the reasons GET /config gives for
 * proxying. Every misuse of a URL, a confirm or a token is in the attack corpus
 * (test/reliability/attacks.test.ts, S3 mode), which checks the bucket is left as it was.
 */
import { describe, expect, it } from 'vitest';
import { createB2Client } from '../../src/b2/client.js';
import { as, bytes, call, download, leakedSecrets, MIN_PART, sha1, startBroker } from './helpers.js';
import { useBrokerWorld } from './use-world.js';
import { confirmFile, md5, presignFile, sendPresigned } from './s3-world.js';

const { world, broker } = useBrokerWorld({ s3: true });

const presign = (user: string, data: Uint8Array, extra: Record<string, unknown> = {}) =>
  presignFile(broker.url, user, data, extra);
const confirm = (user: string, p: { uploadId: string; token: string }) => confirmFile(broker.url, user, p);

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
  it('a region B2 does not sign for, no region, a client instead of a key', async () => {
    const cases: [string, Parameters<typeof startBroker>[1]][] = [
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
    const b = await startBroker(world, {
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
