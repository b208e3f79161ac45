/**
 * The hasher's fast paths: the worker pool's WebCrypto threshold is validated,
 * and the in-thread hasher (node:crypto in Node) still agrees with node:crypto on every size and
 * reads in slices. The worker's two read paths (WebCrypto whole reads, hash-wasm over a BYOB stream
 * into one reused buffer) are checked here on Node's Blobs, and in Chromium by e2e/hash.spec.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSHA1 } from 'hash-wasm';
import { sha1OfStream, sha1WithWebCrypto } from '../../src/upload/hasher-core.js';
import { createInlineHasher, createWorkerHasher } from '../../src/upload/hasher.js';

const sha1 = (bytes: Uint8Array) => createHash('sha1').update(bytes).digest('hex');

describe('hasher fast paths', () => {
  it('refuses a wholeReadMaxSize that is negative or not an integer', () => {
    expect(() => createWorkerHasher({ wholeReadMaxSize: -1 })).toThrow(RangeError);
    expect(() => createWorkerHasher({ wholeReadMaxSize: 1.5 })).toThrow(RangeError);
    expect(() => createWorkerHasher({ wholeReadMaxSize: 0 }).close()).not.toThrow();
  });

  it('hashes in-thread with the same result as node:crypto, many jobs at once', async () => {
    const hasher = createInlineHasher({ chunkSize: 64 * 1024 });
    const inputs = [0, 1, 64 * 1024, 200_000, 1_000_003].map((n) => randomBytes(n));
    const got = await Promise.all(inputs.map((bytes) => hasher.sha1(new Blob([bytes]))));
    expect(got).toEqual(inputs.map(sha1));
    hasher.close();
  });

  it('WebCrypto path: equal to node:crypto, reusing one read buffer across jobs', async () => {
    const scratch = {};
    for (const size of [0, 1, 70_000, 2 * 1024 * 1024 + 3, 1024]) {
      const bytes = randomBytes(size);
      const result = await sha1WithWebCrypto(new Blob([bytes]), () => false, scratch);
      expect(result).toEqual({ ok: true, sha1: sha1(bytes) });
    }
  });

  it('WebCrypto path: answers aborted before reading, and read_failed when the Blob cannot be read', async () => {
    await expect(sha1WithWebCrypto(new Blob(['abc']), () => true)).resolves.toMatchObject({
      ok: false,
      code: 'aborted',
    });
    const broken = {
      size: 10,
      stream: () => new ReadableStream({ type: 'bytes', pull: (c) => c.error(new Error('gone')) }),
      arrayBuffer: () => Promise.reject(new Error('gone')),
    } as unknown as Blob;
    await expect(sha1WithWebCrypto(broken, () => false)).resolves.toMatchObject({
      ok: false,
      code: 'read_failed',
    });
  });

  it('stream path: equal to node:crypto for sizes around the chunk size, reusing one buffer', async () => {
    const hasher = await createSHA1();
    const chunk = 64 * 1024;
    const scratch: { buffer?: ArrayBuffer } = {};
    for (const size of [0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk + 17, 1_000_003]) {
      const bytes = randomBytes(size);
      const result = await sha1OfStream(hasher, new Blob([bytes]), chunk, () => false, scratch);
      expect(result).toEqual({ ok: true, sha1: sha1(bytes) });
      expect(scratch.buffer?.byteLength).toBe(chunk);
    }
  });

  it('stream path: answers aborted, and read_failed when the stream errors', async () => {
    const hasher = await createSHA1();
    await expect(sha1OfStream(hasher, new Blob(['abc']), 1024, () => true, {})).resolves.toMatchObject({
      ok: false,
      code: 'aborted',
    });
    const broken = {
      size: 10,
      stream: () => new ReadableStream({ type: 'bytes', pull: (c) => c.error(new Error('gone')) }),
    } as unknown as Blob;
    await expect(sha1OfStream(hasher, broken, 1024, () => false, {})).resolves.toMatchObject({
      ok: false,
      code: 'read_failed',
    });
  });
});
