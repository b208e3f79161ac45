/** The protocol's happy paths against a real emulator and a real broker over HTTP. */
import { describe, expect, it } from 'vitest';
import { createHttpBrokerClient } from '../../src/upload/http-broker.js';
import {
  as,
  bytes,
  call,
  download,
  leakedSecrets,
  MIN_PART,
  sha1,
  start,
  startBroker,
  uploadParts,
} from './helpers.js';
import { useBrokerWorld } from './use-world.js';

const { world, broker } = useBrokerWorld({ broker: { basePath: '/b2up' } });

const token = (user: string, session: { token: string }) => ({
  ...as(user),
  'X-B2up-Upload-Token': session.token,
});

describe('broker flows', () => {
  it('GET /config reports B2 limits from authorize and the broker defaults', async () => {
    const r = await call(broker.base, '/config');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      protocol: 1,
      minPartSize: MIN_PART,
      maxPartSize: 5_000_000_000,
      maxParts: 10_000,
      smallFileMaxSize: 2 * MIN_PART,
      maxFileSize: 10_000_000_000_000,
      allowedTypes: null,
      smallFiles: 'proxy',
    });
    expect(r.body.blockedTypes).toContain('text/html');
    expect(r.headers.get('cache-control')).toBe('no-store');
  });

  it('answers 404 outside its base path', async () => {
    expect((await call(broker.url, '/config')).status).toBe(404);
    expect((await call(broker.base, '/nothing')).body.code).toBe('not_found');
  });

  it('proxies a small file to B2 with the client SHA-1 and stores the user name and principal', async () => {
    const data = bytes(3000, 7);
    const r = await call(broker.base, '/files', {
      method: 'POST',
      headers: {
        ...as('alice'),
        'Content-Type': 'image/png',
        'X-B2up-Name': encodeURIComponent('holiday photo.png'),
        'X-B2up-Content-Sha1': sha1(data),
        'X-B2up-Last-Modified': '1700000000000',
        'X-B2up-Info': encodeURIComponent(JSON.stringify({ album: '2024' })),
      },
      body: data,
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ size: 3000, contentType: 'image/png', contentSha1: sha1(data) });
    expect(r.body.fileName).toMatch(/^uploads\/[0-9a-f-]{36}\/holiday photo\.png$/);
    expect(await download(world, r.body.fileId)).toEqual(data);
    const info = await world.admin.getFileInfo({ fileId: r.body.fileId });
    expect(info.fileInfo).toMatchObject({
      'b2up-name': 'holiday photo.png',
      'b2up-user': 'alice',
      src_last_modified_millis: '1700000000000',
      album: '2024',
    });
  });

  it('refuses a small file whose bytes do not match its SHA-1, and stores nothing', async () => {
    const before = await world.admin.listFileNames({ bucketId: world.bucketId, maxFileCount: 1000 });
    const data = bytes(2000, 8);
    const r = await call(broker.base, '/files', {
      method: 'POST',
      headers: {
        ...as('alice'),
        'Content-Type': 'application/pdf',
        'X-B2up-Name': 'a.pdf',
        'X-B2up-Content-Sha1': sha1(bytes(2000, 9)),
      },
      body: data,
    });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('bad_request');
    const after = await world.admin.listFileNames({ bucketId: world.bucketId, maxFileCount: 1000 });
    expect(after.files.length).toBe(before.files.length);
  });

  it('refuses a small file above smallFileMaxSize with 413', async () => {
    const data = bytes(2 * MIN_PART + 1);
    const r = await call(broker.base, '/files', {
      method: 'POST',
      headers: { ...as('alice'), 'X-B2up-Name': 'big.bin', 'X-B2up-Content-Sha1': sha1(data) },
      body: data,
    });
    expect(r.status).toBe(413);
    expect(r.body.code).toBe('too_large');
  });

  it('runs a large upload: start, part URLs, parts to B2, list, finish, download equal; finish again answers the same', async () => {
    const data = bytes(2 * MIN_PART + 1234, 3);
    const parts = [data.slice(0, MIN_PART), data.slice(MIN_PART, 2 * MIN_PART), data.slice(2 * MIN_PART)];
    const started = await start(broker.base, 'alice', {
      name: 'movie.mp4',
      size: data.length,
      contentType: 'video/mp4',
      lastModified: 1700000000000,
      partSize: 1,
      info: { large_file_sha1: sha1(data) },
    });
    expect(started.status).toBe(200);
    expect(started.body.partSize).toBe(MIN_PART); // the proposal raised to B2's minimum
    expect(started.body.fileName).toMatch(/^uploads\/[0-9a-f-]{36}\/movie\.mp4$/);
    expect(started.body.expiresAt).toBeGreaterThan(Date.now());
    const session = started.body;
    const path = `/uploads/${encodeURIComponent(session.uploadId)}`;

    await uploadParts(broker.base, 'alice', session, parts);
    const listed = await call(broker.base, `${path}/parts`, { headers: token('alice', session) });
    expect(listed.status).toBe(200);
    expect(listed.body.parts).toEqual(
      parts.map((p, i) => ({ partNumber: i + 1, contentLength: p.length, contentSha1: sha1(p) })),
    );

    const partSha1Array = parts.map((p) => sha1(p));
    const finished = await call(broker.base, `${path}/finish`, {
      method: 'POST',
      headers: token('alice', session),
      json: { partSha1Array },
    });
    expect(finished.status).toBe(200);
    expect(finished.body).toMatchObject({
      fileId: session.uploadId,
      fileName: session.fileName,
      size: data.length,
      contentType: 'video/mp4',
      contentSha1: null, // B2 checked only the parts' SHA-1s
      claimedSha1: sha1(data),
    });
    expect(await download(world, session.uploadId)).toEqual(data);

    const again = await call(broker.base, `${path}/finish`, {
      method: 'POST',
      headers: token('alice', session),
      json: { partSha1Array },
    });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(finished.body);
  });

  it('cancels an upload; B2 forgets it and a second cancel is 404', async () => {
    const started = await start(broker.base, 'alice', { name: 'x.bin', size: 3 * MIN_PART });
    const session = started.body;
    await uploadParts(broker.base, 'alice', session, [bytes(MIN_PART)]);
    const path = `/uploads/${encodeURIComponent(session.uploadId)}`;
    const cancelled = await call(broker.base, path, { method: 'DELETE', headers: token('alice', session) });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toEqual({ cancelled: true });
    const unfinished = await world.admin.listUnfinishedLargeFiles({ bucketId: world.bucketId });
    expect(unfinished.files.map((f) => f.fileId)).not.toContain(session.uploadId);
    const twice = await call(broker.base, path, { method: 'DELETE', headers: token('alice', session) });
    expect(twice.status).toBe(404);
    expect(twice.body.code).toBe('not_found');
    const parts = await call(broker.base, `${path}/parts`, { headers: token('alice', session) });
    expect(parts.body.code).toBe('not_found');
  });

  it('serves the SDK’s own HTTP broker client end to end (small and large)', async () => {
    const sdk = createHttpBrokerClient(`${broker.base}/`, { headers: () => as('carol'), retries: 0 });
    const config = await sdk.config();
    expect(config.smallFileMaxSize).toBe(2 * MIN_PART);

    const small = bytes(1000, 11);
    const result = await sdk.uploadSmall({
      file: new Blob([small]),
      name: 'notes+1 ü.txt',
      contentType: 'text/plain',
      sha1: sha1(small),
      lastModified: 1700000000000,
      info: {},
    });
    expect(result.fileName).toMatch(/\/notes\+1 ü\.txt$/);
    expect(await download(world, result.fileId)).toEqual(small);

    const data = bytes(MIN_PART + 10, 12);
    const session = await sdk.start({
      name: 'big.bin',
      size: data.length,
      contentType: 'application/octet-stream',
      lastModified: 1700000000000,
      partSize: MIN_PART,
      info: {},
    });
    const targets = await sdk.partTargets(session, 2);
    expect(targets).toHaveLength(2);
    const parts = [data.slice(0, MIN_PART), data.slice(MIN_PART)];
    await Promise.all(
      parts.map((part, i) =>
        fetch(targets[i]?.uploadUrl ?? '', {
          method: 'POST',
          headers: {
            Authorization: targets[i]?.authorizationToken ?? '',
            'X-Bz-Part-Number': String(i + 1),
            'X-Bz-Content-Sha1': sha1(part),
          },
          body: part,
        }),
      ),
    );
    expect((await sdk.listParts(session)).map((p) => p.contentLength)).toEqual([MIN_PART, 10]);
    const finished = await sdk.finish(
      session,
      parts.map((p) => sha1(p)),
    );
    expect(finished.size).toBe(data.length);
    expect(await download(world, finished.fileId)).toEqual(data);
  });

  it('lets one upload be served by two broker instances sharing a secret', async () => {
    const other = await startBroker(world, { basePath: '/b2up' });
    try {
      const data = bytes(MIN_PART + 77, 21);
      const parts = [data.slice(0, MIN_PART), data.slice(MIN_PART)];
      const started = await start(broker.base, 'dave', { name: 'shared.bin', size: data.length });
      expect(started.status).toBe(200);
      const otherBase = `${other.url}/b2up`;
      await uploadParts(otherBase, 'dave', started.body, parts);
      const finished = await call(otherBase, `/uploads/${encodeURIComponent(started.body.uploadId)}/finish`, {
        method: 'POST',
        headers: token('dave', started.body),
        json: { partSha1Array: parts.map((p) => sha1(p)) },
      });
      expect(finished.status).toBe(200);
      expect(await download(world, finished.body.fileId)).toEqual(data);
    } finally {
      await other.close();
    }
  });
});

