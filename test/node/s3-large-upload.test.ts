/**
 * Large files over the S3 transport, end to end in Node: the SDK's engine (Node uploader) against a
 * real broker over HTTP and the real emulator. Parts go by presigned S3 UploadPart, the broker
 * compares B2's part SHA-1s with the client's before it completes, and a resume continues through
 * S3 whatever the option says now.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeUploader } from '../../src/node/node-uploader.js';
import type { BrokerClient } from '../../src/upload/broker-client.js';
import { createInlineHasher } from '../../src/upload/hasher.js';
import { createHttpBrokerClient } from '../../src/upload/http-broker.js';
import { createMemoryResumeStore, type ResumeStore } from '../../src/upload/resume-store.js';
import { noTabLock } from '../../src/upload/tab-lock.js';
import { defaultSend, type Send } from '../../src/upload/transport.js';
import { buildUploader } from '../../src/upload/create-uploader.js';
import { bytes, download, MIN_PART, startBroker } from '../broker/helpers.js';
import { useBrokerWorld } from '../broker/use-world.js';

const { world, broker } = useBrokerWorld({ s3: true });
let stateDir: string;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'b2up-s3-large-'));
});

afterAll(async () => {
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

/** The HTTP broker client, counting the calls of each kind. */
function countingBroker(user: string, url = broker.url) {
  const client = createHttpBrokerClient(url, { headers: () => ({ Authorization: `Bearer ${user}` }) });
  const calls = { s3PartUrls: 0, partTargets: 0, start: [] as unknown[] };
  const counted: BrokerClient = {
    ...client,
    id: client.id!,
    start: (request, signal) => {
      calls.start.push(request.transport);
      return client.start(request, signal);
    },
    s3PartUrls: (session, partNumbers, signal) => {
      calls.s3PartUrls++;
      return client.s3PartUrls!(session, partNumbers, signal);
    },
    partTargets: (session, count, signal) => {
      calls.partTargets++;
      return client.partTargets(session, count, signal);
    },
  };
  return { client: counted, calls };
}

const options = { partSize: MIN_PART, concurrency: 2, retry: { initialDelayMs: 1, maxDelayMs: 5 } };

/** The browser's path in Node: each part's SHA-1 hashed ahead, then the part sent with `send`. */
function hashAheadUploader(
  broker: BrokerClient,
  largeFileTransport: 'native' | 's3',
  resume: ResumeStore | false,
  send: Send,
) {
  return buildUploader(
    { broker, largeFileTransport, hasher: createInlineHasher(), resume, ...options },
    { send, tabLock: noTabLock, connectivity: { isOnline: () => true, whenOnline: async () => {} } },
  );
}

async function unfinished(): Promise<number> {
  const { files } = await world.admin.listUnfinishedLargeFiles({ bucketId: world.bucketId });
  return files.length;
}

async function stored(): Promise<number> {
  const { files } = await world.admin.listFileNames({ bucketId: world.bucketId });
  return files.length;
}

