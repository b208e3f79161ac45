/**
 * The S3 part port and its presigned-URL source, as pure logic: how B2's S3 answers become the
 * retry loop's decisions and the SDK's error codes, and how part URLs are batched and re-signed.
 * The real round trip (emulator, broker over HTTP) is in test/node/s3-large-upload.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { withUploadRetries } from '../../src/b2/target-upload.js';
import type { S3PartUrl } from '../../src/upload/broker-client.js';
import type { PartAttempt } from '../../src/upload/part-port.js';
import { decideS3Part, s3PartPort } from '../../src/upload/s3-part-port.js';
import { createS3PartUrls } from '../../src/upload/s3-part-urls.js';
import { toUploadError } from '../../src/upload/to-upload-error.js';
import type { SendHashedRequest, SendRequest, SendResponse } from '../../src/upload/transport.js';

const SHA1 = 'aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d';
const attempt: PartAttempt = {
  target: {
    uploadUrl: 'https://s3.example/b/k?partNumber=2&uploadId=u&X-Amz-Expires=900',
    authorizationToken: '',
  },
  partNumber: 2,
  file: new Blob(['hello world']),
  start: 6,
  end: 11,
  sha1: SHA1,
  signal: undefined,
  onProgress: () => {},
  stallTimeoutMs: 0,
};

const s3Error = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;

async function failureOf(response: SendResponse) {
  return s3PartPort(async () => response)
    .send(attempt)
    .catch((error: unknown) => error);
}

describe('s3 part port', () => {
  it('PUTs the part bytes alone to the presigned URL and resolves with the SHA-1 hashed ahead', async () => {
    let sent: SendRequest | undefined;
    const port = s3PartPort(async (request) => {
      sent = request;
      return { status: 200, headers: { etag: '"5eb63bbbe01eeed093cb22bb8f5acdc3"' }, text: '' };
    });
    expect(port.hashesOnTheWay).toBe(false);
    expect(await port.send(attempt)).toBe(SHA1);
    expect(sent).toMatchObject({ url: attempt.target.uploadUrl, method: 'PUT', headers: {} });
    expect(await sent!.body.text()).toBe('world');
  });

  it('in Node hashes on the way out, without the trailing SHA-1 B2 part URLs take', async () => {
    let sent: SendHashedRequest | undefined;
    const port = s3PartPort(
      async () => {
        throw new Error('not used');
      },
      async (request) => {
        sent = request;
        return { status: 200, headers: {}, text: '', sha1: 'f'.repeat(40) };
      },
    );
    expect(port.hashesOnTheWay).toBe(true);
    expect(await port.send({ ...attempt, sha1: undefined })).toBe('f'.repeat(40));
    expect(sent).toMatchObject({ method: 'PUT', start: 6, end: 11, appendSha1: false });
  });

  it('swaps an expired URL for a fresh one at once, without counting a backoff', async () => {
    const expired = await failureOf({
      status: 403,
      headers: {},
      text: s3Error(
        'UnauthorizedAccess',
        "Request has expired given timestamp: '20250101T000000Z' and expiration: 900",
      ),
    });
    expect(expired).toMatchObject({ name: 'B2Error', status: 403, code: 'UnauthorizedAccess' });
    expect(decideS3Part(expired)).toEqual({ retry: true, dropUrl: true, backoff: false });
  });

  it.each([
    [
      503,
      'SlowDown',
      { 'retry-after': '3' },
      { retry: true, dropUrl: true, backoff: true, retryAfterSeconds: 3 },
    ],
    [500, 'InternalError', {}, { retry: true, dropUrl: true, backoff: true }],
    [429, 'TooManyRequests', {}, { retry: true, dropUrl: false, backoff: true }],
    [408, 'RequestTimeout', {}, { retry: true, dropUrl: true, backoff: true }],
  ])('retries %i %s as B2 part URLs are retried', async (status, code, headers, decision) => {
    const error = await failureOf({ status, headers, text: s3Error(code, 'try again') });
    expect(error).toMatchObject({ status, code });
    expect(decideS3Part(error)).toEqual(decision);
    expect(toUploadError(error).code).toBe(status === 429 ? 'rejected' : 'network');
  });

  it.each([
    [400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.', 'rejected'],
    [403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match', 'rejected'],
    [403, 'AccessDenied', 'Access Denied', 'rejected'],
    [404, 'NoSuchUpload', 'The specified upload does not exist.', 'upload_expired'],
  ])('fails %i %s at once, typed', async (status, code, message, uploadCode) => {
    const error = await failureOf({ status, headers: {}, text: s3Error(code, message) });
    expect(error).toMatchObject({ name: 'B2Error', status, code, message });
    expect(decideS3Part(error)).toEqual({ retry: false });
    expect(toUploadError(error)).toMatchObject({ name: 'UploadError', code: uploadCode, status });
  });

  it('reads a proxy error page by its status, and no answer at all as a network failure', async () => {
    const page = await failureOf({ status: 502, headers: {}, text: '<html>Bad Gateway</html>' });
    expect(page).toMatchObject({ status: 502, code: 'http_502' });
    expect(decideS3Part(page)).toMatchObject({ retry: true, dropUrl: true });
    const message = await failureOf({
      status: 400,
      headers: {},
      text: s3Error('InvalidArgument', 'a &lt;b&gt; &amp; c'),
    });
    expect(message).toMatchObject({ message: 'a <b> & c' });
  });
});

describe('presigned part URLs as the retry loop’s target source', () => {
  const url = (n: number, ttl = 900) =>
    `https://s3.example/b/k?partNumber=${n}&uploadId=u&X-Amz-Expires=${ttl}`;

  function broker(ttl = 900) {
    const calls: number[][] = [];
    const fetchUrls = async (partNumbers: number[]): Promise<S3PartUrl[]> => {
      calls.push(partNumbers);
      return partNumbers.map((partNumber) => ({ partNumber, url: url(partNumber, ttl), expiresAt: 0 }));
    };
    return { calls, fetchUrls };
  }

  it('signs the part asked for and the parts waiting after it in one call (16 at most)', async () => {
    const { calls, fetchUrls } = broker();
    const queue = Array.from({ length: 40 }, (_, i) => i + 1);
    const urls = createS3PartUrls(fetchUrls, () => queue);
    await urls.prefetch();
    expect(calls).toEqual([queue.slice(0, 16)]);
    // Four senders take parts 1-4 at once: all were signed by the prefetch.
    const taken = await Promise.all([1, 2, 3, 4].map((n) => urls.sourceFor(n).acquire()));
    expect(taken.map((t) => t.uploadUrl)).toEqual([1, 2, 3, 4].map((n) => url(n)));
    expect(calls).toHaveLength(1);
    // Part 17 was not: one call signs it and the next 15 waiting.
    queue.splice(0, 17);
    const [p17, p18] = await Promise.all([urls.sourceFor(17).acquire(), urls.sourceFor(18).acquire()]);
    expect([p17.uploadUrl, p18.uploadUrl]).toEqual([url(17), url(18)]);
    expect(calls).toEqual([Array.from({ length: 16 }, (_, i) => i + 1), [17, ...queue.slice(0, 15)]]);
  });

  it('re-signs a part after its URL failed, and never hands out one past three quarters of its life', async () => {
    const { calls, fetchUrls } = broker(100);
    let clock = 0;
    const urls = createS3PartUrls(
      fetchUrls,
      () => [],
      () => clock,
    );
    const source = urls.sourceFor(5);
    const first = await source.acquire();
    source.discard(first);
    await source.acquire();
    expect(calls).toEqual([[5], [5]]);
    const spare = await source.acquire();
    source.release(spare);
    clock = 74_000;
    expect(await source.acquire()).toBe(spare);
    source.release(spare);
    clock = 76_000;
    await source.acquire();
    expect(calls).toHaveLength(4);
  });

  it('an expired URL in the one retry loop: fresh URL, same part, success', async () => {
    const { calls, fetchUrls } = broker();
    const urls = createS3PartUrls(fetchUrls, () => []);
    const sent: string[] = [];
    const port = s3PartPort(async (request) => {
      sent.push(request.url);
      return sent.length === 1
        ? {
            status: 403,
            headers: {},
            text: s3Error('UnauthorizedAccess', 'Request has expired given timestamp'),
          }
        : { status: 200, headers: {}, text: '' };
    });
    const result = await withUploadRetries(
      urls.sourceFor(2),
      (target, signal) => port.send({ ...attempt, target, signal }),
      {
        uploadAttempts: 2,
        initialDelayMs: 1,
        multiplier: 1,
        maxDelayMs: 1,
        random: () => 0,
        sleep: async () => {},
      },
      undefined,
      { decide: port.decide },
    );
    expect(result).toBe(SHA1);
    expect(calls).toEqual([[2], [2]]);
    expect(sent).toEqual([url(2), url(2)]);
  });
});
