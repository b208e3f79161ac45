/**
 * ListObjects v1/v2 and ListObjectVersions through the SDK: prefix, delimiter, pagination that neither
 * skips nor repeats, url encoding, and versions/delete markers as B2 keeps them.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Setup, failure, s3Setup } from './helpers.js';

let t: S3Setup;
// In UTF-8 byte order: 'é' (0xC3 0xA9) sorts after 'z'.
const KEYS = ['a.txt', 'b/1.txt', 'b/2.txt', 'b/c/3.txt', 'd/4.txt', 'e & f <g>.txt', 'z.txt', 'é.txt'];
beforeAll(async () => {
  t = await s3Setup();
  for (const key of KEYS)
    await t.s3.send(new PutObjectCommand({ Bucket: t.bucketName, Key: key, Body: key }));
});
afterAll(() => t.close());

describe('ListObjectsV2', () => {
  it('lists every key in UTF-8 byte order with size, ETag and storage class', async () => {
    const r = await t.s3.send(new ListObjectsV2Command({ Bucket: t.bucketName }));
    expect(r.Contents?.map((c) => c.Key)).toEqual(KEYS);
    expect(r.KeyCount).toBe(KEYS.length);
    expect(r.IsTruncated).toBe(false);
    expect(r.Contents?.[0]).toMatchObject({ Size: 5, StorageClass: 'STANDARD' });
    expect(r.Contents?.[0]?.ETag).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it('folds a delimiter into CommonPrefixes under a prefix', async () => {
    const top = await t.s3.send(new ListObjectsV2Command({ Bucket: t.bucketName, Delimiter: '/' }));
    expect(top.Contents?.map((c) => c.Key)).toEqual(['a.txt', 'e & f <g>.txt', 'z.txt', 'é.txt']);
    expect(top.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['b/', 'd/']);
    const inB = await t.s3.send(
      new ListObjectsV2Command({ Bucket: t.bucketName, Prefix: 'b/', Delimiter: '/' }),
    );
    expect(inB.Contents?.map((c) => c.Key)).toEqual(['b/1.txt', 'b/2.txt']);
    expect(inB.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['b/c/']);
  });

  it('pages with continuation tokens, prefixes counting as entries, without gaps or repeats', async () => {
    const seen: string[] = [];
    for await (const page of paginateListObjectsV2(
      { client: t.s3, pageSize: 2 },
      { Bucket: t.bucketName, Delimiter: '/' },
    )) {
      expect((page.Contents?.length ?? 0) + (page.CommonPrefixes?.length ?? 0)).toBeLessThanOrEqual(2);
      seen.push(
        ...(page.Contents ?? []).map((c) => c.Key!),
        ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!),
      );
    }
    expect(seen.sort()).toEqual(['a.txt', 'b/', 'd/', 'e & f <g>.txt', 'z.txt', 'é.txt'].sort());
    const after = await t.s3.send(new ListObjectsV2Command({ Bucket: t.bucketName, StartAfter: 'b/2.txt' }));
    expect(after.Contents?.[0]?.Key).toBe('b/c/3.txt');
    expect(
      await failure(
        t.s3.send(new ListObjectsV2Command({ Bucket: t.bucketName, ContinuationToken: 'not a token' })),
      ),
    ).toMatchObject({ code: 'InvalidArgument', status: 400 });
  });

  it('escapes XML in keys, and encoding-type=url percent-encodes them', async () => {
    const raw = await rawListing('e');
    expect(raw).toContain('<Key>e%20%26%20f%20%3Cg%3E.txt</Key>');
    const encoded = await t.s3.send(
      new ListObjectsV2Command({ Bucket: t.bucketName, Prefix: 'e', EncodingType: 'url' }),
    );
    expect(encoded.Contents?.map((c) => decodeURIComponent(c.Key!))).toEqual(['e & f <g>.txt']);
    const plain = await t.s3.send(new ListObjectsV2Command({ Bucket: t.bucketName, Prefix: 'e' }));
    expect(plain.Contents?.map((c) => c.Key)).toEqual(['e & f <g>.txt']);
  });
});

/** The raw XML of a presigned ListObjectsV2 (to see what the SDK would decode). */
async function rawListing(prefix: string): Promise<string> {
  const url = await getSignedUrl(
    t.s3,
    new ListObjectsV2Command({ Bucket: t.bucketName, Prefix: prefix, EncodingType: 'url' }),
    { expiresIn: 60 },
  );
  return (await fetch(url)).text();
}

describe('ListObjects (v1)', () => {
  it('pages with Marker / NextMarker', async () => {
    const first = await t.s3.send(new ListObjectsCommand({ Bucket: t.bucketName, MaxKeys: 3 }));
    expect(first.Contents?.map((c) => c.Key)).toEqual(KEYS.slice(0, 3));
    expect(first.IsTruncated).toBe(true);
    expect(first.NextMarker).toBe(KEYS[2]);
    const second = await t.s3.send(
      new ListObjectsCommand({ Bucket: t.bucketName, Marker: first.NextMarker }),
    );
    expect(second.Contents?.map((c) => c.Key)).toEqual(KEYS.slice(3));
    expect(second.IsTruncated).toBe(false);
  });
});

