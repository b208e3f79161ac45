import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import {
  authorize,
  download,
  largeUpload,
  makeBucket,
  reply,
  type Session,
  session,
  upload,
} from './helpers.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'b2up-emu-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

const bytes = (n: number, seed: number) =>
  Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) % 251));

describe('persistence with a dataDir', () => {
  it('survives a restart: buckets, keys, small and large files, same credentials', async () => {
    const dataDir = tempDir();
    const small = bytes(3000, 1);
    const parts = [bytes(1500, 2), bytes(1100, 3)];
    let s: Session = await session({ dataDir });
    const { keyId, key, accountId } = s.emulator;
    const bucketId = await makeBucket(s);
    const bucketName = (await s.call('b2_list_buckets', { accountId, bucketId })).body.buckets[0].bucketName;
    const smallUp = await upload(s, bucketId, 'dir/small.bin', small);
    const largeUp = await largeUpload(s, bucketId, 'dir/large.bin', parts);
    expect(largeUp.status).toBe(200);
    const unfinished = await s.call('b2_start_large_file', {
      bucketId,
      fileName: 'pending.bin',
      contentType: 'text/plain',
    });
    const oldToken = s.token;
    await s.emulator.close();

    s = await session({ dataDir });
    try {
      expect(s.emulator.accountId).toBe(accountId);
      expect(s.emulator.keyId).toBe(keyId);
      expect(s.emulator.key).toBe(key);
      // Tokens minted before the restart still work (they are signed with the persisted secret).
      expect((await s.call('b2_list_buckets', { accountId }, { token: oldToken })).status).toBe(200);
      const a = await download(`${s.emulator.url}/file/${bucketName}/dir/small.bin`, {
        headers: { Authorization: s.token },
      });
      expect(a.bytes.equals(small)).toBe(true);
      const b = await download(
        `${s.emulator.url}/b2api/v2/b2_download_file_by_id?fileId=${largeUp.body.fileId}`,
        {
          headers: { Authorization: s.token },
        },
      );
      expect(b.bytes.equals(Buffer.concat(parts))).toBe(true);
      const info = await s.call('b2_get_file_info', { fileId: smallUp.body.fileId });
      expect(info.body.contentSha1).toBe(smallUp.body.contentSha1);
      const left = await s.call('b2_list_unfinished_large_files', { bucketId });
      expect(left.body.files.map((f: { fileId: string }) => f.fileId)).toEqual([unfinished.body.fileId]);
      // New files sort as newer than the old ones.
      const again = await upload(s, bucketId, 'dir/small.bin', 'v2');
      const versions = await s.call('b2_list_file_versions', { bucketId, prefix: 'dir/small.bin' });
      expect(versions.body.files[0].fileId).toBe(again.body.fileId);
    } finally {
      await s.emulator.close();
    }
  });

  it('streams a multi-MB body to disk and serves it back byte for byte', async () => {
    const dataDir = tempDir();
    const s = await session({ dataDir });
    try {
      const bucketId = await makeBucket(s);
      const big = bytes(6_000_000, 5);
      const r = await upload(s, bucketId, 'six-mb.bin', big);
      expect(r.status).toBe(200);
      expect(r.body.contentLength).toBe(big.length);
      const d = await download(`${s.emulator.url}/b2api/v2/b2_download_file_by_id?fileId=${r.body.fileId}`, {
        headers: { Authorization: s.token },
      });
      expect(d.bytes.equals(big)).toBe(true);
      const blobs = readdirSync(join(dataDir, 'blobs')).map(
        (name) => statSync(join(dataDir, 'blobs', name)).size,
      );
      expect(blobs).toContain(big.length);
    } finally {
      await s.emulator.close();
    }
  });

  it('a torn journal line and leftover temp files from a crash are ignored', async () => {
    const dataDir = tempDir();
    let s = await session({ dataDir });
    const bucketId = await makeBucket(s);
    await upload(s, bucketId, 'kept.txt', 'kept');
    await s.emulator.close();
    appendFileSync(join(dataDir, 'meta.journal'), '{"s":999999,"t":"files","id":"x","v":{"half');
    writeFileSync(join(dataDir, 'tmp', 'deadbeef'), 'half an object');
    writeFileSync(join(dataDir, 'blobs', 'f'.repeat(32)), 'orphan');
    s = await session({ dataDir });
    try {
      const names = await s.call('b2_list_file_names', { bucketId });
      expect(names.body.files.map((f: { fileName: string }) => f.fileName)).toEqual(['kept.txt']);
      expect(readdirSync(join(dataDir, 'tmp'))).toEqual([]);
      expect(readdirSync(join(dataDir, 'blobs'))).not.toContain('f'.repeat(32));
    } finally {
      await s.emulator.close();
    }
  });

  it('options override stored master credentials', async () => {
    const dataDir = tempDir();
    const first = await startEmulator({ dataDir });
    await first.close();
    const second = await startEmulator({ dataDir, keyId: 'my-key-id', key: 'my-secret' });
    try {
      expect((await authorize(second.url, 'my-key-id', 'my-secret')).status).toBe(200);
      expect((await authorize(second.url, first.keyId, first.key)).status).toBe(401);
    } finally {
      await second.close();
    }
  });

  it('objects are stored by id: a hostile name creates no file outside dataDir', async () => {
    const parent = tempDir();
    const dataDir = join(parent, 'data');
    const s = await session({ dataDir });
    try {
      const bucketId = await makeBucket(s);
      for (const name of ['../../etc/x', '../outside', '/abs/path', 'a/../../b']) {
        const r = await upload(s, bucketId, name, 'evil');
        expect(r.status, name).toBe(200);
      }
      const bucketName = (await s.call('b2_list_buckets', { accountId: s.accountId, bucketId })).body
        .buckets[0].bucketName;
      const d = await reply(
        await fetch(`${s.emulator.url}/file/${bucketName}/..%2F..%2Fetc%2Fx`, {
          headers: { Authorization: s.token },
        }),
      );
      expect(d.body).toBe('evil');
      // Everything lives inside dataDir, under our own names only.
      const outside = walk(parent).filter((p) => relative(dataDir, p).startsWith('..'));
      expect(outside).toEqual([]);
      for (const file of walk(dataDir)) {
        expect(relative(dataDir, file)).toMatch(
          /^(meta\.snapshot\.json|meta\.journal|blobs\/[0-9a-f]{32}|tmp\/[0-9a-f]{32})$/,
        );
      }
    } finally {
      await s.emulator.close();
    }
  });
});
