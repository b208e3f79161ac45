/**
 * B2's largest large file has 10,000 parts, and the broker's finish call carries all their SHA-1s
 * (~430 KB of JSON). The real broker and emulator over HTTP, the upload engine in Node: a 10,000-part
 * file goes through start, part URLs, parts, and a finish whose body the broker must accept. The
 * parts are 1 KiB (the emulator's minimum lowered, as tests do; the finish body's size depends on
 * the part count only) and the emulator keeps no bytes (each part's SHA-1 is still checked).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Limits } from '../../src/b2/wire.js';
import { type DevStack, startDevStack } from '../../src/cli/dev-stack.js';
import { createInlineHasher } from '../../src/upload/hasher.js';
import { createHttpBrokerClient } from '../../src/upload/http-broker.js';
import { createMemoryResumeStore } from '../../src/upload/resume-store.js';
import { noTabLock } from '../../src/upload/tab-lock.js';
import { buildUploader } from '../../src/upload/create-uploader.js';

const PART = 1024;

describe('a 10,000-part upload through the broker', () => {
  let stack: DevStack;
  beforeAll(async () => {
    stack = await startDevStack({
      origins: ['http://127.0.0.1'],
      minPartSize: PART,
      keepBytes: false,
      broker: { limits: { startsPerMinute: Number.POSITIVE_INFINITY } },
    });
  });
  afterAll(() => stack.close());

  // 10,000 part requests (~10 CPU seconds, mostly the HTTP client's): on a loaded machine this takes
  // minutes, so the time limit is a stuck-test guard, not a measure.
  it(
    'finishes: the broker takes the finish body with 10,000 SHA-1s and B2 gets all of them',
    { timeout: 300_000 },
    async () => {
      const finishBodies: number[] = [];
      const recording: typeof fetch = async (input, init) => {
        const request = new Request(input, init);
        if (request.url.endsWith('/finish'))
          finishBodies.push((await request.clone().arrayBuffer()).byteLength);
        return fetch(request);
      };
      const broker = createHttpBrokerClient(stack.brokerUrl, {
        headers: () => ({ Authorization: 'Bearer many-parts' }),
        fetch: recording,
      });
      const uploader = buildUploader(
        {
          broker,
          concurrency: 16,
          partSize: PART,
          resume: createMemoryResumeStore(),
          hasher: createInlineHasher(),
        },
        { tabLock: noTabLock, connectivity: { isOnline: () => true, whenOnline: async () => {} } },
      );
      // Every part differs from its neighbours, so the SHA-1 list is 10,000 distinct entries.
      const bytes = new Uint8Array(Limits.maxParts * PART);
      const view = new DataView(bytes.buffer);
      for (let part = 0; part < Limits.maxParts; part++) view.setUint32(part * PART, part + 1);
      let fileName: string;
      try {
        const result = await uploader.upload(new File([bytes], 'ten-thousand-parts.bin')).done;
        expect(result.size).toBe(bytes.length);
        fileName = result.fileName;
      } finally {
        uploader.close();
      }
      // One finish, and it is the size the limit must allow: 10,000 x (40 hex digits, quotes, comma).
      expect(finishBodies).toHaveLength(1);
      expect(finishBodies[0]).toBeGreaterThan(Limits.maxParts * 43);
      const { files } = await stack.admin.listFileNames({ bucketId: stack.bucketId });
      expect(files).toMatchObject([{ fileName, contentLength: bytes.length }]);
    },
  );
});
