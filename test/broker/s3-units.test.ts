/** Pure pieces of the broker's S3 side: SigV4 presigning, the S3 XML it reads, token claims. */
import { describe, expect, it } from 'vitest';
import { objectUrl, presign, regionOf, type S3Endpoint } from '../../src/broker/s3/signer.js';
import {
  completeRequest,
  completeRequestParts,
  listPartsPage,
  s3ErrorCode,
  s3ErrorDocument,
  uploadIdOf,
} from '../../src/broker/s3/xml.js';
import { createTokenSigner } from '../../src/broker/token.js';

const b2Shaped: S3Endpoint = {
  url: 'https://s3.us-west-004.backblazeb2.com',
  region: 'us-west-004',
  bucketName: 'my-bucket',
  accessKeyId: '004a1b2c3d4e5f60000000001',
  secretAccessKey: 'K004EXAMPLESECRETKEYEXAMPLESECRET',
};
const at20250101 = Date.UTC(2025, 0, 1, 12, 0, 0);

describe('presign', () => {
  it('matches a SigV4 vector computed independently of aws4fetch (UploadPart, host signed)', async () => {
    const url = new URL(
      await presign(
        b2Shaped,
        {
          method: 'PUT',
          key: 'dir/file name.bin',
          query: { partNumber: '1', uploadId: '4_zabc_f123_d20250101_m120000_c004_v0402000_t0001' },
        },
        3600,
        at20250101,
      ),
    );
    expect(url.pathname).toBe('/my-bucket/dir/file%20name.bin');
    expect(url.searchParams.get('X-Amz-Credential')).toBe(
      '004a1b2c3d4e5f60000000001/20250101/us-west-004/s3/aws4_request',
    );
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host');
    expect(url.searchParams.get('X-Amz-Signature')).toBe(
      '414990c8d6f6bfac2394142b58dfa8d2c89d7792e97f39ac1789dbbd0e559387',
    );
  });

  it('binds Content-Length, Content-Type, Content-MD5 and metadata into the signature', async () => {
    const headers = {
      'content-length': '11',
      'content-type': 'image/png',
      'content-md5': 'XrY7u+Ae7tCTyyK7j1rNww==',
      'x-amz-meta-b2up-user': 'alice',
    };
    const signed = async (change: Record<string, string>) =>
      new URL(
        await presign(
          b2Shaped,
          { method: 'PUT', key: 'u/a.png', headers: { ...headers, ...change } },
          900,
          at20250101,
        ),
      ).searchParams;
    const base = await signed({});
    expect(base.get('X-Amz-SignedHeaders')).toBe(
      'content-length;content-md5;content-type;host;x-amz-meta-b2up-user',
    );
    expect(base.get('X-Amz-Expires')).toBe('900');
    const changes: Record<string, string>[] = [
      { 'content-length': '12' },
      { 'content-type': 'image/jpeg' },
      { 'content-md5': 'AAAAAAAAAAAAAAAAAAAAAA==' },
      { 'x-amz-meta-b2up-user': 'mallory' },
    ];
    for (const change of changes) {
      expect((await signed(change)).get('X-Amz-Signature')).not.toBe(base.get('X-Amz-Signature'));
    }
  });

  it('refuses lifetimes S3 clients would not accept', async () => {
    await expect(presign(b2Shaped, { method: 'GET', key: 'a' }, 0, at20250101)).rejects.toThrow(RangeError);
    await expect(presign(b2Shaped, { method: 'GET', key: 'a' }, 604_801, at20250101)).rejects.toThrow(
      RangeError,
    );
  });

  it('builds path-style URLs with each segment encoded once, on endpoints with a port', () => {
    const local = { ...b2Shaped, url: 'http://127.0.0.1:9000/', bucketName: 'b' };
    expect(objectUrl(local, 'a b/c+d/é#?', { uploads: '' }).toString()).toBe(
      'http://127.0.0.1:9000/b/a%20b/c%2Bd/%C3%A9%23%3F?uploads=',
    );
    expect(regionOf('https://s3.eu-central-003.backblazeb2.com')).toBe('eu-central-003');
    expect(regionOf('http://127.0.0.1:9000')).toBeUndefined();
  });
});

describe('S3 XML', () => {
  it('reads error codes, UploadIds, ListParts pages and Complete bodies; values stay strings', () => {
    expect(
      s3ErrorCode('<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Message>m</Message></Error>'),
    ).toBe('NoSuchKey');
    expect(s3ErrorCode('<ListBucketResult/>')).toBeUndefined();
    expect(s3ErrorCode('not xml <')).toBeUndefined();
    expect(
      uploadIdOf('<InitiateMultipartUploadResult><UploadId>0123</UploadId></InitiateMultipartUploadResult>'),
    ).toBe('0123');
    const page =
      '<ListPartsResult><IsTruncated>true</IsTruncated><NextPartNumberMarker>1</NextPartNumberMarker><Part><PartNumber>1</PartNumber><ETag>&quot;00ab&quot;</ETag></Part></ListPartsResult>';
    expect(listPartsPage(page)).toEqual({ parts: [{ partNumber: 1, etag: '"00ab"' }], next: '1' });
    const body = completeRequest([
      { partNumber: 1, etag: '"a&b"' },
      { partNumber: 2, etag: '12' },
    ]);
    expect(completeRequestParts(body)).toEqual([
      { partNumber: 1, etag: '"a&b"' },
      { partNumber: 2, etag: '12' },
    ]);
    expect(completeRequestParts('<CompleteMultipartUpload/>')).toBeUndefined();
    expect(s3ErrorDocument('AccessDenied', '<x>')).toContain('<Message>&lt;x&gt;</Message>');
  });
});

describe('presigned-file tokens', () => {
  it('carry the declared SHA-1, MD5, type and signed info keys, and tokens without them still verify', async () => {
    const signer = createTokenSigner(new TextEncoder().encode('s'.repeat(32)));
    const claims = { uploadId: 'u', principalId: 'p', fileName: 'f', size: 1, expiresAt: 10 };
    const expected = {
      sha1: 'a'.repeat(40),
      md5: 'b'.repeat(32),
      contentType: 'image/png',
      infoKeys: ['b2up-name', 'b2up-user'],
    };
    expect(await signer.verify(await signer.sign({ ...claims, expected }), 0)).toEqual({
      ok: true,
      claims: { ...claims, expected },
    });
    expect(await signer.verify(await signer.sign(claims), 0)).toEqual({ ok: true, claims });
  });
});
