import { createHash, randomBytes } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import {
  createDefaultHasher,
  createInlineHasher,
  createWorkerHasher,
  HashError,
  isHashError,
} from '../../src/upload/hasher.js';

const CHUNK = 64 * 1024;

function nodeSha1(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}

/** A Blob stand-in that records every slice it hands out and refuses whole-Blob reads. */
function countingBlob(bytes: Uint8Array<ArrayBuffer>) {
  const real = new Blob([bytes]);
  const sliceLengths: number[] = [];
  const blob = {
    size: real.size,
    type: '',
    slice(start?: number, end?: number) {
      const piece = real.slice(start, end);
      sliceLengths.push(piece.size);
      return piece;
    },
    arrayBuffer: () => Promise.reject(new Error('read the whole Blob at once')),
    bytes: () => Promise.reject(new Error('read the whole Blob at once')),
    text: () => Promise.reject(new Error('read the whole Blob at once')),
    stream: () => {
      throw new Error('read the whole Blob at once');
    },
  } as unknown as Blob;
  return { blob, sliceLengths };
}

describe('createInlineHasher', () => {
  const hasher = createInlineHasher({ chunkSize: CHUNK });
  afterAll(() => hasher.close());

  const sizes = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17, 5 * 1024 * 1024 + 3];
  for (const size of sizes) {
    it(`matches node:crypto for ${size} bytes`, async () => {
      const bytes = randomBytes(size);
      await expect(hasher.sha1(new Blob([bytes]))).resolves.toBe(nodeSha1(bytes));
    });
  }

  it('gives the known SHA-1 of the empty input and of "abc"', async () => {
    await expect(hasher.sha1(new Blob([]))).resolves.toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709');
    await expect(hasher.sha1(new Blob(['abc']))).resolves.toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
  });

  it('reads by slices of at most chunkSize, covering every byte once', async () => {
    const bytes = randomBytes(5 * CHUNK + 123);
    const { blob, sliceLengths } = countingBlob(bytes);
    await expect(hasher.sha1(blob)).resolves.toBe(nodeSha1(bytes));
    expect(sliceLengths).toEqual([CHUNK, CHUNK, CHUNK, CHUNK, CHUNK, 123]);
  });

  it('never reads more than chunkSize bytes at once from a real Blob', async () => {
    const read = vi.spyOn(Blob.prototype, 'arrayBuffer');
    try {
      const bytes = randomBytes(4 * CHUNK + 1);
      await expect(hasher.sha1(new Blob([bytes]))).resolves.toBe(nodeSha1(bytes));
      const receivers = read.mock.contexts as Blob[];
      expect(receivers.length).toBe(5);
      expect(Math.max(...receivers.map((blob) => blob.size))).toBe(CHUNK);
    } finally {
      read.mockRestore();
    }
  });

  it('hashes concurrent jobs independently (instances are not shared mid-job)', async () => {
    const inputs = [0, 1, CHUNK + 5, 3 * CHUNK, 7 * CHUNK - 1, 2].map((size) => randomBytes(size));
    const digests = await Promise.all(inputs.map((bytes) => hasher.sha1(new Blob([bytes]))));
    expect(digests).toEqual(inputs.map(nodeSha1));
  });

  it('rejects with a typed aborted error, before or during a hash', async () => {
    const before = new AbortController();
    before.abort(new Error('user cancelled'));
    const early = await hasher.sha1(new Blob(['x']), { signal: before.signal }).catch((e: unknown) => e);
    expect(isHashError(early) && early.code).toBe('aborted');
    expect((early as HashError).cause).toBe(before.signal.reason);

    const during = new AbortController();
    const bytes = randomBytes(32 * CHUNK);
    const { blob, sliceLengths } = countingBlob(bytes);
    const wrapped = {
      ...blob,
      size: blob.size,
      slice(start?: number, end?: number) {
        if (sliceLengths.length === 2) during.abort();
        return blob.slice(start, end);
      },
    } as Blob;
    const late = await hasher.sha1(wrapped, { signal: during.signal }).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(HashError);
    expect((late as HashError).code).toBe('aborted');
    // Give a loop that ignored the abort ample turns to read on, then check it stopped: the abort
    // fired while the third slice was being taken, so that slice was the last one read.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sliceLengths.length).toBe(3);

    // The hasher is still usable afterwards.
    await expect(hasher.sha1(new Blob(['abc']))).resolves.toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
  });

  it('rejects with read_failed when the file behind a Blob changed after it was opened', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'b2up-hasher-'));
    try {
      const path = join(dir, 'part.bin');
      await writeFile(path, randomBytes(3 * CHUNK));
      const blob = await openAsBlob(path);
      await expect(hasher.sha1(blob)).resolves.toMatch(/^[0-9a-f]{40}$/);
      // Node checks size and mtime on every read of a file-backed Blob, as browsers do for a File.
      await writeFile(path, randomBytes(2 * CHUNK));
      const error = await hasher.sha1(blob).catch((e: unknown) => e);
      expect(isHashError(error)).toBe(true);
      expect((error as HashError).code).toBe('read_failed');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects with read_failed when a slice read throws', async () => {
    const failing = {
      size: 10,
      type: '',
      slice: () => ({ arrayBuffer: () => Promise.reject(new DOMException('gone', 'NotReadableError')) }),
    } as unknown as Blob;
    const error = await hasher.sha1(failing).catch((e: unknown) => e);
    expect((error as HashError).code).toBe('read_failed');
  });

  it('rejects with closed after close()', async () => {
    const own = createInlineHasher();
    await expect(own.sha1(new Blob(['abc']))).resolves.toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    own.close();
    const error = await own.sha1(new Blob(['abc'])).catch((e: unknown) => e);
    expect((error as HashError).code).toBe('closed');
  });

  it('refuses a chunk size that is not a positive integer', () => {
    expect(() => createInlineHasher({ chunkSize: 0 })).toThrow(RangeError);
    expect(() => createWorkerHasher({ chunkSize: 1.5 })).toThrow(RangeError);
    expect(() => createWorkerHasher({ workers: 0 })).toThrow(RangeError);
  });
});

describe('createDefaultHasher', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('hashes in-thread in Node, where there is no Worker global', async () => {
    expect(typeof (globalThis as { Worker?: unknown }).Worker).toBe('undefined');
    const hasher = createDefaultHasher();
    const bytes = randomBytes(CHUNK * 2 + 9);
    await expect(hasher.sha1(new Blob([bytes]))).resolves.toBe(nodeSha1(bytes));
    hasher.close();
  });

  it('starts no worker before the first sha1() call', () => {
    const started = vi.fn();
    vi.stubGlobal(
      'Worker',
      class {
        constructor() {
          started();
        }
      },
    );
    const hasher = createDefaultHasher();
    hasher.close();
    expect(started).not.toHaveBeenCalled();
  });
});
