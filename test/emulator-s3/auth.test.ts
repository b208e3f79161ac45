/**
 * SigV4 as B2's S3 endpoint checks it: header-signed requests (hex payload hash and UNSIGNED-PAYLOAD),
 * presigned URLs from @aws-sdk/s3-request-presigner, expiry and skew on the emulator clock, the region,
 * application keys only (never the master key), and key restrictions as AccessDenied.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Setup, failure, md5, s3Setup } from './helpers.js';

let t: S3Setup;
beforeAll(async () => {
  t = await s3Setup();
  await t.s3.send(new PutObjectCommand({ Bucket: t.bucketName, Key: 'seed.txt', Body: 'seed' }));
});
afterAll(() => t.close());

/** An SDK client whose header-signed requests declare `x-amz-content-sha256` as `value`. */
function clientDeclaringPayload(value: string): S3Client {
  const client = t.client(t.appKey);
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers: Record<string, string> };
      request.headers['x-amz-content-sha256'] = value;
      return next(args);
    },
    { step: 'build', name: 'declarePayloadHash' },
  );
  return client;
}

async function xmlError(res: Response): Promise<{ status: number; code: string; message: string }> {
  const text = await res.text();
  return {
    status: res.status,
    code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? '',
    message: /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? '',
  };
}

describe('header-signed requests', () => {
  it('accept UNSIGNED-PAYLOAD as well as a hex SHA-256', async () => {
    const unsigned = clientDeclaringPayload('UNSIGNED-PAYLOAD');
    const put = await unsigned.send(
      new PutObjectCommand({ Bucket: t.bucketName, Key: 'unsigned.txt', Body: 'not hashed' }),
    );
    expect(put.ETag).toBe(`"${md5('not hashed')}"`);
  });

  it('refuse a body that does not match the signed SHA-256 (XAmzContentSHA256Mismatch), storing nothing', async () => {
    const lying = clientDeclaringPayload('0'.repeat(64));
    const err = await failure(
      lying.send(new PutObjectCommand({ Bucket: t.bucketName, Key: 'lying.txt', Body: 'x' })),
    );
    expect(err).toMatchObject({ code: 'XAmzContentSHA256Mismatch', status: 400 });
    expect(
      await failure(t.s3.send(new GetObjectCommand({ Bucket: t.bucketName, Key: 'lying.txt' }))),
    ).toMatchObject({
      code: 'NoSuchKey',
    });
  });

  it('wrong secret is SignatureDoesNotMatch, unknown key id InvalidAccessKeyId', async () => {
    const wrongSecret = t.client({ keyId: t.appKey.keyId, key: `${t.appKey.key}x` });
    expect(
      await failure(wrongSecret.send(new GetObjectCommand({ Bucket: t.bucketName, Key: 'seed.txt' }))),
    ).toMatchObject({
      code: 'SignatureDoesNotMatch',
      status: 403,
    });
    const unknown = t.client({ keyId: '0000000000000000000000000', key: t.appKey.key });
    expect(
      await failure(unknown.send(new GetObjectCommand({ Bucket: t.bucketName, Key: 'seed.txt' }))),
    ).toMatchObject({
      code: 'InvalidAccessKeyId',
      status: 403,
    });
  });

  it('the master key is refused, as on B2', async () => {
    const master = t.client({ keyId: t.s.emulator.keyId, key: t.s.emulator.key });
    expect(
      await failure(master.send(new GetObjectCommand({ Bucket: t.bucketName, Key: 'seed.txt' }))),
    ).toMatchObject({
      code: 'InvalidAccessKeyId',
      status: 403,
    });
  });

  it('a request signed for another region is refused', async () => {
    const elsewhere = t.client(t.appKey, { region: 'eu-central-003' });
    const err = await failure(
      elsewhere.send(new GetObjectCommand({ Bucket: t.bucketName, Key: 'seed.txt' })),
    );
    expect(err).toMatchObject({ code: 'AuthorizationHeaderMalformed', status: 400 });
    expect(err.message).toContain("expecting 'us-west-004'");
  });

  it('a request dated more than 15 minutes from the emulator clock is RequestTimeTooSkewed', async () => {
    t.s.emulator.clock.advance(16 * 60_000);
    try {
      expect(
        await failure(t.s3.send(new GetObjectCommand({ Bucket: t.bucketName, Key: 'seed.txt' }))),
      ).toMatchObject({
        code: 'RequestTimeTooSkewed',
        status: 403,
      });
    } finally {
      t.s.emulator.clock.advance(-16 * 60_000);
    }
  });

  it('SDK default checksums (x-amz-checksum-*, x-amz-sdk-checksum-algorithm) are refused with 400 InvalidArgument', async () => {
    const withChecksums = t.client(t.appKey, { requestChecksumCalculation: 'WHEN_SUPPORTED' });
    const err = await failure(
      withChecksums.send(new PutObjectCommand({ Bucket: t.bucketName, Key: 'crc.txt', Body: 'crc' })),
    );
    expect(err).toMatchObject({ code: 'InvalidArgument', status: 400 });
    expect(err.message).toMatch(
      /^Unsupported header 'x-amz-(sdk-)?checksum-[a-z0-9-]+' received for this API call\.$/,
    );
  });
});

