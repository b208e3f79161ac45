import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { prepareBody, sha1Hex } from '../../src/b2/body.js';
import {
  buildDownloadUrl,
  parseContentRange,
  parseDownloadHeaders,
  rangeHeader,
} from '../../src/b2/download-request.js';
import { B2Error, isB2Error } from '../../src/b2/errors.js';
import { fileUploadHeaders, partUploadHeaders } from '../../src/b2/upload-headers.js';

const sha1 = (data: Uint8Array | string) => createHash('sha1').update(data).digest('hex');

describe('upload headers', () => {
  it('percent-encodes the name and info values, prefixes info keys', () => {
    const headers = fileUploadHeaders(
      {
        fileName: 'dir/naïve file+1.txt',
        contentType: 'text/plain',
        info: { author: 'Zoë & co', 'b2-content-disposition': 'attachment; filename="a b.txt"' },
        lastModifiedMillis: 1_700_000_000_123.7,
      },
      'upload-token',
      'a'.repeat(40),
      'fail_some_uploads',
    );
    expect(headers).toEqual({
      Authorization: 'upload-token',
      'X-Bz-File-Name': 'dir/na%C3%AFve%20file%2B1.txt',
      'Content-Type': 'text/plain',
      'X-Bz-Content-Sha1': 'a'.repeat(40),
      'X-Bz-Info-author': 'Zo%C3%AB%20%26%20co',
      'X-Bz-Info-b2-content-disposition': 'attachment%3B%20filename%3D%22a%20b.txt%22',
      'X-Bz-Info-src_last_modified_millis': '1700000000123',
      'X-Bz-Test-Mode': 'fail_some_uploads',
    });
  });

  it('defaults Content-Type to b2/x-auto', () => {
    expect(fileUploadHeaders({ fileName: 'a' }, 't', 'do_not_verify')['Content-Type']).toBe('b2/x-auto');
  });

  it('rejects info B2 would refuse, before any request', () => {
    expect(() => fileUploadHeaders({ fileName: 'a', info: { 'bad key': 'x' } }, 't', 's')).toThrow(
      RangeError,
    );
    expect(() => fileUploadHeaders({ fileName: 'a', info: { 'b2-unknown': 'x' } }, 't', 's')).toThrow(
      RangeError,
    );
    expect(() => fileUploadHeaders({ fileName: 'a', info: { ['k'.repeat(51)]: 'x' } }, 't', 's')).toThrow(
      RangeError,
    );
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v']));
    expect(() => fileUploadHeaders({ fileName: 'a', info: eleven }, 't', 's')).toThrow(RangeError);
  });

  it('builds part headers and checks the part number', () => {
    expect(partUploadHeaders(3, 'pt', 'b'.repeat(40))).toEqual({
      Authorization: 'pt',
      'X-Bz-Part-Number': '3',
      'X-Bz-Content-Sha1': 'b'.repeat(40),
    });
    expect(() => partUploadHeaders(0, 'pt', 's')).toThrow(RangeError);
    expect(() => partUploadHeaders(10_001, 'pt', 's')).toThrow(RangeError);
  });
});

describe('upload bodies and SHA-1', () => {
  it('hashes Uint8Array, string, ArrayBuffer and a multi-slice Blob', async () => {
    const bytes = new Uint8Array(9 * 1024 * 1024).map((_, i) => i % 251);
    expect(await sha1Hex(bytes)).toBe(sha1(bytes));
    expect(await sha1Hex(new Blob([bytes]))).toBe(sha1(bytes));
    expect((await prepareBody('héllo')).sha1Header).toBe(sha1('héllo'));
    expect((await prepareBody(new TextEncoder().encode('abc').buffer)).contentSha1).toBe(sha1('abc'));
  });

  it('appends the digest for hex_digits_at_end', async () => {
    const prepared = await prepareBody('abc', 'hex_digits_at_end');
    expect(prepared.sha1Header).toBe('hex_digits_at_end');
    const sent = new Uint8Array(await (prepared.payload as Blob).arrayBuffer());
    expect(new TextDecoder().decode(sent)).toBe(`abc${sha1('abc')}`);
  });

  it('sends do_not_verify without hashing, and checks a given digest', async () => {
    expect(await prepareBody('abc', 'do_not_verify')).toMatchObject({ sha1Header: 'do_not_verify' });
    expect((await prepareBody('abc', 'A'.repeat(40))).sha1Header).toBe('a'.repeat(40));
    await expect(prepareBody('abc', 'nope')).rejects.toThrow(TypeError);
  });
});

