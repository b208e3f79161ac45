/**
 * The start answer carries the first part URLs (`partUrls` in POST /uploads), over HTTP against a
 * real broker and emulator: what the broker answers, and that the SDK's engine then sends its first
 * parts without a separate part-URL call.
 */
import { describe, expect, it } from 'vitest';
import { createHttpBrokerClient } from '../../src/upload/http-broker.js';
import { createInlineHasher } from '../../src/upload/hasher.js';
import { noTabLock } from '../../src/upload/tab-lock.js';
import { defaultSend } from '../../src/upload/transport.js';
import { buildUploader } from '../../src/upload/create-uploader.js';
import { as, bytes, call, download, MIN_PART, sha1, start, uploadPart } from './helpers.js';
import { useBrokerWorld } from './use-world.js';

const { world, broker } = useBrokerWorld({ broker: { basePath: '/b2up' } });

const unfinished = async () =>
  (await world.admin.listUnfinishedLargeFiles({ bucketId: world.bucketId })).files.length;

describe('POST /uploads with partUrls', () => {
  it('answers that many part URLs, each good for this upload’s parts', async () => {
    const data = bytes(2 * MIN_PART + 99, 21);
    const parts = [data.slice(0, MIN_PART), data.slice(MIN_PART, 2 * MIN_PART), data.slice(2 * MIN_PART)];
    const started = await start(broker.base, 'alice', {
      name: 'a.bin',
      size: data.length,
      partSize: MIN_PART,
      partUrls: 2,
    });
    expect(started.status).toBe(200);
    const { targets } = started.body as { targets: { uploadUrl: string; authorizationToken: string }[] };
    expect(targets).toHaveLength(2);
    expect(new Set(targets.map((t) => t.authorizationToken)).size).toBe(2);
    // Two URLs, three parts: the first URL is used again once its part is done, as B2 allows.
    for (const [i, part] of parts.entries()) await uploadPart(targets[i % 2]!, i + 1, part);
    const finished = await call(broker.base, `/uploads/${encodeURIComponent(started.body.uploadId)}/finish`, {
      method: 'POST',
      headers: { ...as('alice'), 'X-B2up-Upload-Token': started.body.token },
      json: { partSha1Array: parts.map((p) => sha1(p)) },
    });
    expect(finished.status).toBe(200);
    expect(await download(world, finished.body.fileId)).toEqual(data);
  });

  it('answers no part URLs to a client that asks for none (older clients)', async () => {
    const started = await start(broker.base, 'alice', { name: 'b.bin', size: 3 * MIN_PART });
    expect(started.status).toBe(200);
    expect(started.body).not.toHaveProperty('targets');
  });

  it.each([0, 17, 1.5, '2', 4])('refuses partUrls %j with 400 before starting anything', async (partUrls) => {
    const before = await unfinished();
    // 3 * MIN_PART bytes have at most 3 parts, so 4 URLs are refused too.
    const started = await start(broker.base, 'alice', { name: 'c.bin', size: 3 * MIN_PART, partUrls });
    expect(started.status).toBe(400);
    expect(started.body.code).toBe('bad_request');
    expect(await unfinished()).toBe(before);
  });
});

describe('the engine over HTTP', () => {
  it('sends its first parts on the URLs the start answered: no part-URL call at all', async () => {
    const log: string[] = [];
    const logged: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      log.push(
        `${request.method} ${new URL(request.url).pathname.replace(/\/uploads\/[^/]+/, '/uploads/{id}')}`,
      );
      return fetch(request);
    };
    const send = defaultSend();
    const uploader = buildUploader(
      {
        broker: createHttpBrokerClient(`${broker.base}/`, { headers: () => as('dave'), fetch: logged }),
        concurrency: 2,
        partSize: MIN_PART,
        resume: false,
        hasher: createInlineHasher(),
      },
      {
        send: (request) => (log.push('part'), send(request)),
        tabLock: noTabLock,
        connectivity: { isOnline: () => true, whenOnline: async () => {} },
      },
    );
    const data = bytes(4 * MIN_PART + 7, 22);
    const result = await uploader.upload(new File([data], 'd.bin')).done;
    uploader.close();
    expect(await download(world, result.fileId)).toEqual(data);
    const firstPart = log.indexOf('part');
    expect(log.slice(0, firstPart).sort()).toEqual([
      'GET /b2up/config',
      'GET /b2up/whoami',
      'POST /b2up/uploads',
    ]);
    expect(log.filter((entry) => entry.endsWith('/part-urls'))).toEqual([]);
    expect(log.filter((entry) => entry === 'part')).toHaveLength(5);
  });
});
