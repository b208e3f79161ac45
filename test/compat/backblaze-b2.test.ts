/**
 * Proof the emulator speaks B2's wire format: the `backblaze-b2` npm package (written by others, against
 * the real service) drives a full bucket/file life cycle against it, unmodified. Its only hook is the
 * authorize URL: `authorize({axiosOverride: {url}})` replaces the hard-coded
 * https://api.backblazeb2.com realm; every later URL comes from the authorize response, as with real B2.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';

// backblaze-b2 ships no types; this is the slice of its API the test uses (responses are axios responses).
interface AxiosResponse<T = Record<string, unknown>> {
  status: number;
  data: T;
  headers: Record<string, string>;
}
type Call = (args?: Record<string, unknown>) => Promise<AxiosResponse>;
interface B2Client {
  apiUrl: string | null;
  downloadUrl: string | null;
  authorize: Call;
  createBucket: Call;
  deleteBucket: Call;
  listBuckets: Call;
  getUploadUrl: Call;
  uploadFile: Call;
  startLargeFile: Call;
  getUploadPartUrl: Call;
  uploadPart: Call;
  listParts: Call;
  finishLargeFile: Call;
  listFileNames: Call;
  listFileVersions: Call;
  getFileInfo: Call;
  downloadFileById: (args: Record<string, unknown>) => Promise<AxiosResponse<Buffer>>;
  downloadFileByName: (args: Record<string, unknown>) => Promise<AxiosResponse<Buffer>>;
  hideFile: Call;
  deleteFileVersion: Call;
}
const B2 = createRequire(import.meta.url)('backblaze-b2') as new (
  options: Record<string, unknown>,
) => B2Client;

const sha1 = (data: Buffer) => createHash('sha1').update(data).digest('hex');
const MIN_PART_SIZE = 100_000;

/** The B2 error body of a rejected axios call, or a failure if the call did not fail over HTTP. */
async function b2Error(
  call: Promise<unknown>,
): Promise<{ httpStatus: number; status: number; code: string }> {
  try {
    await call;
  } catch (error) {
    const response = (error as { response?: AxiosResponse<{ status: number; code: string }> }).response;
    if (!response) throw error;
    return { httpStatus: response.status, status: response.data.status, code: response.data.code };
  }
  throw new Error('expected the call to fail');
}