describe('download requests and response headers', () => {
  it('builds by-id and by-name URLs', () => {
    expect(buildDownloadUrl('https://f002.example/', { fileId: '4_z+1' }, { apiVersion: 'v2' })).toBe(
      'https://f002.example/b2api/v2/b2_download_file_by_id?fileId=4_z%2B1',
    );
    expect(
      buildDownloadUrl('https://f002.example', { bucketName: 'my-bucket', fileName: 'a dir/ü+.txt' }),
    ).toBe('https://f002.example/file/my-bucket/a%20dir/%C3%BC%2B.txt');
  });

  it('puts a download authorization (by name only) and response overrides in the query', () => {
    const url = buildDownloadUrl(
      'https://f002.example',
      { bucketName: 'b', fileName: 'r.pdf' },
      { authorization: '4_tok+en', overrides: { b2ContentDisposition: 'attachment; filename="a b.pdf"' } },
    );
    expect(url).toBe(
      'https://f002.example/file/b/r.pdf?Authorization=4_tok%2Ben&b2ContentDisposition=attachment%3B%20filename%3D%22a%20b.pdf%22',
    );
    const params = new URL(url).searchParams;
    expect(params.get('b2ContentDisposition')).toBe('attachment; filename="a b.pdf"');
    expect(() => buildDownloadUrl('https://f002.example', { fileId: 'x' }, { authorization: 't' })).toThrow(
      TypeError,
    );
  });

  it('formats ranges', () => {
    expect(rangeHeader({ start: 5, end: 8 })).toBe('bytes=5-8');
    expect(rangeHeader({ start: 5 })).toBe('bytes=5-');
    expect(rangeHeader({ suffix: 3 })).toBe('bytes=-3');
  });

  it('parses file headers, decoding name and info', () => {
    const headers = new Headers({
      'Content-Length': '4',
      'Content-Type': 'text/plain',
      'Content-Range': 'bytes 5-8/10',
      'X-Bz-File-Id': 'fid',
      'X-Bz-File-Name': 'dir/na%C3%AFve+file.txt',
      'X-Bz-Content-Sha1': 'none',
      'X-Bz-Upload-Timestamp': '1639753356820',
      'X-Bz-Info-Author': 'Zo%C3%AB%20%26%20co',
    });
    expect(parseDownloadHeaders(headers)).toEqual({
      fileId: 'fid',
      fileName: 'dir/naïve file.txt',
      contentSha1: null,
      contentLength: 4,
      contentType: 'text/plain',
      uploadTimestamp: 1639753356820,
      info: { author: 'Zoë & co' },
      contentRange: { start: 5, end: 8, size: 10 },
      serverSideEncryption: null,
      fileRetention: null,
      legalHold: null,
      unauthorizedToRead: [],
    });
    expect(parseContentRange(null)).toBeNull();
  });

  it('parses encryption and Object Lock headers, and the ones withheld', () => {
    const locked = parseDownloadHeaders(
      new Headers({
        'X-Bz-Server-Side-Encryption-Customer-Algorithm': 'AES256',
        'X-Bz-Server-Side-Encryption-Customer-Key-Md5': 'bWQ1',
        'X-Bz-File-Retention-Mode': 'compliance',
        'X-Bz-File-Retention-Retain-Until-Timestamp': '1900000000000',
        'X-Bz-File-Legal-Hold': 'on',
      }),
    );
    expect(locked).toMatchObject({
      serverSideEncryption: 'SSE-C',
      fileRetention: { mode: 'compliance', retainUntilTimestamp: 1900000000000 },
      legalHold: 'on',
    });
    const withheld = parseDownloadHeaders(
      new Headers({
        'X-Bz-Server-Side-Encryption': 'AES256',
        'X-Bz-Client-Unauthorized-To-Read': 'X-Bz-File-Retention-Mode, X-Bz-File-Legal-Hold',
      }),
    );
    expect(withheld).toMatchObject({
      serverSideEncryption: 'SSE-B2',
      fileRetention: null,
      unauthorizedToRead: ['X-Bz-File-Retention-Mode', 'X-Bz-File-Legal-Hold'],
    });
  });
});

describe('B2Error', () => {
  it('carries status, code, message and is recognised by name across realms', () => {
    const error = new B2Error({
      status: 503,
      code: 'service_unavailable',
      message: 'busy',
      retryAfterSeconds: 3,
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('B2Error');
    expect(isB2Error(error)).toBe(true);
    // A structured clone (worker boundary) keeps name/status/code as plain fields.
    expect(isB2Error({ name: 'B2Error', status: 400, code: 'bad_request', message: 'x' })).toBe(true);
    expect(isB2Error(new Error('x'))).toBe(false);
    expect(error.retryAfterSeconds).toBe(3);
  });
});