describe('key restrictions answer AccessDenied', () => {
  it('a key without the capability', async () => {
    const readOnly = t.client(await t.createKey(['listFiles', 'readFiles']));
    expect(
      await failure(readOnly.send(new PutObjectCommand({ Bucket: t.bucketName, Key: 'ro.txt', Body: 'x' }))),
    ).toMatchObject({
      code: 'AccessDenied',
      status: 403,
    });
    const got = await readOnly.send(new GetObjectCommand({ Bucket: t.bucketName, Key: 'seed.txt' }));
    expect(await got.Body!.transformToString()).toBe('seed');
  });

  it('a key for another bucket', async () => {
    const other = await t.s.call('b2_create_bucket', {
      accountId: t.s.accountId,
      bucketName: `other-${process.pid}-auth`,
      bucketType: 'allPrivate',
    });
    const elsewhere = t.client(
      await t.createKey(['listFiles', 'readFiles', 'writeFiles'], { bucketId: other.body.bucketId }),
    );
    expect(
      await failure(elsewhere.send(new GetObjectCommand({ Bucket: t.bucketName, Key: 'seed.txt' }))),
    ).toMatchObject({
      code: 'AccessDenied',
      status: 403,
    });
  });

  it('a key with a name prefix writes and lists only inside it', async () => {
    const prefixed = t.client(
      await t.createKey(['listFiles', 'readFiles', 'writeFiles'], {
        bucketId: t.bucketId,
        namePrefix: 'user-1/',
      }),
    );
    await prefixed.send(new PutObjectCommand({ Bucket: t.bucketName, Key: 'user-1/a.txt', Body: 'a' }));
    expect(
      await failure(
        prefixed.send(new PutObjectCommand({ Bucket: t.bucketName, Key: 'user-2/a.txt', Body: 'a' })),
      ),
    ).toMatchObject({
      code: 'AccessDenied',
      status: 403,
    });
    const listed = await prefixed.send(new ListObjectsV2Command({ Bucket: t.bucketName, Prefix: 'user-1/' }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual(['user-1/a.txt']);
    expect(await failure(prefixed.send(new ListObjectsV2Command({ Bucket: t.bucketName })))).toMatchObject({
      code: 'AccessDenied',
    });
  });
});

describe('unsigned requests', () => {
  it('read public buckets only, and never write', async () => {
    const pub = await t.s.call('b2_create_bucket', {
      accountId: t.s.accountId,
      bucketName: `public-${process.pid}-auth`,
      bucketType: 'allPublic',
    });
    const name = pub.body.bucketName as string;
    await t.s3.send(new PutObjectCommand({ Bucket: name, Key: 'open.txt', Body: 'open' }));
    const open = await fetch(`${t.url}/${name}/open.txt`);
    expect([open.status, await open.text()]).toEqual([200, 'open']);
    expect(await xmlError(await fetch(`${t.url}/${t.bucketName}/seed.txt`))).toMatchObject({
      status: 403,
      code: 'AccessDenied',
    });
    expect(
      await xmlError(await fetch(`${t.url}/${name}/new.txt`, { method: 'PUT', body: 'x' })),
    ).toMatchObject({
      status: 403,
      code: 'AccessDenied',
    });
  });
});

describe('presigned URLs', () => {
  it('a presigned PUT binds Content-Length, Content-Type and Content-MD5; a presigned GET reads', async () => {
    const body = Buffer.from('presigned upload');
    const contentMd5 = Buffer.from(md5(body), 'hex').toString('base64');
    const url = await getSignedUrl(
      t.s3,
      new PutObjectCommand({
        Bucket: t.bucketName,
        Key: 'pre/put.txt',
        ContentType: 'text/plain',
        ContentLength: body.length,
        ContentMD5: contentMd5,
      }),
      { expiresIn: 300, signableHeaders: new Set(['content-type', 'content-length', 'content-md5']) },
    );
    const headers = { 'Content-Type': 'text/plain', 'Content-MD5': contentMd5 };
    const wrongType = await fetch(url, {
      method: 'PUT',
      headers: { ...headers, 'Content-Type': 'text/html' },
      body,
    });
    expect(await xmlError(wrongType)).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    const longer = await fetch(url, {
      method: 'PUT',
      headers,
      body: Buffer.concat([body, Buffer.from('!')]),
    });
    expect(longer.status).toBe(403);
    const ok = await fetch(url, { method: 'PUT', headers, body });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).toBe(`"${md5(body)}"`);

    const getUrl = await getSignedUrl(
      t.s3,
      new GetObjectCommand({ Bucket: t.bucketName, Key: 'pre/put.txt' }),
      { expiresIn: 60 },
    );
    const got = await fetch(getUrl);
    expect(got.status).toBe(200);
    expect(await got.text()).toBe('presigned upload');
    // Signed for GET: not a PUT, and not another key.
    expect((await fetch(getUrl, { method: 'PUT', body: 'x' })).status).toBe(403);
    expect((await fetch(getUrl.replace('pre/put.txt', 'seed.txt'))).status).toBe(403);
  });

  it('a tampered signature is SignatureDoesNotMatch', async () => {
    const url = await getSignedUrl(t.s3, new GetObjectCommand({ Bucket: t.bucketName, Key: 'seed.txt' }), {
      expiresIn: 60,
    });
    const tampered = url.replace(
      /X-Amz-Signature=([0-9a-f])/,
      (_, c: string) => `X-Amz-Signature=${c === 'a' ? 'b' : 'a'}`,
    );
    expect(await xmlError(await fetch(tampered))).toMatchObject({
      status: 403,
      code: 'SignatureDoesNotMatch',
    });
  });

  it('an expired URL is refused with B2 wording, on the emulator clock', async () => {
    const url = await getSignedUrl(t.s3, new GetObjectCommand({ Bucket: t.bucketName, Key: 'seed.txt' }), {
      expiresIn: 60,
    });
    expect((await fetch(url)).status).toBe(200);
    t.s.emulator.clock.advance(61_000);
    try {
      const err = await xmlError(await fetch(url));
      expect(err).toMatchObject({ status: 403, code: 'UnauthorizedAccess' });
      expect(err.message).toMatch(/^Request has expired given timestamp: '\d{8}T\d{6}Z' and expiration: 60$/);
    } finally {
      t.s.emulator.clock.advance(-61_000);
    }
  });

  it('a URL dated in the future beyond the skew is not valid yet; expiry over a week is refused', async () => {
    const future = await getSignedUrl(t.s3, new GetObjectCommand({ Bucket: t.bucketName, Key: 'seed.txt' }), {
      expiresIn: 60,
      signingDate: new Date(Date.now() + 20 * 60_000),
    });
    expect(await xmlError(await fetch(future))).toMatchObject({
      status: 403,
      code: 'AccessDenied',
      message: 'Request is not valid yet',
    });
    const url = await getSignedUrl(t.s3, new GetObjectCommand({ Bucket: t.bucketName, Key: 'seed.txt' }), {
      expiresIn: 60,
    });
    const tooLong = url.replace('X-Amz-Expires=60', 'X-Amz-Expires=604801');
    expect(await xmlError(await fetch(tooLong))).toMatchObject({
      status: 400,
      code: 'AuthorizationQueryParametersError',
    });
  });

  it('a URL signed with another key secret or for a deleted key is refused', async () => {
    const key = await t.createKey(['readFiles']);
    const client = t.client(key);
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: t.bucketName, Key: 'seed.txt' }), {
      expiresIn: 60,
    });
    expect((await fetch(url)).status).toBe(200);
    await t.s.call('b2_delete_key', { applicationKeyId: key.keyId });
    expect(await xmlError(await fetch(url))).toMatchObject({ status: 403, code: 'InvalidAccessKeyId' });
  });
});
