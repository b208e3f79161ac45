/**
 * The emulator's S3 API driven by boto3 (Debian's python3-boto3, installed by .ci/run): every
 * operation a typical S3 tool uses, boto3's own multipart transfer manager, presigned GET/PUT, a
 * tampered and an expired presigned URL, and wrong keys (another secret, an unknown key id, the master
 * key, another region).
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_FILE_CAPABILITIES } from '../emulator-s3/helpers.js';
import { makeBucket, type Session, session } from '../emulator/helpers.js';

const python = process.env.B2UP_PYTHON ?? '/usr/bin/python3';
const script = fileURLToPath(new URL('./boto3_client.py', import.meta.url));
const HOW =
  "install Debian/Ubuntu's python3-boto3 (apt-get install -y python3-boto3; .ci/run does), " +
  'or point B2UP_PYTHON at a python3 with boto3';

function hasBoto3(): boolean {
  if (!existsSync(python)) return false;
  try {
    execFileSync(python, ['-c', 'import boto3'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// Required in CI (CI installs it); elsewhere the suite says why it did not run.
const available = hasBoto3();
if (!available && process.env.CI) throw new Error(`boto3 is required in CI: ${HOW}`);
if (!available) console.warn(`boto3 S3 compatibility suite not run: ${HOW}`);

const md5 = (data: Buffer | string) => createHash('md5').update(data).digest('hex');

describe.runIf(available)('boto3 (Python) against the S3 API', () => {
  let s: Session;
  let bucketName: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the script's JSON report.
  let seen: any;

  beforeAll(async () => {
    s = await session({ minPartSize: 5_000_000 });
    const bucketId = await makeBucket(s);
    bucketName = (await s.call('b2_list_buckets', { accountId: s.accountId, bucketId })).body.buckets[0]
      .bucketName;
    const key = await s.call('b2_create_key', {
      accountId: s.accountId,
      keyName: 'boto3',
      capabilities: ALL_FILE_CAPABILITIES,
    });
    const { emulator } = s;
    const { stdout } = await promisify(execFile)(
      python,
      [
        script,
        emulator.url,
        emulator.region,
        key.body.applicationKeyId,
        key.body.applicationKey,
        emulator.keyId,
        emulator.key,
        bucketName,
      ],
      { timeout: 120_000, maxBuffer: 1 << 20 },
    );
    seen = JSON.parse(stdout);
  }, 150_000);

  afterAll(async () => {
    await s?.emulator.close();
  });

  it('lists buckets, reads the region, writes and reads objects with metadata, ranges and Content-MD5', () => {
    expect(seen.buckets).toEqual([bucketName]);
    expect(seen.location).toBe('us-west-004');
    expect(seen.putEtag).toBe(`"${md5('hello from boto3')}"`);
    expect(seen.head).toMatchObject({ length: 16, type: 'text/plain', meta: { lang: 'python' } });
    expect(seen.range).toBe('from');
    expect(seen.badDigest).toEqual({ code: 'BadDigest', status: 400 });
  });

  it('lists (v2 paginated, v1 with a delimiter), copies and deletes', () => {
    expect(seen.listPages).toEqual([
      ['py/list/0.txt', 'py/list/1.txt'],
      ['py/list/2.txt', 'py/list/3.txt'],
      ['py/list/4.txt'],
    ]);
    expect(seen.listV1).toEqual(['py/hello.txt']);
    expect(seen.prefixes).toEqual(['py/']);
    expect(seen.copy).toBe('hello from boto3');
    expect(seen.deleteMarker).toBe(true);
    expect(seen.afterDelete).toEqual({ code: 'NoSuchKey', status: 404 });
    expect(seen.deletedMany).toEqual(['py/list/0.txt', 'py/list/1.txt']);
  });

  it('multipart by hand (with UploadPartCopy), abort, and the transfer manager', async () => {
    expect(seen.uploadsListed).toEqual([seen.multipartUploadId]);
    expect(seen.parts).toEqual([1, 2]);
    expect(seen.multipartEtag).toMatch(/^"[0-9a-f]{32}-2"$/);
    expect(seen.abortedThenList).toEqual({ code: 'NoSuchUpload', status: 404 });
    const big = Buffer.alloc(12 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = i % 256;
    expect(seen.transfer.sha1).toBe(createHash('sha1').update(big).digest('hex'));
    expect(seen.transfer.etag).toMatch(/^"[0-9a-f]{32}-3"$/);
    const info = await s.call('b2_get_file_info', { fileId: seen.multipartUploadId });
    expect(info.body).toMatchObject({ fileName: 'py/multi.bin', contentLength: 5 * 1024 * 1024 + 5 });
  });

  it('bucket CORS and encryption', () => {
    expect(seen.cors).toEqual(['PUT']);
    expect(seen.corsAfterDelete).toEqual({ code: 'NoSuchCORSConfiguration', status: 404 });
    expect(seen.encryption).toBe('AES256');
  });

  it('presigned GET and PUT work; tampered and expired URLs are refused', () => {
    expect(seen.presignedGet).toEqual({ status: 200, body: 'hello from boto3' });
    expect(seen.presignedPut).toBe(200);
    expect(seen.presignedPutRead).toBe('presigned by boto3');
    expect(seen.tampered).toBe(403);
    expect(seen.expired.status).toBe(403);
    expect(seen.expired.body).toContain('<Code>UnauthorizedAccess</Code>');
    expect(seen.expired.body).toContain('Request has expired given timestamp:');
  });

  it('refuses another secret, an unknown key, the master key and another region', () => {
    expect(seen.wrongSecret).toEqual({ code: 'SignatureDoesNotMatch', status: 403 });
    expect(seen.unknownKey).toEqual({ code: 'InvalidAccessKeyId', status: 403 });
    expect(seen.masterKey).toEqual({ code: 'InvalidAccessKeyId', status: 403 });
    expect(seen.otherRegion).toMatchObject({ status: 400 });
  });
});
