import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type B2ClientOptions,
  B2Error,
  createB2Client,
  uploadFileToTarget,
  uploadPartToTarget,
} from '../../src/b2/index.js';
import { type FakeB2, startFakeB2 } from './fake-b2.js';
import { rejection } from './rejection.js';

let fake: FakeB2;
let sleeps: number[];

beforeEach(async () => {
  fake = await startFakeB2();
  sleeps = [];
});
afterEach(async () => {
  await fake.close();
});

function client(extra: Partial<B2ClientOptions> = {}) {
  return createB2Client({
    applicationKeyId: 'key-id',
    applicationKey: 'secret',
    realm: fake.url,
    retry: {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
    },
    ...extra,
  });
}

const uploadAuth = () =>
  fake.requests.filter((r) => r.path.startsWith('/upload/')).map((r) => [r.path, r.authorization]);

describe('uploads get a fresh upload URL after a failure', () => {
  it.each([
    ['503', { status: 503, code: 'service_unavailable' }, true],
    ['401 expired_auth_token', { status: 401, code: 'expired_auth_token' }, false],
    ['400 auth_token_limit', { status: 400, code: 'auth_token_limit' }, false],
    ['a reset mid-request', 'reset' as const, true],
  ])('after %s', async (_label, step, backsOff) => {
    fake.uploadSteps.push(step);
    const b2 = client();
    const body = new Uint8Array(256 * 1024).fill(7);
    const file = (await b2.uploadFile({ bucketId: 'bucket-1', fileName: 'a.bin', body })) as unknown as {
      uploadedWith: string;
      contentLength: number;
    };
    expect(file.contentLength).toBe(body.length);
    expect(fake.count('/b2api/v4/b2_get_upload_url')).toBe(2);
    expect(uploadAuth()).toEqual([
      ['/upload/1', 'upload-token-1'],
      ['/upload/2', 'upload-token-2'],
    ]);
    expect(file.uploadedWith).toBe('upload-token-2');
    // The account token is never re-requested for an upload-token problem.
    expect(fake.count('/b2api/v4/b2_authorize_account')).toBe(1);
    expect(sleeps.length).toBe(backsOff ? 1 : 0);
  });

  it('tries at most 5 URLs, then fails with the last B2Error', async () => {
    fake.uploadSteps.push(
      ...Array.from({ length: 10 }, () => ({ status: 503, code: 'service_unavailable' })),
    );
    const error = await rejection(client().uploadFile({ bucketId: 'b', fileName: 'x', body: 'hello' }));
    expect(error).toMatchObject({ status: 503, code: 'service_unavailable' });
    expect(fake.count('/b2api/v4/b2_get_upload_url')).toBe(5);
    expect(fake.count('/upload/')).toBe(5);
    expect(new Set(uploadAuth().map(([, token]) => token)).size).toBe(5);
  });

  it('fails at once on 400 bad_request with status, code and message', async () => {
    fake.uploadSteps.push({ status: 400, code: 'bad_request', message: 'Sha1 did not match data received' });
    const error = await rejection(client().uploadFile({ bucketId: 'b', fileName: 'x', body: 'hello' }));
    expect(error).toBeInstanceOf(B2Error);
    expect(error).toMatchObject({
      name: 'B2Error',
      status: 400,
      code: 'bad_request',
      message: 'Sha1 did not match data received',
    });
    expect(fake.count('/upload/')).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('reuses a URL serially after success and never shares one between concurrent uploads', async () => {
    const b2 = client();
    await b2.uploadFile({ bucketId: 'b', fileName: 'one', body: 'a' });
    await b2.uploadFile({ bucketId: 'b', fileName: 'two', body: 'b' });
    expect(fake.count('/b2api/v4/b2_get_upload_url')).toBe(1);

    const bodies = Array.from({ length: 3 }, (_, i) => new Uint8Array(512 * 1024).fill(i));
    await Promise.all(bodies.map((body, i) => b2.uploadFile({ bucketId: 'b', fileName: `c${i}`, body })));
    expect(fake.concurrentTokenUses).toBe(0);
    // One idle URL reused, two more fetched for the concurrent uploads.
    expect(fake.count('/b2api/v4/b2_get_upload_url')).toBe(3);
  });

  it('re-authorizes when b2_get_upload_url itself says the account token expired', async () => {
    const b2 = client();
    await b2.authorize();
    fake.expiredTokens.add('account-token-1');
    await b2.uploadFile({ bucketId: 'b', fileName: 'x', body: 'hello' });
    expect(fake.count('/b2api/v4/b2_authorize_account')).toBe(2);
    const getUrl = fake.requests.filter((r) => r.path === '/b2api/v4/b2_get_upload_url');
    expect(getUrl.map((r) => r.authorization)).toEqual(['account-token-1', 'account-token-2']);
  });

  it('uses one part-URL pool per large file and retries parts the same way', async () => {
    fake.uploadSteps.push({ status: 500, code: 'internal_error' });
    const b2 = client();
    const part = (await b2.uploadPart({
      fileId: 'large-1',
      partNumber: 2,
      body: 'part bytes',
    })) as unknown as {
      partNumber: number;
      uploadedWith: string;
    };
    expect(part.partNumber).toBe(2);
    expect(part.uploadedWith).toBe('upload-token-2');
    expect(fake.count('/b2api/v4/b2_get_upload_part_url')).toBe(2);
  });

  it('treats an upload that times out like a broken URL', async () => {
    fake.uploadSteps.push('hang');
    const b2 = client({ uploadTimeout: 300 });
    const file = (await b2.uploadFile({ bucketId: 'b', fileName: 'slow', body: 'x' })) as unknown as {
      uploadedWith: string;
    };
    expect(file.uploadedWith).toBe('upload-token-2');
    expect(sleeps).toHaveLength(1);
  });

  it('stops at once when the caller aborts, without retrying', async () => {
    fake.uploadSteps.push('hang');
    const controller = new AbortController();
    const pending = client().uploadFile({
      bucketId: 'b',
      fileName: 'x',
      body: 'y',
      signal: controller.signal,
    });
    // Abort once the upload is in flight (the server holds it), not after a guessed delay.
    await vi.waitFor(() => expect(fake.count('/upload/')).toBe(1), { timeout: 30_000 });
    controller.abort();
    expect(await rejection(pending)).toMatchObject({ status: 0, code: 'aborted' });
    expect(fake.count('/upload/')).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('uploads to a given target with only that target’s token', async () => {
    const target = { uploadUrl: `${fake.url}/upload/77`, authorizationToken: 'brokered-token' };
    const file = (await uploadFileToTarget(target, {
      fileName: 'dir/ü.txt',
      body: new Blob(['blob body']),
    })) as unknown as {
      fileName: string;
      uploadedWith: string;
    };
    expect(file).toMatchObject({ fileName: 'dir/ü.txt', uploadedWith: 'brokered-token' });
    const part = (await uploadPartToTarget(target, { partNumber: 1, body: 'p' })) as unknown as {
      partNumber: number;
    };
    expect(part.partNumber).toBe(1);
    expect(fake.count('/b2api/v4/b2_authorize_account')).toBe(0);

    fake.uploadSteps.push({ status: 503, code: 'service_unavailable' });
    const error = await rejection(uploadFileToTarget(target, { fileName: 'x', body: 'y' }));
    expect(error).toMatchObject({ status: 503, code: 'service_unavailable' });
  });
});

describe('JSON calls', () => {
  it('3 concurrent calls that see an expired token cause exactly one re-authorization', async () => {
    const b2 = client();
    await b2.authorize();
    fake.expiredTokens.add('account-token-1');
    const results = await Promise.all([
      b2.getFileInfo({ fileId: 'f1' }),
      b2.getFileInfo({ fileId: 'f2' }),
      b2.getFileInfo({ fileId: 'f3' }),
    ]);
    expect(results.map((r) => (r as unknown as { echo: { fileId: string } }).echo.fileId)).toEqual([
      'f1',
      'f2',
      'f3',
    ]);
    expect(fake.count('/b2api/v4/b2_authorize_account')).toBe(2);
    const retried = fake.requests.filter((r) => r.path.endsWith('b2_get_file_info'));
    expect(retried.filter((r) => r.authorization === 'account-token-2')).toHaveLength(3);
  });

  it('concurrent first calls share one lazy authorization', async () => {
    const b2 = client();
    await Promise.all([b2.listBuckets({}), b2.listBuckets({}), b2.listBuckets({})]);
    expect(fake.count('/b2api/v4/b2_authorize_account')).toBe(1);
  });

  it('fills in accountId where B2 wants it', async () => {
    const b2 = client();
    const echoed = (await b2.createBucket({
      bucketName: 'my-bucket',
      bucketType: 'allPrivate',
    })) as unknown as {
      echo: Record<string, unknown>;
    };
    expect(echoed.echo).toEqual({
      accountId: 'account-1',
      bucketName: 'my-bucket',
      bucketType: 'allPrivate',
    });
    const info = (await b2.getFileInfo({ fileId: 'f' })) as unknown as { echo: Record<string, unknown> };
    expect(info.echo).toEqual({ fileId: 'f' });
  });

  it('fails at once on 401 unauthorized and 400 bad_request', async () => {
    fake.jsonSteps.set('b2_hide_file', [{ status: 401, code: 'unauthorized', message: 'no writeFiles' }]);
    fake.jsonSteps.set('b2_copy_file', [{ status: 400, code: 'bad_request', message: 'bad range' }]);
    const b2 = client();
    expect(await rejection(b2.hideFile({ bucketId: 'b', fileName: 'x' }))).toMatchObject({
      status: 401,
      code: 'unauthorized',
      message: 'no writeFiles',
    });
    expect(await rejection(b2.copyFile({ sourceFileId: 's', fileName: 'x' }))).toMatchObject({
      status: 400,
      code: 'bad_request',
      message: 'bad range',
    });
    expect(fake.count('/b2api/v4/b2_authorize_account')).toBe(1);
    expect(fake.count('/b2api/v4/b2_hide_file')).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('honours Retry-After on 429 and 503, and backs off on a reset', async () => {
    fake.jsonSteps.set('b2_list_buckets', [
      { status: 429, code: 'too_many_requests', retryAfter: 7 },
      { status: 503, code: 'service_unavailable', retryAfter: 2 },
      'reset',
    ]);
    await client().listBuckets({});
    expect(fake.count('/b2api/v4/b2_list_buckets')).toBe(4);
    expect(sleeps).toHaveLength(3);
    expect(sleeps[0]).toBeGreaterThanOrEqual(7000);
    expect(sleeps[1]).toBeGreaterThanOrEqual(2000);
    expect(sleeps[2]).toBeGreaterThan(0);
  });

  it('gives up after maxAttempts and reports the 503', async () => {
    fake.jsonSteps.set(
      'b2_list_keys',
      Array.from({ length: 5 }, () => ({ status: 503, code: 'service_unavailable' })),
    );
    const error = await rejection(client({ retry: { maxAttempts: 3, sleep: async () => {} } }).listKeys({}));
    expect(error).toMatchObject({ status: 503, code: 'service_unavailable' });
    expect(fake.count('/b2api/v4/b2_list_keys')).toBe(3);
  });

  it('reports a timeout and an abort with synthetic codes', async () => {
    fake.jsonSteps.set('b2_get_file_info', ['hang', 'hang']);
    const b2 = client({ timeout: 300, retry: { maxAttempts: 2, sleep: async () => {} } });
    expect(await rejection(b2.getFileInfo({ fileId: 'f' }))).toMatchObject({ status: 0, code: 'timeout' });

    fake.jsonSteps.set('b2_list_parts', ['hang']);
    const controller = new AbortController();
    const pending = b2.listParts({ fileId: 'f' }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect(await rejection(pending)).toMatchObject({ status: 0, code: 'aborted' });
  });

  it('iterates pages until B2 returns a null cursor', async () => {
    const names: string[] = [];
    for await (const file of client().iterateFileNames({ bucketId: 'b', maxFileCount: 2 }))
      names.push(file.fileName);
    expect(names).toEqual(['a', 'b', 'c']);
    expect(fake.count('/b2api/v4/b2_list_file_names')).toBe(2);
  });
});

describe('downloads', () => {
  it('returns parsed headers and the body stream, with ranges', async () => {
    const b2 = client();
    const full = await b2.downloadFileById('file-1');
    expect(full.status).toBe(200);
    expect(full.file).toMatchObject({
      fileId: 'file-1',
      fileName: 'dir/naïve file.txt',
      info: { author: 'Zoë' },
    });
    expect(await new Response(full.body).text()).toBe('0123456789');

    const part = await b2.downloadFileById('file-1', { range: { start: 5, end: 8 } });
    expect(part.status).toBe(206);
    expect(part.file.contentRange).toEqual({ start: 5, end: 8, size: 10 });
    expect(await new Response(part.body).text()).toBe('5678');

    const head = await b2.headFileById('file-1');
    expect(head.file.contentLength).toBe(10);
  });

  it('turns 416 into a B2Error and renews an expired account token', async () => {
    const b2 = client();
    expect(await rejection(b2.downloadFileById('file-1', { range: { start: 50 } }))).toMatchObject({
      status: 416,
      code: 'range_not_satisfiable',
    });
    fake.expiredTokens.add('account-token-1');
    const ok = await b2.downloadFileById('file-1');
    expect(ok.status).toBe(200);
    await ok.body.cancel();
    expect(fake.count('/b2api/v4/b2_authorize_account')).toBe(2);
  });

  it('re-authorizes once when a HEAD answers 401, which carries no error code', async () => {
    const b2 = client();
    fake.expiredTokens.add('account-token-1');
    expect((await b2.headFileById('file-1')).file.contentLength).toBe(10);
    expect(fake.count('/b2api/v4/b2_authorize_account')).toBe(2);

    // A token B2 keeps refusing is a permission problem: one renewal, then `unauthorized`.
    fake.expiredTokens.add('account-token-2').add('account-token-3');
    const error = await rejection(b2.headFileById('file-1'));
    expect(error).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(fake.count('/b2api/v4/b2_authorize_account')).toBe(3);
  });

  it('with one attempt allowed, a HEAD 401 fails as unauthorized without renewing', async () => {
    fake.expiredTokens.add('account-token-1');
    const error = await rejection(client({ retry: { maxAttempts: 1 } }).headFileById('file-1'));
    expect(error).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(fake.count('/b2api/v4/b2_authorize_account')).toBe(1);
  });

  it('does not re-authorize for a caller-supplied download token', async () => {
    fake.expiredTokens.add('download-token');
    const error = await rejection(client().downloadFileById('file-1', { authorization: 'download-token' }));
    expect(error).toMatchObject({ status: 401, code: 'expired_auth_token' });
    expect(fake.count('/b2api/v4/b2_authorize_account')).toBe(1);
  });
});
