/**
 * Every client operation against the local B2 emulator (src/emulator), one bucket's life from
 * creation to deletion, then the retry rules against the emulator's fault injection.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { type B2Client, createB2Client, type FileVersion, uploadFileToTarget } from '../../src/b2/index.js';
import type { Emulator } from '../../src/emulator/index.js';
import { rejection } from './rejection.js';
import { useEmulatorClient } from './use-emulator.js';

const sha1 = (data: Uint8Array | string) => createHash('sha1').update(data).digest('hex');
const bytes = (length: number, seed: number) => new Uint8Array(length).map((_, i) => (i * 31 + seed) % 256);
const text = (stream: ReadableStream<Uint8Array>) => new Response(stream).text();
const binary = async (stream: ReadableStream<Uint8Array>) =>
  new Uint8Array(await new Response(stream).arrayBuffer());

describe('B2 client against the emulator', () => {
  const minPartSize = 1024;
  const bucketName = 'b2up-client-test';
  let emulator: Emulator;
  let b2: B2Client;
  let bucketId: string;
  let small: FileVersion;
  let large: FileVersion;
  const largeParts = [bytes(2048, 1), bytes(2048, 2), bytes(100, 3)];
  const largeContent = new Uint8Array(largeParts.reduce((n, p) => n + p.length, 0));
  largeParts.reduce((offset, part) => {
    largeContent.set(part, offset);
    return offset + part.length;
  }, 0);

  useEmulatorClient((opened) => ({ emulator, b2 } = opened), { minPartSize });

  it('authorizes and normalises the v4 answer', async () => {
    const authorization = await b2.authorize();
    expect(authorization.accountId).toBe(emulator.accountId);
    expect(authorization.absoluteMinimumPartSize).toBe(minPartSize);
    expect(authorization.allowed.buckets).toBeNull();
    expect(authorization.allowed.capabilities).toContain('writeFiles');
  });

  it('creates, lists and updates a bucket', async () => {
    const bucket = await b2.createBucket({ bucketName, bucketType: 'allPrivate' });
    bucketId = bucket.bucketId;
    expect(bucket.bucketName).toBe(bucketName);
    const { buckets } = await b2.listBuckets({ bucketName });
    expect(buckets.map((b) => b.bucketId)).toEqual([bucketId]);
    const updated = await b2.updateBucket({ bucketId, bucketInfo: { purpose: 'test' } });
    expect(updated.bucketInfo).toEqual({ purpose: 'test' });
    expect(updated.revision).toBe(bucket.revision + 1);
  });

  it('uploads small files with info, hex_digits_at_end and a brokered target', async () => {
    small = await b2.uploadFile({
      bucketId,
      fileName: 'hello/wörld +1.txt',
      body: 'hello, world',
      contentType: 'text/plain',
      info: { author: 'Zoë & co', 'b2-content-disposition': 'attachment' },
      lastModifiedMillis: 1_700_000_000_000,
    });
    expect(small).toMatchObject({
      action: 'upload',
      fileName: 'hello/wörld +1.txt',
      contentLength: 12,
      contentSha1: sha1('hello, world'),
      contentType: 'text/plain',
    });
    expect(small.fileInfo).toMatchObject({ author: 'Zoë & co', src_last_modified_millis: '1700000000000' });

    const atEnd = await b2.uploadFile({
      bucketId,
      fileName: 'p/at-end',
      body: 'trailing',
      contentSha1: 'hex_digits_at_end',
    });
    expect(atEnd).toMatchObject({ contentLength: 8, contentSha1: sha1('trailing') });

    for (const n of [1, 2, 3]) {
      await b2.uploadFile({ bucketId, fileName: `p/${n}`, body: new Blob([`blob ${n}`]) });
    }
    const target = await b2.getUploadUrl({ bucketId });
    const brokered = await uploadFileToTarget(target, { fileName: 'p/brokered', body: bytes(10, 9) });
    expect(brokered.contentSha1).toBe(sha1(bytes(10, 9)));
  });

  it('uploads a large file in parts, lists parts and unfinished files, then finishes', async () => {
    large = await b2.startLargeFile({
      bucketId,
      fileName: 'large.bin',
      contentType: 'application/octet-stream',
    });
    const spare = await b2.startLargeFile({ bucketId, fileName: 'spare.bin', contentType: 'b2/x-auto' });
    const fileId = large.fileId!;
    const uploaded = await Promise.all(
      largeParts.map((body, i) => b2.uploadPart({ fileId, partNumber: i + 1, body })),
    );
    expect(uploaded.map((p) => p.contentSha1)).toEqual(largeParts.map((p) => sha1(p)));

    const parts = [];
    for await (const part of b2.iterateParts({ fileId, maxPartCount: 2 })) parts.push(part);
    expect(parts.map((p) => p.partNumber)).toEqual([1, 2, 3]);
    expect((await b2.listParts({ fileId, maxPartCount: 1 })).nextPartNumber).toBe(2);

    const unfinished = [];
    for await (const file of b2.iterateUnfinishedLargeFiles({ bucketId, maxFileCount: 1 }))
      unfinished.push(file);
    expect(unfinished.map((f) => f.fileId).sort()).toEqual([fileId, spare.fileId].sort());
    expect((await b2.listUnfinishedLargeFiles({ bucketId })).files).toHaveLength(2);

    const finished = await b2.finishLargeFile({ fileId, partSha1Array: largeParts.map((p) => sha1(p)) });
    expect(finished).toMatchObject({ fileId, action: 'upload', contentLength: largeContent.length });
    large = finished;

    const cancelled = await b2.cancelLargeFile({ fileId: spare.fileId! });
    expect(cancelled).toMatchObject({ fileId: spare.fileId, fileName: 'spare.bin', bucketId });
    expect((await b2.listUnfinishedLargeFiles({ bucketId })).files).toEqual([]);
  });

  it('lists names and versions across pages', async () => {
    const expected = ['hello/wörld +1.txt', 'large.bin', 'p/1', 'p/2', 'p/3', 'p/at-end', 'p/brokered'];
    const names = [];
    for await (const file of b2.iterateFileNames({ bucketId, maxFileCount: 2 })) names.push(file.fileName);
    expect(names).toEqual(expected);
    const page = await b2.listFileNames({ bucketId, maxFileCount: 2 });
    expect(page.files).toHaveLength(2);
    expect(page.nextFileName).not.toBeNull();

    await b2.uploadFile({ bucketId, fileName: 'p/1', body: 'second version' });
    const versions = [];
    for await (const file of b2.iterateFileVersions({ bucketId, prefix: 'p/', maxFileCount: 1 })) {
      versions.push(file.fileName);
    }
    expect(versions).toEqual(['p/1', 'p/1', 'p/2', 'p/3', 'p/at-end', 'p/brokered']);
  });

  it('gets file info', async () => {
    const info = await b2.getFileInfo({ fileId: small.fileId! });
    expect(info).toMatchObject({ fileName: small.fileName, contentSha1: sha1('hello, world') });
    expect(info.fileInfo.author).toBe('Zoë & co');
  });

  it('downloads by id and by name, whole and by range', async () => {
    const whole = await b2.downloadFileById(large.fileId!);
    expect(whole.status).toBe(200);
    expect(await binary(whole.body)).toEqual(largeContent);

    const ranged = await b2.downloadFileById(large.fileId!, { range: { start: 2040, end: 2059 } });
    expect(ranged.status).toBe(206);
    expect(ranged.file.contentRange).toEqual({ start: 2040, end: 2059, size: largeContent.length });
    expect(await binary(ranged.body)).toEqual(largeContent.slice(2040, 2060));

    const byName = await b2.downloadFileByName(bucketName, small.fileName);
    expect(byName.file).toMatchObject({
      fileId: small.fileId,
      fileName: small.fileName,
      contentSha1: sha1('hello, world'),
      contentLength: 12,
      info: { author: 'Zoë & co' },
    });
    expect(byName.headers.get('Content-Disposition')).toBe('attachment');
    expect(await text(byName.body)).toBe('hello, world');

    const suffix = await b2.downloadFileByName(bucketName, small.fileName, { range: { suffix: 5 } });
    expect(await text(suffix.body)).toBe('world');

    const head = await b2.headFileByName(bucketName, small.fileName);
    expect(head.file.contentLength).toBe(12);

    expect(await rejection(b2.downloadFileById(small.fileId!, { range: { start: 100 } }))).toMatchObject({
      status: 416,
      code: 'range_not_satisfiable',
    });
  });

  it('copies a file and copies parts into a new large file', async () => {
    const copy = await b2.copyFile({ sourceFileId: small.fileId!, fileName: 'copy.txt' });
    expect(copy).toMatchObject({ fileName: 'copy.txt', contentSha1: sha1('hello, world') });
    expect(await text((await b2.downloadFileById(copy.fileId!)).body)).toBe('hello, world');

    const target = await b2.startLargeFile({
      bucketId,
      fileName: 'copied-large.bin',
      contentType: 'b2/x-auto',
    });
    const first = await b2.copyPart({
      sourceFileId: large.fileId!,
      largeFileId: target.fileId!,
      partNumber: 1,
      range: 'bytes=0-2047',
    });
    const second = await b2.copyPart({
      sourceFileId: small.fileId!,
      largeFileId: target.fileId!,
      partNumber: 2,
    });
    expect(first.contentSha1).toBe(sha1(largeParts[0]!));
    const finished = await b2.finishLargeFile({
      fileId: target.fileId!,
      partSha1Array: [first.contentSha1, second.contentSha1],
    });
    expect(finished.contentLength).toBe(2048 + 12);
    const got = await binary((await b2.downloadFileByName(bucketName, 'copied-large.bin')).body);
    expect(sha1(got)).toBe(
      sha1(new Uint8Array([...largeParts[0]!, ...new TextEncoder().encode('hello, world')])),
    );
  });

  it('hides a file, then deletes its versions', async () => {
    const hidden = await b2.hideFile({ bucketId, fileName: 'copy.txt' });
    expect(hidden.action).toBe('hide');
    expect(await rejection(b2.downloadFileByName(bucketName, 'copy.txt'))).toMatchObject({
      status: 404,
      code: 'not_found',
    });
    const versions = (await b2.listFileVersions({ bucketId, prefix: 'copy.txt' })).files;
    expect(versions.map((v) => v.action)).toEqual(['hide', 'upload']);
    for (const version of versions) {
      expect(await b2.deleteFileVersion({ fileName: version.fileName, fileId: version.fileId! })).toEqual({
        fileId: version.fileId,
        fileName: 'copy.txt',
      });
    }
    expect((await b2.listFileVersions({ bucketId, prefix: 'copy.txt' })).files).toEqual([]);
  });

  it('issues a download authorization that works only inside its prefix', async () => {
    const grant = await b2.getDownloadAuthorization({
      bucketId,
      fileNamePrefix: 'hello/',
      validDurationInSeconds: 60,
    });
    expect(grant).toMatchObject({ bucketId, fileNamePrefix: 'hello/' });
    const allowed = await b2.downloadFileByName(bucketName, small.fileName, {
      authorization: grant.authorizationToken,
    });
    expect(await text(allowed.body)).toBe('hello, world');
    const outside = await rejection(
      b2.downloadFileByName(bucketName, 'p/2', { authorization: grant.authorizationToken }),
    );
    expect(outside.status).toBe(401);
  });

  it('creates, lists and deletes keys', async () => {
    const created = await b2.createKey({
      capabilities: ['listFiles', 'readFiles'],
      keyName: 'client-test',
      bucketIds: [bucketId],
    });
    expect(created.applicationKey).toBeTruthy();
    const ids = [];
    for await (const key of b2.iterateKeys({ maxKeyCount: 1 })) ids.push(key.applicationKeyId);
    expect(ids).toContain(created.applicationKeyId);
    expect((await b2.listKeys({})).keys.map((k) => k.applicationKeyId)).toContain(created.applicationKeyId);

    const restricted = createB2Client({
      applicationKeyId: created.applicationKeyId,
      applicationKey: created.applicationKey,
      realm: emulator.url,
    });
    const authorization = await restricted.authorize();
    expect(authorization.allowed.buckets).toEqual([{ id: bucketId, name: bucketName }]);
    expect(authorization.allowed.capabilities.sort()).toEqual(['listFiles', 'readFiles']);
    const denied = await rejection(restricted.hideFile({ bucketId, fileName: 'p/2' }));
    expect(denied).toMatchObject({ status: 401, code: 'unauthorized' });

    const deleted = await b2.deleteKey({ applicationKeyId: created.applicationKeyId });
    expect(deleted.applicationKeyId).toBe(created.applicationKeyId);
    expect((await b2.listKeys({})).keys.map((k) => k.applicationKeyId)).not.toContain(
      created.applicationKeyId,
    );
  });

  it('empties and deletes the bucket', async () => {
    for await (const version of b2.iterateFileVersions({ bucketId })) {
      await b2.deleteFileVersion({ fileName: version.fileName, fileId: version.fileId! });
    }
    const deleted = await b2.deleteBucket({ bucketId });
    expect(deleted.bucketId).toBe(bucketId);
    expect((await b2.listBuckets({ bucketName })).buckets).toEqual([]);
  });
});

describe('B2 client retries against the emulator’s faults', () => {
  let emulator: Emulator;
  let b2: B2Client;
  let bucketId: string;
  const sleeps: number[] = [];

  useEmulatorClient((opened) => ({ emulator, b2 } = opened), {
    client: {
      retry: {
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      },
    },
  });
  beforeAll(async () => {
    bucketId = (await b2.createBucket({ bucketName: 'b2up-retry-test', bucketType: 'allPrivate' })).bucketId;
  });

  it('gets a new upload URL after 503, expired upload token and a reset mid-body', async () => {
    emulator.counters.reset();
    emulator.faults.add({ endpoints: ['b2_upload_file'], fault: '503' });
    emulator.faults.add({ endpoints: ['b2_upload_file'], fault: 'expired_token' });
    emulator.faults.add({
      endpoints: ['b2_upload_file'],
      fault: { kind: 'reset_mid_body', afterBytes: 1000 },
    });
    const body = bytes(64 * 1024, 5);
    const file = await b2.uploadFile({ bucketId, fileName: 'retried.bin', body });
    expect(file.contentSha1).toBe(sha1(body));
    expect(emulator.counters.get('b2_get_upload_url').requests).toBe(4);
    expect(emulator.counters.get('b2_upload_file').requests).toBe(4);
    expect(emulator.counters.get('b2_authorize_account').requests).toBe(0);
    expect(await binary((await b2.downloadFileById(file.fileId!)).body)).toEqual(body);
  });

  it('re-authorizes when a HEAD download answers 401 with no body', async () => {
    const file = await b2.uploadFile({ bucketId, fileName: 'head.bin', body: bytes(100, 6) });
    emulator.counters.reset();
    emulator.faults.add({ endpoints: ['b2_download_file_by_name'], fault: 'expired_token' });
    const head = await b2.headFileByName('b2up-retry-test', 'head.bin');
    expect(head.file.fileId).toBe(file.fileId);
    const injected = emulator.faults
      .history()
      .filter((fault) => fault.endpoint === 'b2_download_file_by_name');
    expect(injected).toMatchObject([{ status: 401, code: 'expired_auth_token' }]);
    expect(emulator.counters.get('b2_authorize_account').requests).toBe(1);
  });

  it('never uses one part URL for two parts at once', async () => {
    emulator.counters.reset();
    const started = await b2.startLargeFile({ bucketId, fileName: 'parallel.bin', contentType: 'b2/x-auto' });
    const parts = Array.from({ length: 6 }, (_, i) => bytes(2048, i));
    const uploaded = await Promise.all(
      parts.map((body, i) => b2.uploadPart({ fileId: started.fileId!, partNumber: i + 1, body })),
    );
    expect(emulator.counters.get('b2_upload_part').tokenConflicts).toBe(0);
    const finished = await b2.finishLargeFile({
      fileId: started.fileId!,
      partSha1Array: uploaded.map((p) => p.contentSha1),
    });
    expect(finished.contentLength).toBe(6 * 2048);
  });

  it('re-authorizes once when concurrent calls find the account token expired', async () => {
    await b2.authorize();
    emulator.counters.reset();
    emulator.expireAccountTokens();
    const pages = await Promise.all([
      b2.listFileNames({ bucketId }),
      b2.listFileVersions({ bucketId }),
      b2.listUnfinishedLargeFiles({ bucketId }),
    ]);
    expect(pages).toHaveLength(3);
    expect(emulator.counters.get('b2_authorize_account').requests).toBe(1);
  });

  it('backs off on 429 at least as long as Retry-After', async () => {
    sleeps.length = 0;
    emulator.faults.add({ endpoints: ['b2_list_buckets'], fault: '429' });
    await b2.listBuckets({});
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(1000);
  });
});