describe('mounting and modes', () => {
  it('mounts in a Hono app with app.mount (Hono strips the mount path)', async () => {
    const { Hono } = await import('hono');
    const app = new Hono();
    app.get('/', (c) => c.text('app'));
    app.mount('/b2up', broker.broker);
    const config = await app.request('http://localhost/b2up/config');
    expect(config.status).toBe(404); // the broker was built with basePath '/b2up' …
    const plain = await startBroker(world);
    try {
      const mounted = new Hono();
      mounted.mount('/b2up', plain.broker); // … one with basePath '' serves under Hono's mount
      const r = await mounted.request('http://localhost/b2up/config');
      expect(r.status).toBe(200);
      expect(((await r.json()) as { protocol: number }).protocol).toBe(1);
    } finally {
      await plain.close();
    }
  });

  it('answers POST /files/target only with smallFiles: direct, with a bucket upload URL and the name to use', async () => {
    expect(
      (
        await call(broker.base, '/files/target', {
          method: 'POST',
          headers: as('alice'),
          json: { name: 'a', size: 3 },
        })
      ).status,
    ).toBe(404);
    const direct = await startBroker(world, { smallFiles: 'direct' });
    try {
      expect((await call(direct.url, '/config')).body.smallFiles).toBe('direct');
      const r = await call(direct.url, '/files/target', {
        method: 'POST',
        headers: as('alice'),
        json: { name: 'd.txt', size: 3, contentType: 'text/plain' },
      });
      expect(r.status).toBe(200);
      expect(r.body.fileName).toMatch(/^uploads\/[0-9a-f-]{36}\/d\.txt$/);
      expect(r.body.fileInfo).toMatchObject({ 'b2up-name': 'd.txt', 'b2up-user': 'alice' });
      const uploaded = await fetch(r.body.uploadUrl, {
        method: 'POST',
        headers: {
          Authorization: r.body.authorizationToken,
          'X-Bz-File-Name': encodeURIComponent(r.body.fileName).replace(/%2F/g, '/'),
          'Content-Type': r.body.contentType,
          'X-Bz-Content-Sha1': sha1('abc'),
        },
        body: 'abc',
      });
      expect(uploaded.status).toBe(200);
    } finally {
      await direct.close();
    }
  });
});

describe('secrets', () => {
  it('never puts the B2 key, key id or account token in a response', () => {
    expect(world.responses.length).toBeGreaterThan(10);
    expect(leakedSecrets(world)).toEqual([]);
  });
});
