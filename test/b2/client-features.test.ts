/**
 * The client's Object Lock, SSE-C, response-override, download-URL and progress features, each
 * against the emulator.
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { type B2Client, buildDownloadUrl, customerKey } from '../../src/b2/index.js';
import type { Emulator } from '../../src/emulator/index.js';
import { rejection } from './rejection.js';
import { useEmulatorClient } from './use-emulator.js';

const text = (stream: ReadableStream<Uint8Array>) => new Response(stream).text();

describe('B2 client: Object Lock, SSE-C, overrides, download URLs, progress', () => {
  let emulator: Emulator;
  let b2: B2Client;
  let bucketId: string;
  const bucketName = 'b2up-client-features';

  useEmulatorClient((opened) => ({ emulator, b2 } = opened));
  beforeAll(async () => {
    const bucket = await b2.createBucket({
      bucketName,
      bucketType: 'allPrivate',
      fileLockEnabled: true,
      defaultRetention: { mode: null },
    });
    bucketId = bucket.bucketId;
  });

  it('updateFileRetention and updateFileLegalHold, with governance bypass on delete', async () => {
    const file = await b2.uploadFile({ bucketId, fileName: 'lock/a.txt', body: 'locked' });
    const until = emulator.clock.now() + 3_600_000;
    const retention = await b2.updateFileRetention({
      fileId: file.fileId!,
      fileName: file.fileName,
      fileRetention: { mode: 'governance', retainUntilTimestamp: until },
    });
    expect(retention.fileRetention).toEqual({ mode: 'governance', retainUntilTimestamp: until });
    const hold = await b2.updateFileLegalHold({
      fileId: file.fileId!,
      fileName: file.fileName,
      legalHold: 'on',
    });
    expect(hold.legalHold).toBe('on');
    const head = await b2.headFileById(file.fileId!);
    expect(head.file.fileRetention).toEqual({ mode: 'governance', retainUntilTimestamp: until });
    expect(head.file.legalHold).toBe('on');
    const refused = await rejection(b2.deleteFileVersion({ fileId: file.fileId!, fileName: file.fileName }));
    expect([refused.status, refused.code]).toEqual([403, 'access_denied']);
    await b2.updateFileLegalHold({ fileId: file.fileId!, fileName: file.fileName, legalHold: 'off' });
    await b2.deleteFileVersion({ fileId: file.fileId!, fileName: file.fileName, bypassGovernance: true });
  });

  it('bucket default retention, and lock fields on copyFile and startLargeFile', async () => {
    const updated = await b2.updateBucket({
      bucketId,
      defaultRetention: { mode: 'governance', period: { duration: 2, unit: 'days' } },
    });
    expect(updated.fileLockConfiguration.value?.defaultRetention.mode).toBe('governance');
    const source = await b2.uploadFile({ bucketId, fileName: 'lock/src.txt', body: 'src' });
    expect(source.fileRetention?.value?.mode).toBe('governance');
    const until = emulator.clock.now() + 60_000;
    const copy = await b2.copyFile({
      sourceFileId: source.fileId!,
      fileName: 'lock/copy.txt',
      fileRetention: { mode: 'compliance', retainUntilTimestamp: until },
      legalHold: 'on',
    });
    expect(copy.fileRetention?.value).toEqual({ mode: 'compliance', retainUntilTimestamp: until });
    expect(copy.legalHold?.value).toBe('on');
    const started = await b2.startLargeFile({
      bucketId,
      fileName: 'lock/large.bin',
      contentType: 'b2/x-auto',
      legalHold: 'on',
    });
    expect(started.legalHold?.value).toBe('on');
    await b2.updateBucket({ bucketId, defaultRetention: { mode: null } });
  });

  it('SSE-C through copyFile, downloads and HEAD; refused without the key', async () => {
    const key = await customerKey(randomBytes(32));
    expect(key.customerKey).toHaveLength(44);
    const plain = await b2.uploadFile({ bucketId, fileName: 'ssec/plain.txt', body: 'guarded' });
    const ssec = { mode: 'SSE-C' as const, algorithm: 'AES256' as const, ...key };
    const encrypted = await b2.copyFile({
      sourceFileId: plain.fileId!,
      fileName: 'ssec/copy.txt',
      destinationServerSideEncryption: ssec,
    });
    expect(encrypted.serverSideEncryption).toEqual({ mode: 'SSE-C', algorithm: 'AES256' });
    const got = await b2.downloadFileById(encrypted.fileId!, { encryption: key });
    expect(await text(got.body)).toBe('guarded');
    expect(got.file.serverSideEncryption).toBe('SSE-C');
    const byName = await b2.headFileByName(bucketName, 'ssec/copy.txt', { encryption: key });
    expect(byName.file.fileId).toBe(encrypted.fileId);
    const missing = await rejection(b2.downloadFileById(encrypted.fileId!));
    expect([missing.status, missing.code]).toEqual([403, 'access_denied']);
    const back = await b2.copyFile({
      sourceFileId: encrypted.fileId!,
      fileName: 'ssec/back.txt',
      sourceServerSideEncryption: ssec,
      destinationServerSideEncryption: { mode: 'SSE-B2', algorithm: 'AES256' },
    });
    expect((await b2.headFileById(back.fileId!)).file.serverSideEncryption).toBe('SSE-B2');
    await expect(customerKey(new Uint8Array(16))).rejects.toThrow(RangeError);
  });

  it('downloads by name with b2Content* overrides a download authorization was minted with', async () => {
    await b2.uploadFile({ bucketId, fileName: 'share/report.pdf', body: '%PDF-1.7' });
    const overrides = {
      b2ContentDisposition: 'attachment; filename="q3 report.pdf"',
      b2CacheControl: 'max-age=60',
    };
    const { authorizationToken } = await b2.getDownloadAuthorization({
      bucketId,
      fileNamePrefix: 'share/',
      validDurationInSeconds: 600,
      ...overrides,
    });
    const got = await b2.downloadFileByName(bucketName, 'share/report.pdf', {
      authorization: authorizationToken,
      overrides,
    });
    expect(got.headers.get('content-disposition')).toBe(overrides.b2ContentDisposition);
    expect(got.headers.get('cache-control')).toBe('max-age=60');
    expect(await text(got.body)).toBe('%PDF-1.7');
    const without = await rejection(
      b2.downloadFileByName(bucketName, 'share/report.pdf', { authorization: authorizationToken }),
    );
    expect(without.status).toBe(401);

    // The same download as a plain link: token and overrides in the URL, no headers at all.
    const { downloadUrl } = await b2.authorize();
    const link = buildDownloadUrl(
      downloadUrl,
      { bucketName, fileName: 'share/report.pdf' },
      {
        authorization: authorizationToken,
        overrides,
      },
    );
    expect(link).toContain('/file/b2up-client-features/share/report.pdf?Authorization=');
    const res = await fetch(link);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(overrides.b2ContentDisposition);
    expect(
      await b2.getDownloadUrl(
        { bucketName, fileName: 'share/report.pdf' },
        { authorization: authorizationToken, overrides },
      ),
    ).toBe(link);
    expect(() => buildDownloadUrl(downloadUrl, { fileId: 'x' }, { authorization: 't' })).toThrow(TypeError);
  });

  it('uploads with SSE-C (file and parts) and lock fields', async () => {
    const key = await customerKey(randomBytes(32));
    const small = await b2.uploadFile({
      bucketId,
      fileName: 'ssec/small.txt',
      body: 'small secret',
      encryption: { mode: 'SSE-C', ...key },
      legalHold: 'on',
      fileRetention: { mode: 'governance', retainUntilTimestamp: emulator.clock.now() + 60_000 },
    });
    expect(small.serverSideEncryption?.mode).toBe('SSE-C');
    expect(small.legalHold?.value).toBe('on');
    expect(small.fileRetention?.value?.mode).toBe('governance');
    expect(await text((await b2.downloadFileById(small.fileId!, { encryption: key })).body)).toBe(
      'small secret',
    );
    const b2Encrypted = await b2.uploadFile({
      bucketId,
      fileName: 'sse-b2.txt',
      body: 'x',
      encryption: { mode: 'SSE-B2' },
    });
    expect(b2Encrypted.serverSideEncryption?.mode).toBe('SSE-B2');

    const started = await b2.startLargeFile({
      bucketId,
      fileName: 'ssec/large.bin',
      contentType: 'b2/x-auto',
      serverSideEncryption: { mode: 'SSE-C', algorithm: 'AES256', ...key },
    });
    const parts = [randomBytes(2048), randomBytes(10)];
    const refused = await rejection(
      b2.uploadPart({ fileId: started.fileId!, partNumber: 1, body: parts[0]! }),
    );
    expect([refused.status, refused.code]).toEqual([403, 'access_denied']);
    const sent = await Promise.all(
      parts.map((body, i) =>
        b2.uploadPart({ fileId: started.fileId!, partNumber: i + 1, body, encryption: key }),
      ),
    );
    const done = await b2.finishLargeFile({
      fileId: started.fileId!,
      partSha1Array: sent.map((p) => p.contentSha1),
    });
    const got = await b2.downloadFileById(done.fileId!, { encryption: key });
    expect(Buffer.from(await new Response(got.body).arrayBuffer()).equals(Buffer.concat(parts))).toBe(true);
  });

  it('reports upload progress as the connection takes the bytes, file and part', async () => {
    const body = randomBytes(300_000);
    const fileEvents: { loaded: number; total: number }[] = [];
    const file = await b2.uploadFile({
      bucketId,
      fileName: 'progress/up.bin',
      body: new Blob([body]),
      onUploadProgress: (p) => fileEvents.push(p),
    });
    expect(file.contentLength).toBe(body.length);
    expect(fileEvents.length).toBeGreaterThan(1);
    expect(fileEvents.at(-1)).toEqual({ loaded: body.length, total: body.length });
    expect(fileEvents.every((p, i) => i === 0 || p.loaded > fileEvents[i - 1]!.loaded)).toBe(true);
    const started = await b2.startLargeFile({
      bucketId,
      fileName: 'progress/large.bin',
      contentType: 'b2/x-auto',
    });
    const partEvents: number[] = [];
    const part = await b2.uploadPart({
      fileId: started.fileId!,
      partNumber: 1,
      body,
      onUploadProgress: ({ loaded }) => partEvents.push(loaded),
    });
    expect(part.contentLength).toBe(body.length);
    expect(partEvents.at(-1)).toBe(body.length);
  });

  it('reports download progress up to the body length', async () => {
    const body = randomBytes(300_000);
    const file = await b2.uploadFile({ bucketId, fileName: 'progress/blob.bin', body });
    const seen: { loaded: number; total: number }[] = [];
    const got = await b2.downloadFileById(file.fileId!, { onProgress: (p) => seen.push(p) });
    const received = new Uint8Array(await new Response(got.body).arrayBuffer());
    expect(received.byteLength).toBe(body.length);
    expect(seen.at(-1)).toEqual({ loaded: body.length, total: body.length });
    expect(seen.every((p, i) => i === 0 || p.loaded > seen[i - 1]!.loaded)).toBe(true);
  });
});
