/**
 * The app's server-side half of an upload: onUploadComplete, once per stored file on every finish
 * path, and short-lived download links for a private bucket, against a real emulator over HTTP.
 */
import { describe, expect, it } from 'vitest';
import { isB2Error } from '../../src/b2/errors.js';
import type { UploadComplete } from '../../src/broker/index.js';
import {
  as,
  BROKER_KEY_CAPABILITIES,
  bytes,
  call,
  MIN_PART,
  sha1,
  start,
  startBroker,
  startWorld,
  uploadParts,
} from './helpers.js';
import { useBrokerWorld } from './use-world.js';

const completed: UploadComplete[] = [];
const errors: unknown[] = [];
const { broker } = useBrokerWorld({
  capabilities: [...BROKER_KEY_CAPABILITIES, 'shareFiles'],
  broker: {
    basePath: '/b2up',
    onUploadComplete: (event) => {
      completed.push(event);
      if (event.principal.id === 'mallory') throw new Error('the app’s database is down');
    },
    onError: (error) => errors.push(error),
  },
});

const eventsFor = (fileId: string) => completed.filter((event) => event.file.fileId === fileId);

async function smallUpload(user: string, name: string, data: Uint8Array<ArrayBuffer>) {
  return call(broker.base, '/files', {
    method: 'POST',
    headers: { ...as(user), 'X-B2up-Name': encodeURIComponent(name), 'X-B2up-Content-Sha1': sha1(data) },
    body: data,
  });
}

/** A started large upload with its parts in B2, and a finish call to repeat at will. */
async function largeUpload(user: string, seed: number) {
  const data = bytes(MIN_PART + 321, seed);
  const parts = [data.slice(0, MIN_PART), data.slice(MIN_PART)];
  const started = await start(broker.base, user, { name: `big ${seed}.bin`, size: data.length });
  expect(started.status).toBe(200);
  await uploadParts(broker.base, user, started.body, parts);
  const finish = () =>
    call(broker.base, `/uploads/${encodeURIComponent(started.body.uploadId)}/finish`, {
      method: 'POST',
      headers: { ...as(user), 'X-B2up-Upload-Token': started.body.token },
      json: { partSha1Array: parts.map((p) => sha1(p)) },
    });
  return { data, session: started.body, finish };
}

describe('onUploadComplete', () => {
  it('reports a small file once, with the principal, what B2 stored and the request', async () => {
    const data = bytes(1500, 5);
    const r = await smallUpload('alice', 'notes ü.txt', data);
    expect(r.status).toBe(200);
    const events = eventsFor(r.body.fileId);
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event?.principal).toEqual({ id: 'alice' });
    expect(event?.file).toMatchObject({
      fileId: r.body.fileId,
      fileName: r.body.fileName,
      originalName: 'notes ü.txt',
      size: 1500,
      contentSha1: sha1(data),
    });
    expect(event?.file.fileInfo['b2up-user']).toBe('alice');
    expect(event?.request.headers.get('Authorization')).toBe('Bearer alice');
  });

  it('reports a large file once, however often its finish is repeated', async () => {
    const { session, finish } = await largeUpload('bob', 7);
    expect((await finish()).status).toBe(200);
    expect((await finish()).status).toBe(200);
    const events = eventsFor(session.uploadId);
    expect(events).toHaveLength(1);
    expect(events[0]?.principal).toEqual({ id: 'bob' });
    expect(events[0]?.file).toMatchObject({ fileName: session.fileName, size: MIN_PART + 321 });
  });

  it('reports a large file once when two finishes race (a retry while the first is in flight)', async () => {
    const { session, finish } = await largeUpload('carol', 8);
    const answers = await Promise.all([finish(), finish(), finish()]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(new Set(answers.map((a) => a.body.fileId))).toEqual(new Set([session.uploadId]));
    expect(eventsFor(session.uploadId)).toHaveLength(1);
  });

  it('does not report an upload B2 refused to store', async () => {
    const before = completed.length;
    const data = bytes(900, 9);
    const r = await call(broker.base, '/files', {
      method: 'POST',
      headers: { ...as('alice'), 'X-B2up-Name': 'bad.bin', 'X-B2up-Content-Sha1': sha1(bytes(900, 10)) },
      body: data,
    });
    expect(r.status).toBe(400);
    expect(completed.length).toBe(before);
  });

  it('a throwing hook goes to onError; the upload still succeeds', async () => {
    const r = await smallUpload('mallory', 'x.txt', bytes(100, 11));
    expect(r.status).toBe(200);
    expect(eventsFor(r.body.fileId)).toHaveLength(1);
    expect(String(errors.at(-1))).toContain('database is down');
  });
});

describe('broker.downloadUrl', () => {
  it('mints a link that downloads the stored file, and only that file', async () => {
    const data = bytes(2000, 12);
    const uploaded = await smallUpload('alice', 'photo.jpg', data);
    const other = await smallUpload('alice', 'other.jpg', bytes(10, 13));
    const link = await broker.broker.downloadUrl(uploaded.body.fileName, { validSeconds: 60 });
    expect(link.expiresAt).toBeGreaterThan(Date.now() + 50_000);
    const response = await fetch(link.url);
    expect(response.status).toBe(200);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(data);

    const token = new URL(link.url).searchParams.get('Authorization') ?? '';
    const elsewhere = new URL(link.url.replace(uploaded.body.fileName, other.body.fileName));
    elsewhere.searchParams.set('Authorization', token);
    expect((await fetch(elsewhere)).status).toBe(401);
  });

  it('binds a Content-Disposition into the link', async () => {
    const uploaded = await smallUpload('alice', 'report.pdf', bytes(300, 14));
    const disposition = 'attachment; filename="report.pdf"';
    const link = await broker.broker.downloadUrl(uploaded.body.fileName, { contentDisposition: disposition });
    const response = await fetch(link.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Disposition')).toBe(disposition);
    const stripped = new URL(link.url);
    stripped.searchParams.delete('b2ContentDisposition');
    expect((await fetch(stripped)).status).toBe(401);
  });

  it('refuses a bad lifetime, and says B2 refused when the key lacks shareFiles', async () => {
    await expect(broker.broker.downloadUrl('x', { validSeconds: 0 })).rejects.toThrow(/validSeconds/);
    const plainWorld = await startWorld();
    const plain = await startBroker(plainWorld);
    try {
      const error = await plain.broker.downloadUrl('uploads/x').catch((e: unknown) => e);
      expect(isB2Error(error) && error.status).toBe(401);
    } finally {
      await plain.close();
      await plainWorld.close();
    }
  });
});