describe('backblaze-b2 (npm) against the emulator', () => {
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  let b2: B2Client;
  let bucketId: string;
  const bucketName = 'compat-bucket-1';
  const small = Buffer.from('hello from backblaze-b2 via the b2up emulator\n');
  const smallName = 'docs/hello world+plus.txt';
  const part1 = randomBytes(MIN_PART_SIZE);
  const part2 = randomBytes(12_345);
  const bigName = 'big/large file.bin';
  let smallId: string;
  let bigId: string;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, host: '127.0.0.1', minPartSize: MIN_PART_SIZE });
    // retries: 0 so an emulator fault surfaces here instead of being retried away by axios-retry.
    b2 = new B2({ applicationKeyId: emulator.keyId, applicationKey: emulator.key, retry: { retries: 0 } });
  });
  afterAll(async () => {
    await emulator?.close();
  });

  it('authorizes through its real authorize call, pointed at the emulator', async () => {
    const res = await b2.authorize({
      axiosOverride: { url: `${emulator.url}/b2api/v2/b2_authorize_account` },
    });
    expect(res.status).toBe(200);
    expect(res.data.accountId).toBe(emulator.accountId);
    expect(res.data.absoluteMinimumPartSize).toBe(MIN_PART_SIZE);
    expect(typeof res.data.authorizationToken).toBe('string');
    expect(b2.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    expect(b2.downloadUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
  });

  it('refuses a wrong key with 401 the way B2 does', async () => {
    const wrong = new B2({
      applicationKeyId: emulator.keyId,
      applicationKey: 'not-the-key',
      retry: { retries: 0 },
    });
    const error = await b2Error(
      wrong.authorize({ axiosOverride: { url: `${emulator.url}/b2api/v2/b2_authorize_account` } }),
    );
    expect(error.httpStatus).toBe(401);
    expect(error.status).toBe(401);
    expect(['unauthorized', 'bad_auth_token']).toContain(error.code);
  });

  it('creates a bucket and lists it', async () => {
    const created = await b2.createBucket({ bucketName, bucketType: 'allPrivate' });
    expect(created.data).toMatchObject({
      bucketName,
      bucketType: 'allPrivate',
      accountId: emulator.accountId,
    });
    bucketId = created.data.bucketId as string;
    const listed = await b2.listBuckets();
    const buckets = listed.data.buckets as { bucketId: string; bucketName: string }[];
    expect(buckets.map((b) => b.bucketName)).toContain(bucketName);
    const duplicate = await b2Error(b2.createBucket({ bucketName, bucketType: 'allPrivate' }));
    expect(duplicate).toEqual({ httpStatus: 400, status: 400, code: 'duplicate_bucket_name' });
  });

  it('uploads a small file with info headers (getUploadUrl + uploadFile)', async () => {
    const url = await b2.getUploadUrl({ bucketId });
    const uploaded = await b2.uploadFile({
      uploadUrl: url.data.uploadUrl,
      uploadAuthToken: url.data.authorizationToken,
      fileName: smallName,
      data: small,
      mime: 'text/plain',
      info: { author: 'Zoë Q', src_last_modified_millis: '1700000000000' },
    });
    expect(uploaded.data).toMatchObject({
      action: 'upload',
      bucketId,
      fileName: smallName,
      contentLength: small.length,
      contentSha1: sha1(small),
      contentType: 'text/plain',
      fileInfo: { author: 'Zoë Q', src_last_modified_millis: '1700000000000' },
    });
    smallId = uploaded.data.fileId as string;
  });

  it('rejects a wrong SHA-1 with 400 bad_request and stores nothing', async () => {
    const url = await b2.getUploadUrl({ bucketId });
    const error = await b2Error(
      b2.uploadFile({
        uploadUrl: url.data.uploadUrl,
        uploadAuthToken: url.data.authorizationToken,
        fileName: 'corrupt.txt',
        data: small,
        hash: sha1(Buffer.from('something else')),
      }),
    );
    expect(error).toEqual({ httpStatus: 400, status: 400, code: 'bad_request' });
  });

  it('uploads a large file in two parts (startLargeFile, getUploadPartUrl, uploadPart, finishLargeFile)', async () => {
    const started = await b2.startLargeFile({
      bucketId,
      fileName: bigName,
      contentType: 'application/octet-stream',
    });
    expect(started.data).toMatchObject({ action: 'start', fileName: bigName, bucketId });
    bigId = started.data.fileId as string;
    const partUrl = await b2.getUploadPartUrl({ fileId: bigId });
    for (const [index, data] of [part1, part2].entries()) {
      const res = await b2.uploadPart({
        uploadUrl: partUrl.data.uploadUrl,
        uploadAuthToken: partUrl.data.authorizationToken,
        partNumber: index + 1,
        data,
      });
      expect(res.data).toMatchObject({
        fileId: bigId,
        partNumber: index + 1,
        contentLength: data.length,
        contentSha1: sha1(data),
      });
    }
    const parts = await b2.listParts({ fileId: bigId, startPartNumber: 1 });
    expect((parts.data.parts as { partNumber: number }[]).map((p) => p.partNumber)).toEqual([1, 2]);
    const finished = await b2.finishLargeFile({ fileId: bigId, partSha1Array: [sha1(part1), sha1(part2)] });
    expect(finished.data).toMatchObject({
      action: 'upload',
      fileId: bigId,
      fileName: bigName,
      contentLength: part1.length + part2.length,
    });
  });

  it('lists names and versions', async () => {
    const names = await b2.listFileNames({ bucketId, maxFileCount: 100 });
    expect((names.data.files as { fileName: string }[]).map((f) => f.fileName)).toEqual([bigName, smallName]);
    const versions = await b2.listFileVersions({ bucketId, maxFileCount: 100 });
    expect((versions.data.files as { fileId: string }[]).map((f) => f.fileId).sort()).toEqual(
      [bigId, smallId].sort(),
    );
    const info = await b2.getFileInfo({ fileId: smallId });
    expect(info.data).toMatchObject({ fileId: smallId, fileName: smallName, contentSha1: sha1(small) });
  });

  it('downloads by id and by name, byte for byte', async () => {
    const byId = await b2.downloadFileById({ fileId: smallId, responseType: 'arraybuffer' });
    expect(Buffer.from(byId.data).equals(small)).toBe(true);
    expect(byId.headers['x-bz-content-sha1']).toBe(sha1(small));
    expect(byId.headers['x-bz-file-id']).toBe(smallId);
    expect(decodeURIComponent(byId.headers['x-bz-info-author'] ?? '')).toBe('Zoë Q');

    const byName = await b2.downloadFileByName({
      bucketName,
      fileName: smallName,
      responseType: 'arraybuffer',
    });
    expect(Buffer.from(byName.data).equals(small)).toBe(true);

    const big = await b2.downloadFileByName({ bucketName, fileName: bigName, responseType: 'arraybuffer' });
    expect(Buffer.from(big.data).equals(Buffer.concat([part1, part2]))).toBe(true);
  });

  it('serves injected faults in B2 error shape, and honours X-Bz-Test-Mode', async () => {
    const url = await b2.getUploadUrl({ bucketId });
    const upload = (extra: Record<string, unknown> = {}) =>
      b2.uploadFile({
        uploadUrl: url.data.uploadUrl,
        uploadAuthToken: url.data.authorizationToken,
        fileName: 'faulted.txt',
        data: small,
        ...extra,
      });
    emulator.faults.add({ endpoints: ['b2_upload_file'], fault: '503' });
    expect(await b2Error(upload())).toEqual({ httpStatus: 503, status: 503, code: 'service_unavailable' });
    const capped = await b2Error(
      upload({ axiosOverride: { headers: { 'X-Bz-Test-Mode': 'force_cap_exceeded' } } }),
    );
    expect(capped).toEqual({ httpStatus: 403, status: 403, code: 'cap_exceeded' });
    expect(emulator.faults.history().map((f) => f.source)).toEqual(['rule', 'test_mode']);
  });

  it('hides a file: gone from names and downloads, still in versions', async () => {
    const hidden = await b2.hideFile({ bucketId, fileName: smallName });
    expect(hidden.data).toMatchObject({ action: 'hide', fileName: smallName });
    const names = await b2.listFileNames({ bucketId, maxFileCount: 100 });
    expect((names.data.files as { fileName: string }[]).map((f) => f.fileName)).toEqual([bigName]);
    const versions = await b2.listFileVersions({ bucketId, maxFileCount: 100 });
    const actions = (versions.data.files as { fileName: string; action: string }[])
      .filter((f) => f.fileName === smallName)
      .map((f) => f.action);
    expect(actions).toEqual(['hide', 'upload']);
    const error = await b2Error(
      b2.downloadFileByName({ bucketName, fileName: smallName, responseType: 'arraybuffer' }),
    );
    expect(error.httpStatus).toBe(404);
  });

  it('deletes every version, then the bucket', async () => {
    const versions = await b2.listFileVersions({ bucketId, maxFileCount: 100 });
    for (const f of versions.data.files as { fileId: string; fileName: string }[]) {
      const deleted = await b2.deleteFileVersion({ fileId: f.fileId, fileName: f.fileName });
      expect(deleted.data).toMatchObject({ fileId: f.fileId, fileName: f.fileName });
    }
    const after = await b2.listFileVersions({ bucketId, maxFileCount: 100 });
    expect(after.data.files).toEqual([]);
    const deleted = await b2.deleteBucket({ bucketId });
    expect(deleted.data).toMatchObject({ bucketId, bucketName });
    const listed = await b2.listBuckets();
    expect((listed.data.buckets as { bucketId: string }[]).map((b) => b.bucketId)).not.toContain(bucketId);
  });
});
