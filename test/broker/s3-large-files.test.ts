/**
 * Large files over S3 (`transport: 's3'`): presigned UploadPart URLs bound to one upload, part
 * number and size; B2's per-part SHA-1s compared with the client's before CompleteMultipartUpload;
 * and the Uppy signRequest routes on the same guarantees. Real emulator, broker over HTTP. Misused
 * part URLs and other users' tokens are in the attack corpus (test/reliability/attacks.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { as, bytes, call, download, leakedSecrets, MIN_PART, sha1 } from './helpers.js';
import { useBrokerWorld } from './use-world.js';
import { s3PartUrls, sendPresigned, startS3Upload } from './s3-world.js';

const { world, broker } = useBrokerWorld({ s3: true });

const withToken = (user: string, session: { token: string }) => ({
  ...as(user),
  'X-B2up-Upload-Token': session.token,
});

const startS3 = (user: string, size: number) => startS3Upload(broker.url, user, size);
const partUrls = (user: string, session: { uploadId: string; token: string }, partNumbers: number[]) =>
  s3PartUrls(broker.url, user, session, partNumbers);

const finish = (user: string, session: { uploadId: string; token: string }, partSha1Array: string[]) =>
  call(broker.url, `/uploads/${encodeURIComponent(session.uploadId)}/finish`, {
    method: 'POST',
    headers: withToken(user, session),
    json: { partSha1Array },
  });

function split(data: Uint8Array<ArrayBuffer>, partSize: number): Uint8Array<ArrayBuffer>[] {
  const parts: Uint8Array<ArrayBuffer>[] = [];
  for (let i = 0; i < data.byteLength; i += partSize) parts.push(data.slice(i, i + partSize));
  return parts;
}

describe('large files over S3', () => {
  it('presigned parts, SHA-1s compared, completed: the bytes are the file; resume lists the parts', async () => {
    const data = bytes(2 * MIN_PART + 123, 11);
    const session = await startS3('alice', data.byteLength);
    const parts = split(data, session.partSize);
    const urls = await partUrls('alice', session, [1, 2, 3]);
    expect(urls.status, JSON.stringify(urls.body)).toBe(200);
    for (const [i, part] of parts.entries()) {
      const put = await sendPresigned(urls.body.parts[i].url, { body: part });
      expect(put.status, await put.clone().text()).toBe(200);
    }
    const listed = await call(broker.url, `/uploads/${encodeURIComponent(session.uploadId)}/parts`, {
      headers: withToken('alice', session),
    });
    expect(listed.body.parts.map((p: { contentSha1: string }) => p.contentSha1)).toEqual(
      parts.map((p) => sha1(p)),
    );
    const done = await finish(
      'alice',
      session,
      parts.map((p) => sha1(p)),
    );
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toMatchObject({
      fileName: session.fileName,
      size: data.byteLength,
      contentType: 'video/mp4',
    });
    expect(await download(world, done.body.fileId)).toEqual(data);
    // A repeated finish answers the same result.
    expect(
      (
        await finish(
          'alice',
          session,
          parts.map((p) => sha1(p)),
        )
      ).body.fileId,
    ).toBe(done.body.fileId);
  });

  it('parts B2 holds that are not the ones the client hashed: 409 content_mismatch, nothing kept', async () => {
    const data = bytes(2 * MIN_PART, 12);
    const session = await startS3('alice', data.byteLength);
    const parts = split(data, session.partSize);
    const urls = await partUrls('alice', session, [1, 2]);
    for (const [i, part] of parts.entries()) await sendPresigned(urls.body.parts[i].url, { body: part });
    const wrong = [sha1(parts[0]!), sha1(bytes(MIN_PART, 99))];
    const r = await finish('alice', session, wrong);
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('content_mismatch');
    expect(
      (await world.admin.listUnfinishedLargeFiles({ bucketId: world.bucketId })).files.map((f) => f.fileId),
    ).not.toContain(session.uploadId);
    expect(
      (await world.admin.listFileNames({ bucketId: world.bucketId, prefix: session.fileName })).files,
    ).toEqual([]);
  });
});

/** Uppy's signRequest, as @uppy/aws-s3 calls it (docs/uppy.md). */
const sign = (user: string, request: Record<string, unknown>) =>
  call(broker.url, '/uppy/sign', { method: 'POST', headers: as(user), json: request });

