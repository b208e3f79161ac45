/**
 * Fault injection as a third-party client sees it: `backblaze-b2` (npm) against the emulator, with faults
 * armed through the HTTP control endpoints (`/__emulator/*`) exactly as docs/emulator-testing.md shows.
 * Socket faults must reach the client as real connection errors; status faults as B2 error bodies.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';

interface AxiosResponse {
  status: number;
  data: Record<string, unknown>;
  headers: Record<string, string>;
}
type Call = (args?: Record<string, unknown>) => Promise<AxiosResponse>;
interface B2Client {
  authorize: Call;
  createBucket: Call;
  listBuckets: Call;
  getUploadUrl: Call;
  uploadFile: Call;
  startLargeFile: Call;
  getUploadPartUrl: Call;
  uploadPart: Call;
}
const B2 = createRequire(import.meta.url)('backblaze-b2') as new (
  options: Record<string, unknown>,
) => B2Client;

/** What a call ended in, in a word: "200", "503 service_unavailable", or a socket error code. */
async function outcome(call: Promise<AxiosResponse>): Promise<string> {
  try {
    return String((await call).status);
  } catch (error) {
    const e = error as { response?: AxiosResponse; code?: string };
    if (e.response) return `${e.response.status} ${String(e.response.data.code)}`;
    return `socket ${e.code}`;
  }
}

