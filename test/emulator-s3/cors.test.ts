/**
 * CORS on the S3 endpoint from the bucket's native corsRules (`s3_*` operations), with `ETag` exposed
 * when the rule says so: what a browser multipart upload needs.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Setup, md5, s3Setup } from './helpers.js';

const APP = 'https://app.example';
let t: S3Setup;
beforeAll(async () => {
  t = await s3Setup(
    {},
    {
      corsRules: [
        {
          corsRuleName: 's3-uploads',
          allowedOrigins: [APP],
          allowedOperations: ['s3_put', 's3_get', 's3_head'],
          allowedHeaders: ['content-type', 'content-md5', 'authorization', 'x-amz-*'],
          exposeHeaders: ['ETag'],
          maxAgeSeconds: 600,
        },
        {
          corsRuleName: 'native-only',
          allowedOrigins: ['https://native.example'],
          allowedOperations: ['b2_upload_file', 'b2_download_file_by_name'],
          allowedHeaders: ['*'],
          maxAgeSeconds: 60,
        },
      ],
    },
  );
});
afterAll(() => t.close());

const preflight = (path: string, origin: string, method: string, headers = 'content-type') =>
  fetch(`${t.url}${path}`, {
    method: 'OPTIONS',
    headers: {
      Origin: origin,
      'Access-Control-Request-Method': method,
      'Access-Control-Request-Headers': headers,
    },
  });

describe('S3 CORS from native corsRules', () => {
  it('approves a preflight the s3_* rule covers', async () => {
    const res = await preflight(`/${t.bucketName}/photos/a.jpg`, APP, 'PUT', 'content-type, x-amz-date');
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('access-control-allow-methods')).toBe('GET, HEAD, PUT');
    expect(res.headers.get('access-control-allow-headers')).toBe('content-type, x-amz-date');
    expect(res.headers.get('access-control-max-age')).toBe('600');
  });

  it('denies a method, origin or header no rule allows, and rules without s3_* operations', async () => {
    expect((await preflight(`/${t.bucketName}/a`, APP, 'DELETE')).status).toBe(403);
    expect((await preflight(`/${t.bucketName}/a`, 'https://evil.example', 'PUT')).status).toBe(403);
    expect((await preflight(`/${t.bucketName}/a`, APP, 'PUT', 'x-custom')).status).toBe(403);
    const nativeOnly = await preflight(`/${t.bucketName}/a`, 'https://native.example', 'GET');
    expect(nativeOnly.status).toBe(403);
    expect(nativeOnly.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('an actual cross-origin PUT exposes ETag', async () => {
    const body = Buffer.from('from the browser');
    const url = await getSignedUrl(
      t.s3,
      new PutObjectCommand({ Bucket: t.bucketName, Key: 'photos/b.jpg' }),
      { expiresIn: 60 },
    );
    const res = await fetch(url, { method: 'PUT', headers: { Origin: APP }, body });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('access-control-expose-headers')).toBe('ETag');
    expect(res.headers.get('etag')).toBe(`"${md5(body)}"`);
  });
});
