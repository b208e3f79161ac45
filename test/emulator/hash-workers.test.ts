import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDigestPool } from '../../src/emulator/digest-pool.js';
import { download, makeBucket, reply, type Session, session, sha1, upload } from './helpers.js';

const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

/** Bytes that differ at every offset, so a dropped or repeated batch changes both hashes. */
function pattern(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed + (i >> 8)) & 0xff;
  return out;
}

describe('hash pool', () => {
  it('hashes interleaved bodies with SHA-1 and MD5 equal to node:crypto', async () => {
    // A tiny batch and window force many batches, reuse of spare buffers and back-pressure waits.
    const pool = createDigestPool({ maxWorkers: 2, batchSize: 4096, maxBatchesInFlight: 2 });
    try {
      const bodies = [pattern(300_001, 1), pattern(70_000, 2), pattern(0, 3), pattern(123_457, 4)];
      const hashers = bodies.map((body) => ({ body, h: pool.start() }));
      for (let off = 0; off < 300_001; off += 10_000) {
        await Promise.all(
          hashers.map(({ body, h }) => {
            const piece = body.subarray(off, off + 10_000);
            return piece.length && !h.update(piece) ? h.room() : Promise.resolve();
          }),
        );
      }
      const digests = await Promise.all(hashers.map(({ h }) => h.digest()));
      expect(digests).toEqual(bodies.map((b) => ({ sha1: sha1(b), md5: md5(b) })));
    } finally {
      await pool.close();
    }
  });

  it('bodies one after another reuse the batches, filled at odd offsets', async () => {
    // Chunks of odd sizes land at every alignment in a batch; each body starts on the batches the
    // one before it (or an aborted one) left behind, so stale bytes would change the digests.
    const pool = createDigestPool({ maxWorkers: 2, batchSize: 4096, maxBatchesInFlight: 2 });
    try {
      const dropped = pool.start();
      dropped.update(pattern(5_000, 20));
      dropped.abort();
      for (const [size, step] of [
        [100_003, 4_097],
        [9_999, 7],
        [65_537, 1_021],
      ] as const) {
        const body = pattern(size, size);
        const h = pool.start();
        for (let off = 0; off < size; off += step) {
          if (!h.update(body.subarray(off, off + step))) await h.room();
        }
        expect(await h.digest()).toEqual({ sha1: sha1(body), md5: md5(body) });
      }
    } finally {
      await pool.close();
    }
  });

  it('an aborted body leaves the pool usable, and a closed pool refuses new bodies', async () => {
    const pool = createDigestPool({ batchSize: 1024 });
    const dropped = pool.start();
    dropped.update(pattern(10_000, 5));
    dropped.abort();
    dropped.abort();
    expect(() => dropped.update(Buffer.from('x'))).toThrow();
    await expect(dropped.room()).rejects.toThrow();
    const body = pattern(50_000, 6);
    const h = pool.start();
    if (!h.update(body)) await h.room();
    expect(await h.digest()).toEqual({ sha1: sha1(body), md5: md5(body) });
    await pool.close();
    expect(() => pool.start()).toThrow('hash pool is closed');
  });
});

// Bodies of 1 MiB or more are hashed in the workers; these cover the same rules as uploads.test.ts.
const BIG = 2 * 1024 * 1024 + 17;