describe('backblaze-b2 under injected faults (HTTP control endpoints)', () => {
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  let b2: B2Client;
  let bucketId: string;
  const control = async <T = Record<string, unknown>>(path: string, body?: unknown) => {
    const res = await fetch(`${emulator.url}/__emulator/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T };
  };
  const upload = async (name: string) => {
    const url = await b2.getUploadUrl({ bucketId });
    const data = Buffer.alloc(4096, name);
    return b2.uploadFile({
      uploadUrl: url.data.uploadUrl,
      uploadAuthToken: url.data.authorizationToken,
      fileName: name,
      data,
    });
  };

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, minPartSize: 1000 });
    b2 = new B2({ applicationKeyId: emulator.keyId, applicationKey: emulator.key, retry: { retries: 0 } });
    await b2.authorize({ axiosOverride: { url: `${emulator.url}/b2api/v2/b2_authorize_account` } });
    bucketId = (await b2.createBucket({ bucketName: 'faulty-bucket', bucketType: 'allPrivate' })).data
      .bucketId as string;
  });
  afterAll(async () => {
    await emulator?.close();
  });
  beforeEach(async () => {
    expect((await control('faults/clear', {})).status).toBe(200);
    await control('counters/reset', {});
  });

  it('one-shot rules: 429 with Retry-After, reset, reset mid-body, then normal service', async () => {
    const armed = await control<{ rules: unknown[] }>('faults', {
      rules: [
        { endpoints: ['b2_list_buckets'], fault: '429' },
        { endpoints: ['b2_upload_file'], fault: 'reset' },
        { endpoints: ['b2_upload_part'], fault: { kind: 'reset_mid_body', afterBytes: 1500 } },
      ],
    });
    expect(armed.status).toBe(200);
    expect(armed.body.rules).toHaveLength(3);

    const limited = await b2.listBuckets().catch((e: { response: AxiosResponse }) => e.response);
    expect(limited.status).toBe(429);
    expect(limited.data).toMatchObject({ status: 429, code: 'too_many_requests' });
    expect(limited.headers['retry-after']).toBe('1');
    expect(await outcome(b2.listBuckets())).toBe('200');

    expect(await outcome(upload('reset.bin'))).toMatch(/^socket /);
    expect(await outcome(upload('fine.bin'))).toBe('200');

    const started = await b2.startLargeFile({ bucketId, fileName: 'large.bin' });
    const partUrl = await b2.getUploadPartUrl({ fileId: started.data.fileId });
    const part = Buffer.alloc(5000, 7);
    const sendPart = () =>
      b2.uploadPart({
        uploadUrl: partUrl.data.uploadUrl,
        uploadAuthToken: partUrl.data.authorizationToken,
        partNumber: 1,
        data: part,
        hash: createHash('sha1').update(part).digest('hex'),
      });
    expect(await outcome(sendPart())).toMatch(/^socket /);
    expect(await outcome(sendPart())).toBe('200');

    type Injected = { endpoint: string; kind: string; source: string };
    const history = (await control<Injected[]>('faults/history')).body;
    expect(history.map((h) => [h.endpoint, h.kind, h.source])).toEqual([
      ['b2_list_buckets', 'status', 'rule'],
      ['b2_upload_file', 'reset', 'rule'],
      ['b2_upload_part', 'reset_mid_body', 'rule'],
    ]);
    const counters = (await control('counters')).body as {
      endpoints: Record<
        string,
        { requests: number; bytesReceived: number; statuses: Record<string, number> }
      >;
    };
    expect(counters.endpoints.b2_upload_part?.requests).toBe(2);
    // The faulted part stopped at 1500 bytes; the retry delivered all 5000.
    expect(counters.endpoints.b2_upload_part?.bytesReceived).toBe(1500 + 5000);
    expect(counters.endpoints.b2_upload_part?.statuses).toEqual({ '200': 1 });
    expect(counters.endpoints.b2_list_buckets?.statuses).toEqual({ '200': 1, '429': 1 });
  });

  it('reset_after_store: the client sees a reset, yet the file was stored', async () => {
    await control('faults', { rules: [{ endpoints: ['b2_upload_file'], fault: 'reset_after_store' }] });
    expect(await outcome(upload('stored-anyway.bin'))).toMatch(/^socket /);
    const names = await fetch(`${emulator.url}/b2api/v2/b2_list_file_names`, {
      method: 'POST',
      headers: { Authorization: await token(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ bucketId, prefix: 'stored-anyway' }),
    });
    const body = (await names.json()) as { files: { fileName: string }[] };
    expect(body.files.map((f) => f.fileName)).toEqual(['stored-anyway.bin']);
  });

  it('a seeded schedule gives the same outcomes for the same seed and request order', async () => {
    const run = async () => {
      await control('faults', {
        clear: true,
        schedule: { seed: 2024, rate: 0.4, kinds: ['503', '500', '408'] },
      });
      const outcomes: string[] = [];
      for (let i = 0; i < 25; i++) outcomes.push(await outcome(b2.listBuckets()));
      return outcomes;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(first).toContain('200');
    expect(
      first.some((o) => /^(503 service_unavailable|500 internal_error|408 request_timeout)$/.test(o)),
    ).toBe(true);
  });

  it('X-Bz-Test-Mode: fail_some_uploads fails some uploads with 503 and lets the rest through', async () => {
    const outcomes: string[] = [];
    const url = await b2.getUploadUrl({ bucketId });
    for (let i = 0; i < 24; i++) {
      const data = Buffer.from(`file ${i}`);
      outcomes.push(
        await outcome(
          b2.uploadFile({
            uploadUrl: url.data.uploadUrl,
            uploadAuthToken: url.data.authorizationToken,
            fileName: `test-mode/${i}.txt`,
            data,
            axiosOverride: { headers: { 'X-Bz-Test-Mode': 'fail_some_uploads' } },
          }),
        ),
      );
    }
    expect(new Set(outcomes)).toEqual(new Set(['200', '503 service_unavailable']));
  });

  it('clock control and token expiry answer 401 expired_auth_token', async () => {
    expect(await outcome(b2.listBuckets())).toBe('200');
    const advanced = await control('clock/advance', { ms: 25 * 3600_000 });
    expect(advanced.status).toBe(200);
    expect(await outcome(b2.listBuckets())).toBe('401 expired_auth_token');
    await b2.authorize({ axiosOverride: { url: `${emulator.url}/b2api/v2/b2_authorize_account` } });
    expect(await outcome(b2.listBuckets())).toBe('200');
    expect((await control('tokens/expire', {})).status).toBe(200);
    expect(await outcome(b2.listBuckets())).toBe('401 expired_auth_token');
    await b2.authorize({ axiosOverride: { url: `${emulator.url}/b2api/v2/b2_authorize_account` } });
    expect(await outcome(b2.listBuckets())).toBe('200');
  });

  it('refuses a bad fault config with 400 and arms nothing', async () => {
    const bad = await control('faults', { rules: [{ endpoints: ['b2_upload_fil'], fault: '503' }] });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ status: 400, code: 'bad_request' });
    expect((await control<{ rules: unknown[] }>('faults')).body.rules).toEqual([]);
  });

  async function token(): Promise<string> {
    const basic = Buffer.from(`${emulator.keyId}:${emulator.key}`).toString('base64');
    const res = await fetch(`${emulator.url}/b2api/v2/b2_authorize_account`, {
      headers: { Authorization: `Basic ${basic}` },
    });
    return ((await res.json()) as { authorizationToken: string }).authorizationToken;
  }
});
