import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBucket, type Session, session, upload, uploadUrl } from './helpers.js';

let s: Session;
let bucketId: string;
let bucketName: string;
let plainBucketName: string;
beforeAll(async () => {
  s = await session();
  bucketId = await makeBucket(s, 'allPrivate', {
    corsRules: [
      {
        corsRuleName: 'uploads',
        allowedOrigins: ['https://app.example.com', 'https://*.preview.example.com'],
        allowedOperations: ['b2_upload_file', 'b2_upload_part', 'b2_download_file_by_name'],
        allowedHeaders: ['authorization', 'content-type', 'x-bz-*'],
        exposeHeaders: ['x-bz-content-sha1'],
        maxAgeSeconds: 3600,
      },
    ],
  });
  bucketName = (await s.call('b2_list_buckets', { accountId: s.accountId, bucketId })).body.buckets[0]
    .bucketName;
  const plain = await makeBucket(s);
  plainBucketName = (await s.call('b2_list_buckets', { accountId: s.accountId, bucketId: plain })).body
    .buckets[0].bucketName;
});
afterAll(() => s.emulator.close());

function preflight(
  url: string,
  origin: string,
  method: string,
  headers = 'authorization,content-type,x-bz-file-name',
) {
  return fetch(url, {
    method: 'OPTIONS',
    headers: {
      Origin: origin,
      'Access-Control-Request-Method': method,
      'Access-Control-Request-Headers': headers,
    },
  });
}

describe('CORS', () => {
  it('allows an upload preflight from a listed origin, with max-age and headers', async () => {
    const u = await uploadUrl(s, bucketId);
    const r = await preflight(u.uploadUrl, 'https://app.example.com', 'POST');
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(r.headers.get('access-control-allow-methods')).toContain('POST');
    expect(r.headers.get('access-control-allow-headers')).toBe('authorization, content-type, x-bz-file-name');
    expect(r.headers.get('access-control-max-age')).toBe('3600');
  });

  it('matches https://*.host wildcards', async () => {
    const u = await uploadUrl(s, bucketId);
    expect((await preflight(u.uploadUrl, 'https://pr-1.preview.example.com', 'POST')).status).toBe(200);
    expect((await preflight(u.uploadUrl, 'http://pr-1.preview.example.com', 'POST')).status).toBe(403);
  });

  it('denies unknown origins, unlisted headers, wrong methods and buckets without rules', async () => {
    const u = await uploadUrl(s, bucketId);
    const other = await preflight(u.uploadUrl, 'https://evil.example.org', 'POST');
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect((await preflight(u.uploadUrl, 'https://app.example.com', 'POST', 'x-custom')).status).toBe(403);
    expect((await preflight(u.uploadUrl, 'https://app.example.com', 'PUT')).status).toBe(403);
    expect(
      (await preflight(`${s.emulator.url}/file/${plainBucketName}/x`, 'https://app.example.com', 'GET', ''))
        .status,
    ).toBe(403);
  });

  it('upload_part URLs use the large file bucket rules; download by name uses the named bucket', async () => {
    const start = await s.call('b2_start_large_file', {
      bucketId,
      fileName: 'big',
      contentType: 'text/plain',
    });
    const part = (await s.call('b2_get_upload_part_url', { fileId: start.body.fileId })).body;
    expect(
      (await preflight(part.uploadUrl, 'https://app.example.com', 'POST', 'authorization,x-bz-part-number'))
        .status,
    ).toBe(200);
    expect(
      (
        await preflight(
          `${s.emulator.url}/file/${bucketName}/some/file.txt`,
          'https://app.example.com',
          'GET',
          '',
        )
      ).status,
    ).toBe(200);
    // Not allowed: download by id is not in the rule's operations.
    const byId = `${s.emulator.url}/b2api/v2/b2_download_file_by_id?fileId=${start.body.fileId}`;
    expect((await preflight(byId, 'https://app.example.com', 'GET', '')).status).toBe(403);
  });

  it('api endpoints allow an origin some bucket allows', async () => {
    const ok = await preflight(
      `${s.emulator.url}/b2api/v2/b2_get_upload_part_url`,
      'https://app.example.com',
      'POST',
    );
    expect(ok.status).toBe(200);
    const no = await preflight(
      `${s.emulator.url}/b2api/v2/b2_get_upload_part_url`,
      'https://evil.example.org',
      'POST',
    );
    expect(no.status).toBe(403);
  });

  it('actual responses carry Allow-Origin and Expose-Headers when a rule matches', async () => {
    const u = await uploadUrl(s, bucketId);
    const r = await fetch(u.uploadUrl, {
      method: 'POST',
      headers: {
        Origin: 'https://app.example.com',
        Authorization: u.authorizationToken,
        'X-Bz-File-Name': 'cors.txt',
        'Content-Type': 'text/plain',
        'X-Bz-Content-Sha1': 'do_not_verify',
      },
      body: 'x',
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(r.headers.get('access-control-expose-headers')).toBe('x-bz-content-sha1');
    await upload(s, bucketId, 'plain.txt', 'x');
    const denied = await fetch(`${s.emulator.url}/file/${bucketName}/plain.txt`, {
      headers: { Origin: 'https://evil.example.org', Authorization: s.token },
    });
    expect(denied.status).toBe(200);
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('rejects malformed CORS rules', async () => {
    const r = await s.call('b2_update_bucket', {
      accountId: s.accountId,
      bucketId,
      corsRules: [
        { corsRuleName: 'x', allowedOrigins: ['*'], allowedOperations: ['b2_upload_file'], maxAgeSeconds: 1 },
      ],
    });
    expect(r.status).toBe(400);
    const ops = await s.call('b2_update_bucket', {
      accountId: s.accountId,
      bucketId,
      corsRules: [
        { corsRuleName: 'good-name', allowedOrigins: ['*'], allowedOperations: ['fly'], maxAgeSeconds: 1 },
      ],
    });
    expect(ops.status).toBe(400);
  });
});