describe.each([
  ['memory', false],
  ['disk', true],
])('emulator with hash workers (%s)', (_mode, onDisk) => {
  let s: Session;
  let bucketId: string;
  let dir: string | undefined;
  beforeAll(async () => {
    dir = onDisk ? mkdtempSync(join(tmpdir(), 'b2up-hash-')) : undefined;
    s = await session({ dataDir: dir, hashWorkers: 2 });
    bucketId = await makeBucket(s);
  });
  afterAll(async () => {
    await s.emulator.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const names = async () =>
    (await s.call('b2_list_file_versions', { bucketId, maxFileCount: 1000 })).body.files.map(
      (f: { fileName: string }) => f.fileName,
    );
  const bytesOf = async (fileId: string) =>
    (
      await download(`${s.emulator.url}/b2api/v2/b2_download_file_by_id?fileId=${fileId}`, {
        headers: { Authorization: s.token },
      })
    ).bytes;

  it('stores a verified body and reports its SHA-1 and MD5', async () => {
    const data = pattern(BIG, 7);
    const r = await upload(s, bucketId, 'big.bin', data);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ contentLength: BIG, contentSha1: sha1(data), contentMd5: md5(data) });
    expect((await bytesOf(r.body.fileId)).equals(data)).toBe(true);
  });

  it('a SHA-1 mismatch is 400 and stores nothing', async () => {
    const r = await upload(s, bucketId, 'big-bad.bin', pattern(BIG, 8), {
      'X-Bz-Content-Sha1': sha1('other'),
    });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ status: 400, code: 'bad_request', message: 'Sha1 did not match data received' });
    expect(await names()).not.toContain('big-bad.bin');
  });

  it('hex_digits_at_end verifies and strips the trailing 40 bytes', async () => {
    const data = pattern(BIG, 9);
    const ok = await upload(s, bucketId, 'big-hex.bin', Buffer.concat([data, Buffer.from(sha1(data))]), {
      'X-Bz-Content-Sha1': 'hex_digits_at_end',
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ contentLength: BIG, contentSha1: sha1(data), contentMd5: md5(data) });
    expect((await bytesOf(ok.body.fileId)).equals(data)).toBe(true);
    const bad = await upload(s, bucketId, 'big-hex-bad.bin', Buffer.concat([data, Buffer.from(sha1('x'))]), {
      'X-Bz-Content-Sha1': 'hex_digits_at_end',
    });
    expect(bad.status).toBe(400);
    expect(await names()).not.toContain('big-hex-bad.bin');
  });

  it('do_not_verify reports unverified:<sha1>', async () => {
    const data = pattern(BIG, 10);
    const r = await upload(s, bucketId, 'big-nv.bin', data, { 'X-Bz-Content-Sha1': 'do_not_verify' });
    expect(r.status).toBe(200);
    expect(r.body.contentSha1).toBe(`unverified:${sha1(data)}`);
    expect(r.body.contentMd5).toBe(md5(data));
  });

  it('reset_mid_body stores nothing, and the next body still hashes right', async () => {
    const before = s.emulator.counters.get('b2_upload_file').bytesReceived;
    s.emulator.faults.add({
      endpoints: ['b2_upload_file'],
      fault: { kind: 'reset_mid_body', afterBytes: 1_500_000 },
    });
    await expect(upload(s, bucketId, 'big-reset.bin', pattern(BIG, 11))).rejects.toThrow();
    expect(await names()).not.toContain('big-reset.bin');
    expect(s.emulator.counters.get('b2_upload_file').bytesReceived - before).toBe(1_500_000);
    const data = pattern(BIG, 12);
    const r = await upload(s, bucketId, 'big-after.bin', data);
    expect(r.status).toBe(200);
    expect(r.body.contentMd5).toBe(md5(data));
  });

  it('parts uploaded at once each get their own hashes', async () => {
    const start = await s.call('b2_start_large_file', {
      bucketId,
      fileName: 'big-large.bin',
      contentType: 'application/octet-stream',
    });
    const fileId = start.body.fileId;
    const parts = [pattern(BIG, 13), pattern(BIG, 14), pattern(BIG, 15)];
    const replies = await Promise.all(
      parts.map(async (part, i) => {
        const url = (await s.call('b2_get_upload_part_url', { fileId })).body;
        return reply(
          await fetch(url.uploadUrl, {
            method: 'POST',
            headers: {
              Authorization: url.authorizationToken,
              'X-Bz-Part-Number': String(i + 1),
              'X-Bz-Content-Sha1': sha1(part),
            },
            body: new Uint8Array(part),
          }),
        );
      }),
    );
    expect(replies.map((r) => [r.status, r.body.contentSha1, r.body.contentMd5])).toEqual(
      parts.map((p) => [200, sha1(p), md5(p)]),
    );
    const done = await s.call('b2_finish_large_file', { fileId, partSha1Array: parts.map((p) => sha1(p)) });
    expect(done.status).toBe(200);
    expect((await bytesOf(fileId)).equals(Buffer.concat(parts))).toBe(true);
  });
});