describe('Uppy signRequest routes', () => {
  it('a small file: the broker’s name, a PUT bound to the declared size and type', async () => {
    const data = bytes(300, 21);
    const signed = await sign('alice', {
      method: 'PUT',
      key: 'uppy-file-id',
      contentType: 'image/png',
      file: { name: 'cat.png', size: 300, type: 'image/png' },
    });
    expect(signed.status, JSON.stringify(signed.body)).toBe(200);
    expect(signed.body.key).toMatch(/^uploads\/[0-9a-f-]{36}\/cat\.png$/);
    expect(
      (await sendPresigned(signed.body.url, { headers: signed.body.headers, body: bytes(301, 21) })).status,
    ).toBe(403);
    expect(
      (
        await sendPresigned(signed.body.url, {
          headers: { ...signed.body.headers, 'content-type': 'text/html' },
          body: data,
        })
      ).status,
    ).toBe(403);
    expect((await sendPresigned(signed.body.url, { headers: signed.body.headers, body: data })).status).toBe(
      200,
    );
    const [stored] = (await world.admin.listFileNames({ bucketId: world.bucketId, prefix: signed.body.key }))
      .files;
    expect(stored).toMatchObject({
      contentLength: 300,
      contentType: 'image/png',
      fileInfo: { 'b2up-user': 'alice' },
    });
  });

  it('a multipart file: create and complete through the broker, UploadId = token, size checked', async () => {
    const data = bytes(MIN_PART + 10, 22);
    const created = await sign('alice', {
      method: 'POST',
      key: 'uppy-id',
      file: { name: 'big.bin', size: data.byteLength, type: 'application/octet-stream' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const key: string = created.body.key;
    const init = await fetch(created.body.url, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
    });
    const xml = await init.text();
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(xml)?.[1] ?? '';
    expect(xml).toContain(`<Key>${key}</Key>`);

    const etags: string[] = [];
    for (const [i, part] of split(data, MIN_PART).entries()) {
      const url = await sign('alice', { method: 'PUT', key, uploadId, partNumber: i + 1 });
      const put = await sendPresigned(url.body.url, { body: part });
      expect(put.status).toBe(200);
      etags.push(put.headers.get('etag') ?? '');
    }
    const list = await sign('alice', { method: 'GET', key, uploadId });
    expect(await (await fetch(list.body.url)).text()).toContain('<PartNumber>2</PartNumber>');
    const complete = await sign('alice', { method: 'POST', key, uploadId });
    const body = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
    const done = await fetch(complete.body.url, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body,
    });
    const doneXml = await done.text();
    expect(done.status, doneXml).toBe(200);
    expect(doneXml).toContain(`<Key>${key}</Key>`);
    const [stored] = (await world.admin.listFileNames({ bucketId: world.bucketId, prefix: key })).files;
    expect(await download(world, stored!.fileId!)).toEqual(data);
  });

  it('complete with more bytes than declared: aborted, nothing kept', async () => {
    const created = await sign('alice', {
      method: 'POST',
      key: 'x',
      file: { name: 'liar.bin', size: MIN_PART, type: 'application/octet-stream' },
    });
    const xml = await (await fetch(created.body.url, { method: 'POST' })).text();
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(xml)?.[1] ?? '';
    const key: string = created.body.key;
    const etags: string[] = [];
    for (const partNumber of [1, 2]) {
      const url = await sign('alice', { method: 'PUT', key, uploadId, partNumber });
      etags.push(
        (await sendPresigned(url.body.url, { body: bytes(MIN_PART, partNumber) })).headers.get('etag') ?? '',
      );
    }
    const complete = await sign('alice', { method: 'POST', key, uploadId });
    const body = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
    const done = await fetch(complete.body.url, { method: 'POST', body });
    expect(done.status).toBe(409);
    expect((await world.admin.listFileNames({ bucketId: world.bucketId, prefix: key })).files).toEqual([]);
    // A forged ticket gets nothing.
    const forged = await fetch(complete.body.url.replace(/ticket=[^&]+/, 'ticket=abc.def'), {
      method: 'POST',
      body,
    });
    expect(forged.status).toBe(403);
  });

  it('signs no delete of objects and refuses types the broker refuses', async () => {
    expect((await sign('alice', { method: 'DELETE', key: 'uploads/any' })).body.code).toBe('forbidden');
    expect(
      (await sign('alice', { method: 'PUT', key: 'x', file: { name: 'x.html', size: 3, type: 'text/html' } }))
        .body.code,
    ).toBe('type_not_allowed');
    expect(
      (await call(broker.url, '/uppy/sign', { method: 'POST', json: { method: 'PUT', key: 'x' } })).body.code,
    ).toBe('unauthenticated');
  });

  it('never answers a secret', () => {
    expect(leakedSecrets(world)).toEqual([]);
  });
});
