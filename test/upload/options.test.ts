import { afterEach, describe, expect, it, vi } from 'vitest';
import { sleep } from '../../src/b2/retry.js';
import { resolveUploaderOptions, UPLOADER_DEFAULTS, type UploaderOptions } from '../../src/upload/options.js';
import { createUploader } from '../../src/upload/create-uploader.js';
import { createMemoryResumeStore } from '../../src/upload/resume-store.js';
import { createFakeB2 } from './fake-b2.js';

const timing = { sleep, random: Math.random };
const broker = createFakeB2().broker;

describe('uploader options', () => {
  const bad: [string, Partial<UploaderOptions> | Record<string, unknown>][] = [
    ['broker', { broker: '' }],
    ['broker', { broker: {} }],
    ['concurrency', { concurrency: Number.NaN }],
    ['concurrency', { concurrency: 0 }],
    ['concurrency', { concurrency: 2.5 }],
    ['partSize', { partSize: -1 }],
    ['partSize', { partSize: Number.POSITIVE_INFINITY }],
    ['resume', { resume: 'yes' }],
    ['wholeFileSha1', { wholeFileSha1: 1 }],
    ['largeFileTransport', { largeFileTransport: 'S3' }],
    // A BrokerClient without s3PartUrls can't sign S3 parts.
    ['largeFileTransport', { largeFileTransport: 's3' }],
    ['ifFileChanged', { ifFileChanged: 'retry' }],
    ['onFileChanged', { onFileChanged: 'ignore' }],
    ['onFileChanged', { ifFileChanged: 'fail', onFileChanged: 'restart' }],
    ['resumeTtlMs', { resumeTtlMs: 0 }],
    ['stallTimeoutMs', { stallTimeoutMs: Number.NaN }],
    ['stallTimeoutMs', { stallTimeoutMs: Number.POSITIVE_INFINITY }],
    ['reconnectPatienceMs', { reconnectPatienceMs: -5 }],
    ['retry', { retry: 3 }],
    ['retry.maxAttempts', { retry: { maxAttempts: 0 } }],
    ['retry.uploadAttempts', { retry: { uploadAttempts: Number.NaN } }],
    ['retry.initialDelayMs', { retry: { initialDelayMs: -1 } }],
    ['retry.multiplier', { retry: { multiplier: 0.5 } }],
    ['retry.maxDelayMs', { retry: { maxDelayMs: Number.NaN } }],
    ['hasher', { hasher: { sha1: 'no' } }],
  ];
  it.each(bad)('createUploader throws a TypeError naming %s', (name, options) => {
    const create = () => createUploader({ broker, ...options });
    expect(create).toThrow(TypeError);
    expect(create).toThrow(new RegExp(`^${name.replace('.', '\\.')} `));
  });

  it('fills every default once', () => {
    const { settings } = resolveUploaderOptions({ broker }, timing);
    expect(settings).toEqual({ ...UPLOADER_DEFAULTS, retry: { ...UPLOADER_DEFAULTS.retry, ...timing } });
  });

  it('still reads the deprecated onFileChanged', () => {
    expect(resolveUploaderOptions({ broker, onFileChanged: 'fail' }, timing).settings.ifFileChanged).toBe(
      'fail',
    );
    expect(resolveUploaderOptions({ broker, ifFileChanged: 'fail' }, timing).settings.ifFileChanged).toBe(
      'fail',
    );
  });

  it('keeps the retry timing hooks out of the public options', () => {
    const options = { broker, retry: { sleep: () => Promise.reject(new Error('used')), random: () => 2 } };
    const { settings } = resolveUploaderOptions(options as UploaderOptions, timing);
    expect(settings.retry.sleep).toBe(sleep);
    expect(settings.retry.random).toBe(Math.random);
  });
});

describe('createUploader', () => {
  afterEach(() => vi.unstubAllGlobals());

  /** A broker over `fetch` that answers config and whoami, and refuses the rest; paths asked go to `asked`. */
  const stubBroker = (asked: string[]) =>
    vi.stubGlobal('fetch', async (input: Request | string) => {
      const url = new URL(typeof input === 'string' ? input : input.url);
      asked.push(url.pathname);
      const body = url.pathname.endsWith('/config')
        ? {
            protocol: 1,
            minPartSize: 5,
            maxPartSize: 1e9,
            maxParts: 10_000,
            smallFileMaxSize: 1000,
            maxFileSize: 1e9,
            allowedTypes: null,
          }
        : url.pathname.endsWith('/whoami')
          ? { user: 'alice' }
          : { code: 'bad_request', message: 'not in this test' };
      return new Response(JSON.stringify(body), {
        status: url.pathname.endsWith('/config') || url.pathname.endsWith('/whoami') ? 200 : 400,
        headers: { 'content-type': 'application/json' },
      });
    });

  it('prepare() starts the hasher and asks for the user ahead of a pick, once; being made starts no hasher', async () => {
    const asked: string[] = [];
    stubBroker(asked);
    const warm = vi.fn();
    const hasher = { sha1: async () => '0'.repeat(40), warm, close() {} };
    // Uploads remembered in this page only: the user is not asked for as the uploader is made.
    const uploader = createUploader({ broker: 'http://127.0.0.1:9/b2up', resume: false, hasher });
    await vi.waitFor(() => expect(asked).toEqual(['/b2up/config']));
    expect(warm).not.toHaveBeenCalled();
    uploader.prepare();
    uploader.prepare();
    expect(warm).toHaveBeenCalled();
    await vi.waitFor(() => expect([...asked].sort()).toEqual(['/b2up/config', '/b2up/whoami']));
    uploader.close();
  });

  it('asks for the config and the user as it is made, and the first upload asks again for neither', async () => {
    const asked: string[] = [];
    stubBroker(asked);
    const uploader = createUploader({
      broker: 'http://127.0.0.1:9/b2up',
      resume: { ...createMemoryResumeStore(), persistent: true },
    });
    await vi.waitFor(() => expect([...asked].sort()).toEqual(['/b2up/config', '/b2up/whoami']), {
      timeout: 30_000,
    });
    await uploader.upload(new Blob(['x'])).done.catch(() => undefined);
    uploader.close();
    expect(asked.filter((path) => path.endsWith('/config') || path.endsWith('/whoami'))).toHaveLength(2);
  });
});

describe('retry.maxAttempts', () => {
  afterEach(() => vi.unstubAllGlobals());

  it.each([1, 2])('bounds the attempts of one broker call (%i)', async (maxAttempts) => {
    let calls = 0;
    // The config call is counted: whoami goes out beside it.
    vi.stubGlobal('fetch', async (input: Request | string) => {
      if ((typeof input === 'string' ? input : input.url).endsWith('/config')) calls += 1;
      return new Response('{"code":"b2_error","message":"boom"}', {
        status: 500,
        headers: { 'content-type': 'application/json' },
      });
    });
    const uploader = createUploader({
      broker: 'http://127.0.0.1:9/b2up',
      resume: false,
      retry: { maxAttempts, initialDelayMs: 0 },
    });
    // The uploader asked as it was made; then the upload asks again, as many times.
    await vi.waitFor(() => expect(calls).toBe(maxAttempts), { timeout: 30_000 });
    calls = 0;
    const failure = await uploader.upload(new Blob(['x'])).done.catch((error: unknown) => error);
    uploader.close();
    expect(failure).toMatchObject({ name: 'UploadError', status: 500 });
    expect(calls).toBe(maxAttempts);
  });
});
