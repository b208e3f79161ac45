/**
 * Presigning and confirming several small files in one call, over HTTP against the emulator's S3
 * API: each item is admitted and checked as a single call would be (login once for the call; size,
 * type, start rate and token per item), a refused item doesn't hold up the others, and a batch has a
 * cap. The single-file calls keep working beside it.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createInlineHasher } from '../../src/upload/hasher.js';
import { createHttpBrokerClient } from '../../src/upload/http-broker.js';
import { noTabLock } from '../../src/upload/tab-lock.js';
import { buildUploader } from '../../src/upload/create-uploader.js';
import { as, bytes, call, download, sha1, startBroker } from './helpers.js';
import { useBrokerWorld } from './use-world.js';
import { sendPresigned } from './s3-world.js';

const md5 = (data: Uint8Array) => createHash('md5').update(data).digest('hex');

interface Presigned {
  uploadId: string;
  token: string;
  fileName: string;
  put: { url: string; headers: Record<string, string> };
}
type Item<T> = T & { error?: { status: number; code: string; message: string } };

const { world, broker } = useBrokerWorld({ s3: true });

const fields = (data: Uint8Array, name: string, extra: Record<string, unknown> = {}) => ({
  name,
  size: data.byteLength,
  contentType: 'image/png',
  sha1: sha1(data),
  md5: md5(data),
  ...extra,
});

async function presignBatch(base: string, user: string, files: unknown[]) {
  const r = await call(base, '/files/presign', { method: 'POST', headers: as(user), json: { files } });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.results as Item<Presigned>[];
}

async function confirmBatch(user: string, uploads: { uploadId: string; token: string }[]) {
  const r = await call(broker.url, '/files/confirm', {
    method: 'POST',
    headers: as(user),
    json: { uploads },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.results as Item<{ fileId: string; fileName: string; verifiedBy: string }>[];
}

describe('batches of small files', () => {
  it('GET /config announces the batch size', async () => {
    expect((await call(broker.url, '/config')).body.smallFileBatchMax).toBe(50);
  });

  it('presigns and confirms N files in two calls: each SHA-1 checked, each stored byte for byte', async () => {
    const files = [bytes(1000, 1), bytes(2000, 2), bytes(3000, 3)];
    const presigned = await presignBatch(
      broker.url,
      'alice',
      files.map((data, i) => fields(data, `photo-${i}.png`)),
    );
    expect(presigned).toHaveLength(3);
    expect(new Set(presigned.map((p) => p.fileName)).size).toBe(3);
    for (const [i, p] of presigned.entries()) {
      const put = await sendPresigned(p.put.url, { headers: p.put.headers, body: files[i]! });
      expect(put.status).toBe(200);
    }
    const confirmed = await confirmBatch('alice', presigned);
    expect(confirmed.map((c) => c.verifiedBy)).toEqual(['sha1', 'sha1', 'sha1']);
    for (const [i, c] of confirmed.entries()) {
      expect(c.fileName).toBe(presigned[i]!.fileName);
      expect(await download(world, c.fileId)).toEqual(files[i]);
    }
    // The single-file confirm still answers the same file.
    const single = await call(broker.url, `/files/${presigned[0]!.uploadId}/confirm`, {
      method: 'POST',
      headers: { ...as('alice'), 'X-B2up-Upload-Token': presigned[0]!.token },
    });
    expect(single.body.fileId).toBe(confirmed[0]!.fileId);
  });

  it('a refused item is refused alone, with the code a single call would get; the others go', async () => {
    const good = bytes(500, 4);
    const results = await presignBatch(broker.url, 'alice', [
      fields(good, 'ok.png'),
      fields(bytes(10, 5), 'page.html', { contentType: 'text/html' }),
      fields(bytes(10, 5), 'big.png', { size: 10_001 }),
      fields(bytes(10, 5), 'no-md5.png', { md5: undefined }),
    ]);
    expect(results[0]!.put.url).toContain(encodeURIComponent('ok.png'));
    expect(results.slice(1).map((r) => [r.error?.status, r.error?.code])).toEqual([
      [415, 'type_not_allowed'],
      [413, 'too_large'],
      [400, 'bad_request'],
    ]);
    await sendPresigned(results[0]!.put.url, { headers: results[0]!.put.headers, body: good });
    // Confirming: one good, one never uploaded, one forged token, one of another user's.
    const bobs = (await presignBatch(broker.url, 'bob', [fields(good, 'bob.png')]))[0]!;
    await sendPresigned(bobs.put.url, { headers: bobs.put.headers, body: good });
    const confirmed = await confirmBatch('alice', [
      results[0]!,
      { uploadId: results[0]!.uploadId, token: `${results[0]!.token.slice(0, -4)}AAAA` },
      bobs,
      { uploadId: 'x', token: '' },
    ]);
    expect(confirmed[0]!.verifiedBy).toBe('sha1');
    expect(confirmed.slice(1).map((c) => c.error?.code)).toEqual([
      'bad_upload_token',
      'forbidden',
      'bad_upload_token',
    ]);
    // Bob's file is still his to confirm.
    expect((await confirmBatch('bob', [bobs]))[0]!.verifiedBy).toBe('sha1');
  });

  it('login once for the call; the list is 1 to 50 objects', async () => {
    const one = fields(bytes(10, 6), 'a.png');
    const anonymous = await call(broker.url, '/files/presign', { method: 'POST', json: { files: [one] } });
    expect(anonymous.status).toBe(401);
    const post = (json: unknown, path = '/files/presign') =>
      call(broker.url, path, { method: 'POST', headers: as('alice'), json });
    for (const json of [{ files: [] }, { files: Array(51).fill(one) }, { files: [one, 7] }, { files: 'x' }]) {
      const r = await post(json);
      expect([r.status, r.body.code]).toEqual([400, 'bad_request']);
    }
    const tooMany = await post({ uploads: Array(51).fill({ uploadId: 'x', token: 'y' }) }, '/files/confirm');
    expect([tooMany.status, tooMany.body.code]).toEqual([400, 'bad_request']);
    expect((await post({ files: Array(50).fill(one) })).body.results).toHaveLength(50);
  });

  it('each item takes a start from the caller’s budget: past it, the rest are rate-limited', async () => {
    const limited = await startBroker(world, { limits: { startsPerMinute: 2 } });
    try {
      const data = bytes(10, 7);
      const results = await presignBatch(
        limited.url,
        'carol',
        [1, 2, 3, 4].map((i) => fields(data, `${i}.png`)),
      );
      expect(results.map((r) => r.error?.code ?? 'signed')).toEqual([
        'signed',
        'signed',
        'rate_limited',
        'rate_limited',
      ]);
      expect(results[2]!.error?.status).toBe(429);
      // A refused item costs no start: another user still has a whole budget.
      expect((await presignBatch(limited.url, 'dave', [fields(data, 'd.png')]))[0]!.error).toBeUndefined();
    } finally {
      await limited.close();
    }
  });
});

describe('the SDK shares presign and confirm calls between files uploading at once', () => {
  it('12 small files: fewer broker calls than files, every file SHA-1 confirmed', async () => {
    const calls: string[] = [];
    const counting: typeof fetch = (input, init) => {
      const request = new Request(input, init);
      calls.push(`${request.method} ${new URL(request.url).pathname}`);
      return fetch(request);
    };
    const uploader = buildUploader(
      {
        broker: createHttpBrokerClient(broker.url, { headers: () => as('erin'), fetch: counting }),
        resume: false,
        hasher: createInlineHasher(),
      },
      { tabLock: noTabLock, connectivity: { isOnline: () => true, whenOnline: async () => {} } },
    );
    const files = Array.from({ length: 12 }, (_, i) => bytes(100 + i * 37, 20 + i));
    const results = await Promise.all(
      files.map((data, i) => uploader.upload(new File([data], `f${i}.png`, { type: 'image/png' })).done),
    );
    uploader.close();
    expect(results.map((r) => r.contentSha1)).toEqual(files.map((data) => sha1(data)));
    for (const [i, result] of results.entries())
      expect(await download(world, result.fileId)).toEqual(files[i]);
    const presigns = calls.filter((c) => c === 'POST /files/presign').length;
    const confirms = calls.filter((c) => c === 'POST /files/confirm').length;
    expect(calls.filter((c) => !/^(GET \/config|POST \/files\/(presign|confirm))$/.test(c))).toEqual([]);
    expect(presigns).toBeLessThan(files.length);
    expect(presigns + confirms).toBeLessThan(2 * files.length);
  });
});
