/**
 * Shared setup for the S3 tests: an emulator on loopback, a bucket, an application key made through the
 * native API, and `@aws-sdk/client-s3` pointed at the announced s3ApiUrl (path-style, checksums only
 * when required, as B2 needs), so every request is signed by code we did not write.
 */
import { createHash } from 'node:crypto';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { Capability } from '../../src/b2/wire.js';
import type { EmulatorOptions } from '../../src/emulator/index.js';
import { makeBucket, type Session, session } from '../emulator/helpers.js';

// b2up runs on Node 20; the SDK is only a test client here, so its Node 22 notice is noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const md5 = (data: Buffer | string) => createHash('md5').update(data).digest('hex');
export const sha1 = (data: Buffer | string) => createHash('sha1').update(data).digest('hex');

export interface AppKey {
  keyId: string;
  key: string;
}

export interface S3Setup {
  s: Session;
  url: string;
  region: string;
  bucketName: string;
  bucketId: string;
  /** A key with every bucket capability, restricted to nothing. */
  appKey: AppKey;
  s3: S3Client;
  client(key: AppKey, config?: Partial<S3ClientConfig>): S3Client;
  createKey(capabilities: string[], restrict?: { bucketId?: string; namePrefix?: string }): Promise<AppKey>;
  close(): Promise<void>;
}

export const ALL_FILE_CAPABILITIES: Capability[] = [
  'listBuckets',
  'readBuckets',
  'writeBuckets',
  'listFiles',
  'readFiles',
  'writeFiles',
  'deleteFiles',
  'readBucketEncryption',
  'writeBucketEncryption',
  'readBucketRetentions',
  'readFileRetentions',
  'readFileLegalHolds',
];

export async function s3Setup(
  options: EmulatorOptions = {},
  bucketExtra: Record<string, unknown> = {},
): Promise<S3Setup> {
  const s = await session(options);
  const bucketId = await makeBucket(s, 'allPrivate', bucketExtra);
  const buckets = await s.call('b2_list_buckets', { accountId: s.accountId, bucketId });
  const bucketName = buckets.body.buckets[0].bucketName as string;
  const createKey: S3Setup['createKey'] = async (capabilities, restrict = {}) => {
    const r = await s.call('b2_create_key', {
      accountId: s.accountId,
      keyName: `k${Math.random().toString(36).slice(2, 10)}`,
      capabilities,
      ...restrict,
    });
    if (r.status !== 200) throw new Error(`create key failed: ${JSON.stringify(r.body)}`);
    return { keyId: r.body.applicationKeyId, key: r.body.applicationKey };
  };
  const appKey = await createKey(ALL_FILE_CAPABILITIES);
  const clients: S3Client[] = [];
  const client: S3Setup['client'] = (key, config = {}) => {
    const c = new S3Client({
      endpoint: s.emulator.url,
      region: s.emulator.region,
      forcePathStyle: true,
      credentials: { accessKeyId: key.keyId, secretAccessKey: key.key },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 1,
      ...config,
    });
    clients.push(c);
    return c;
  };
  return {
    s,
    url: s.emulator.url,
    region: s.emulator.region,
    bucketName,
    bucketId,
    appKey,
    s3: withContentMd5(client(appKey)),
    client,
    createKey,
    async close() {
      for (const c of clients) c.destroy();
      await s.emulator.close();
    },
  };
}

/**
 * What B2 users add to AWS SDK v3 clients: operations that S3 says need a checksum (DeleteObjects,
 * PutBucketCors, PutBucketEncryption) get a CRC32 header from the SDK even with WHEN_REQUIRED, which
 * B2 refuses; this swaps it for Content-MD5 just before signing.
 */
type Middleware = Parameters<S3Client['middlewareStack']['addRelativeTo']>[0];
type Handler = (args: { request: unknown }) => Promise<unknown>;

export function withContentMd5(client: S3Client): S3Client {
  const swap = (next: Handler) => async (args: { request: unknown }) => {
    const request = args.request as { headers: Record<string, string>; body?: unknown };
    const names = Object.keys(request.headers);
    const checksum = names.filter((n) => /^x-amz-(sdk-)?checksum-/i.test(n));
    if (checksum.length) {
      for (const n of checksum) delete request.headers[n];
      const body = request.body as string | Uint8Array | undefined;
      request.headers['content-md5'] = createHash('md5')
        .update(body ?? '')
        .digest('base64');
    }
    return next(args);
  };
  // addRelativeTo takes any step's middleware (a union), so the finalize-step shape is asserted here.
  client.middlewareStack.addRelativeTo(swap as unknown as Middleware, {
    relation: 'before',
    toMiddleware: 'httpSigningMiddleware',
    name: 'b2ContentMd5',
  });
  return client;
}

/** What an SDK call failed with: S3's error code and HTTP status. */
export async function failure(
  promise: Promise<unknown>,
): Promise<{ code: string; status: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { code: e.name, status: e.$metadata?.httpStatusCode ?? 0, message: e.message };
  }
  throw new Error('expected the call to fail');
}