describe('large files over S3 from the SDK', () => {
  it('sends every part by presigned S3 UploadPart (hashed on the way out); B2 holds the file', async () => {
    const data = bytes(3 * MIN_PART + 77, 21);
    const { client, calls } = countingBroker('s3-alice');
    const uploader = createNodeUploader({
      broker: client,
      largeFileTransport: 's3',
      stateDirectory: stateDir,
      ...options,
    });
    world.emulator.counters.reset();
    try {
      const result = await uploader.upload(new Blob([data]), { name: 'movie.bin' }).done;
      expect(await download(world, result.fileId)).toEqual(data);
      expect(result.size).toBe(data.byteLength);
    } finally {
      uploader.close();
    }
    expect(calls.start).toEqual(['s3']);
    expect(calls.partTargets).toBe(0);
    expect(calls.s3PartUrls).toBe(1); // four parts, one batch
    expect(world.emulator.counters.get('s3:UploadPart').requests).toBe(4);
    expect(world.emulator.counters.get('b2_upload_part').requests).toBe(0);
  });

  it('a part whose bytes change on the way is caught at finish: content_mismatch, nothing kept', async () => {
    const data = bytes(2 * MIN_PART + 10, 22);
    const before = { stored: await stored(), unfinished: await unfinished() };
    // The browser's path (SHA-1 hashed ahead, then sent), with part 2's bytes altered in flight:
    // B2 stores what arrives, and its SHA-1 differs from the one the client hashed.
    const send = defaultSend();
    const tampering: Send = async (request) => {
      if (!request.url.includes('partNumber=2')) return send(request);
      const altered = new Uint8Array(await request.body.arrayBuffer());
      altered[0] = altered[0]! ^ 0xff;
      return send({ ...request, body: new Blob([altered]) });
    };
    const uploader = hashAheadUploader(countingBroker('s3-bob').client, 's3', false, tampering);
    try {
      await expect(uploader.upload(new Blob([data]), { name: 'tampered.bin' }).done).rejects.toMatchObject({
        name: 'UploadError',
        code: 'content_mismatch',
      });
    } finally {
      uploader.close();
    }
    expect(await stored()).toBe(before.stored);
    expect(await unfinished()).toBe(before.unfinished);
  });

  it('re-signs a part whose presigned URL expired, and completes', async () => {
    const data = bytes(2 * MIN_PART + 5, 23);
    const { client, calls } = countingBroker('s3-carol');
    // The first batch is signed by a broker clock two hours behind: B2 finds those URLs expired.
    const fixClock: BrokerClient = {
      ...client,
      s3PartUrls: async (session, partNumbers, signal) => {
        const skew = calls.s3PartUrls === 0 ? 2 * 3600_000 : 0;
        broker.clock.advance(-skew);
        try {
          return await client.s3PartUrls!(session, partNumbers, signal);
        } finally {
          broker.clock.advance(skew);
        }
      },
    };
    const uploader = createNodeUploader({
      broker: fixClock,
      largeFileTransport: 's3',
      stateDirectory: false,
      ...options,
    });
    try {
      const result = await uploader.upload(new Blob([data]), { name: 'late.bin' }).done;
      expect(await download(world, result.fileId)).toEqual(data);
    } finally {
      uploader.close();
    }
    expect(calls.s3PartUrls).toBeGreaterThan(1);
  });

  it('resumes an S3 upload through S3, even with the option back at native', async () => {
    const data = bytes(4 * MIN_PART + 3, 24);
    const file = new Blob([data]);
    const resumeStore = createMemoryResumeStore();
    // First run: part 4 is refused for good (a 400 the loop never retries), the others land.
    const send = defaultSend();
    const refusing: Send = async (request) =>
      request.url.includes('partNumber=4')
        ? {
            status: 400,
            headers: {},
            text: '<Error><Code>InvalidRequest</Code><Message>no</Message></Error>',
          }
        : send(request);
    const first = hashAheadUploader(countingBroker('s3-dave').client, 's3', resumeStore, refusing);
    await expect(first.upload(file, { name: 'resumed.bin' }).done).rejects.toMatchObject({
      code: 'rejected',
    });
    first.close();
    const [record] = await resumeStore.list();
    expect(record).toMatchObject({ transport: 's3' });

    const { client, calls } = countingBroker('s3-dave');
    const second = hashAheadUploader(client, 'native', resumeStore, send);
    try {
      const upload = second.upload(file, { name: 'resumed.bin' });
      const result = await upload.done;
      expect(upload.snapshot().resumed).toBe(true);
      expect(await download(world, result.fileId)).toEqual(data);
    } finally {
      second.close();
    }
    expect(calls.start).toEqual([]);
    expect(calls.partTargets).toBe(0);
    expect(calls.s3PartUrls).toBe(1);
  });

  it("fails typed, starting nothing, where the broker can't sign S3", async () => {
    // No S3 region for the emulator's 127.0.0.1: native only.
    const native = await startBroker(world, {
      b2: { ...world.key, bucket: world.bucketName, realm: world.emulator.url, fetch: world.b2Fetch },
    });
    const { client, calls } = countingBroker('s3-erin', native.url);
    const uploader = createNodeUploader({
      broker: client,
      largeFileTransport: 's3',
      stateDirectory: false,
      ...options,
    });
    try {
      await expect(uploader.upload(new Blob([bytes(2 * MIN_PART, 25)])).done).rejects.toMatchObject({
        name: 'UploadError',
        code: 'rejected',
        message: expect.stringContaining('largeFileTransport'),
      });
    } finally {
      uploader.close();
      await native.close();
    }
    expect(calls.start).toEqual([]);
  });
});
