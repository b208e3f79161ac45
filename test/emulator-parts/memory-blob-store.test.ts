/**
 * The in-memory blob store keeps a blob as the chunks it arrived in (no join at commit, see
 * src/emulator/blobs.ts); ranged reads must still return exactly the requested bytes.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMemoryBlobStore } from '../../src/emulator/blobs.js';

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

async function store(pieces: Buffer[]) {
  const blobs = createMemoryBlobStore();
  const writer = blobs.create();
  for (const piece of pieces) writer.write(piece);
  return { blobs, id: await writer.commit() };
}

describe('memory blob store', () => {
  const pieces = [randomBytes(7), randomBytes(1), randomBytes(13), randomBytes(0), randomBytes(9)];
  const whole = Buffer.concat(pieces);

  it('reads every inclusive range exactly, across chunk boundaries', async () => {
    const { blobs, id } = await store(pieces);
    for (let start = 0; start < whole.length; start++) {
      for (let end = start; end < whole.length; end++) {
        expect((await collect(blobs.read(id, start, end))).equals(whole.subarray(start, end + 1))).toBe(true);
      }
    }
  });

  it('reads nothing for an empty range and for an empty blob', async () => {
    const { blobs, id } = await store(pieces);
    expect((await collect(blobs.read(id, 5, 4))).length).toBe(0);
    const empty = await store([]);
    expect((await collect(empty.blobs.read(empty.id, 0, -1))).length).toBe(0);
  });

  it('throws for a deleted blob and forgets an aborted one', async () => {
    const { blobs, id } = await store(pieces);
    blobs.delete(id);
    await expect(collect(blobs.read(id, 0, 1))).rejects.toThrow(/missing/);
    const writer = blobs.create();
    writer.write(randomBytes(4));
    writer.abort();
    await expect(writer.commit()).resolves.toMatch(/^[0-9a-f]{32}$/);
  });
});