describe('versions and delete markers', () => {
  it('DeleteObject adds a delete marker (a B2 hide marker); the versions stay listed; deleting the marker restores the key', async () => {
    const key = 'versioned.txt';
    const v1 = await t.s3.send(new PutObjectCommand({ Bucket: t.bucketName, Key: key, Body: 'one' }));
    const v2 = await t.s3.send(new PutObjectCommand({ Bucket: t.bucketName, Key: key, Body: 'two' }));
    const deleted = await t.s3.send(new DeleteObjectCommand({ Bucket: t.bucketName, Key: key }));
    expect(deleted.DeleteMarker).toBe(true);
    const native = await t.s.call('b2_list_file_versions', { bucketId: t.bucketId, prefix: key });
    expect(native.body.files.map((f: { action: string }) => f.action)).toEqual(['hide', 'upload', 'upload']);
    expect(native.body.files[0].fileId).toBe(deleted.VersionId);

    const gone = await failure(t.s3.send(new GetObjectCommand({ Bucket: t.bucketName, Key: key })));
    expect(gone).toMatchObject({ code: 'NoSuchKey', status: 404 });
    const old = await t.s3.send(
      new GetObjectCommand({ Bucket: t.bucketName, Key: key, VersionId: v1.VersionId }),
    );
    expect(await old.Body!.transformToString()).toBe('one');
    const listed = await t.s3.send(new ListObjectsV2Command({ Bucket: t.bucketName, Prefix: key }));
    expect(listed.Contents).toBeUndefined();

    const versions = await t.s3.send(new ListObjectVersionsCommand({ Bucket: t.bucketName, Prefix: key }));
    expect(versions.Versions?.map((v) => [v.VersionId, v.IsLatest])).toEqual([
      [v2.VersionId, false],
      [v1.VersionId, false],
    ]);
    expect(versions.DeleteMarkers?.map((m) => [m.VersionId, m.IsLatest])).toEqual([
      [deleted.VersionId, true],
    ]);

    await t.s3.send(
      new DeleteObjectCommand({ Bucket: t.bucketName, Key: key, VersionId: deleted.VersionId }),
    );
    const back = await t.s3.send(new GetObjectCommand({ Bucket: t.bucketName, Key: key }));
    expect(await back.Body!.transformToString()).toBe('two');
    await t.s3.send(new DeleteObjectCommand({ Bucket: t.bucketName, Key: key, VersionId: v2.VersionId }));
    const native2 = await t.s.call('b2_list_file_versions', { bucketId: t.bucketId, prefix: key });
    expect(native2.body.files.map((f: { fileId: string }) => f.fileId)).toEqual([v1.VersionId]);
  });

  it('ListObjectVersions pages with key and version-id markers', async () => {
    const key = 'many-versions.txt';
    const ids: string[] = [];
    for (const body of ['1', '2', '3'])
      ids.unshift(
        (await t.s3.send(new PutObjectCommand({ Bucket: t.bucketName, Key: key, Body: body }))).VersionId!,
      );
    const first = await t.s3.send(
      new ListObjectVersionsCommand({ Bucket: t.bucketName, Prefix: key, MaxKeys: 2 }),
    );
    expect(first.Versions?.map((v) => v.VersionId)).toEqual(ids.slice(0, 2));
    expect(first.IsTruncated).toBe(true);
    const second = await t.s3.send(
      new ListObjectVersionsCommand({
        Bucket: t.bucketName,
        Prefix: key,
        KeyMarker: first.NextKeyMarker,
        VersionIdMarker: first.NextVersionIdMarker,
      }),
    );
    expect(second.Versions?.map((v) => v.VersionId)).toEqual(ids.slice(2));
    expect(second.IsTruncated).toBe(false);
  });

  it('a malformed version id is 400, an unknown one 404 NoSuchVersion', async () => {
    expect(
      await failure(
        t.s3.send(new GetObjectCommand({ Bucket: t.bucketName, Key: 'a.txt', VersionId: 'nope' })),
      ),
    ).toMatchObject({
      code: 'InvalidArgument',
      status: 400,
    });
    const real = (
      await t.s3.send(new PutObjectCommand({ Bucket: t.bucketName, Key: 'other.txt', Body: 'x' }))
    ).VersionId!;
    expect(
      await failure(t.s3.send(new GetObjectCommand({ Bucket: t.bucketName, Key: 'a.txt', VersionId: real }))),
    ).toMatchObject({
      code: 'NoSuchVersion',
      status: 404,
    });
  });
});
