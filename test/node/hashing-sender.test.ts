/**
 * The Node sender that hashes a part on its way out (`hex_digits_at_end`), against the real emulator
 * over HTTP: the stored bytes and SHA-1 are the file's, a file changed on disk stores nothing, and
 * early answers, aborts and stalls end the request with the errors the retry rules expect.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, truncate, utimes, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type B2Client, createB2Client } from '../../src/b2/client.js';
import { isB2Error } from '../../src/b2/errors.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { openFile } from '../../src/node/disk-file.js';
import { createHashingSender, type HashingSender } from '../../src/node/hashing-sender.js';
import { isUploadError } from '../../src/upload/errors.js';
import type { UploadTarget } from '../../src/b2/target-upload.js';
import { b2PartPort } from '../../src/upload/part-port.js';
import type { SendHashed } from '../../src/upload/transport.js';

const MiB = 1024 * 1024;

/** One b2_upload_part attempt through the engine's part port, hashing on the way out. */
async function sendPartHashing(request: {
  target: UploadTarget;
  partNumber: number;
  file: Blob;
  start: number;
  end: number;
  sendHashed: SendHashed;
  signal?: AbortSignal;
  onProgress?: (loaded: number) => void;
  stallTimeoutMs?: number;
}): Promise<{ contentSha1: string }> {
  const { sendHashed, ...attempt } = request;
  const port = b2PartPort(() => Promise.reject(new Error('parts are hashed on the way out')), sendHashed);
  const contentSha1 = await port.send({
    sha1: undefined,
    signal: undefined,
    onProgress: () => {},
    stallTimeoutMs: 0,
    ...attempt,
  });
  return { contentSha1 };
}
const sha1 = (bytes: Uint8Array) => createHash('sha1').update(bytes).digest('hex');

let emulator: Emulator;
let b2: B2Client;
let bucketId: string;
let dir: string;
let sender: HashingSender;
/** 3.5 MiB: several 1 MiB reads per part, and a short last one. */
const content = randomBytes(3 * MiB + MiB / 2);

beforeAll(async () => {
  emulator = await startEmulator({ minPartSize: MiB });
  b2 = createB2Client({
    applicationKeyId: emulator.keyId,
    applicationKey: emulator.key,
    realm: emulator.url,
  });
  bucketId = (await b2.createBucket({ bucketName: 'hashing-sender', bucketType: 'allPrivate' })).bucketId;
  dir = await mkdtemp(join(tmpdir(), 'b2up-hashing-sender-'));
  sender = createHashingSender();
});

afterAll(async () => {
  sender?.close();
  await emulator?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function partTarget() {
  const { fileId } = await b2.startLargeFile({
    bucketId,
    fileName: `f-${Math.random()}`,
    contentType: 'application/octet-stream',
  });
  const target = await b2.getUploadPartUrl({ fileId: fileId! });
  return { fileId: fileId!, target };
}

async function storedParts(fileId: string) {
  return (await b2.listParts({ fileId })).parts;
}

async function fileOnDisk(name: string, bytes: Uint8Array) {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return { path, file: await openFile(path) };
}

describe('sending a part while hashing it', () => {
  it('stores a disk file range with its SHA-1, read in reused buffers part after part', async () => {
    const { file } = await fileOnDisk('parts.bin', content);
    const { fileId, target } = await partTarget();
    const progress: number[] = [];
    // Three parts one after another through one sender: the second and third reuse the first's
    // buffers, so a buffer handed back too early would corrupt a later part.
    const ranges = [
      [0, 1.5 * MiB],
      [1.5 * MiB, 3 * MiB],
      [3 * MiB, content.length],
    ] as const;
    for (const [i, [start, end]] of ranges.entries()) {
      const part = await sendPartHashing({
        target,
        partNumber: i + 1,
        file,
        start,
        end,
        sendHashed: sender.send,
        onProgress: (loaded) => progress.push(loaded),
      });
      expect(part.contentSha1).toBe(sha1(content.subarray(start, end)));
    }
    expect(progress.at(-1)).toBe(content.length - 3 * MiB);
    const parts = await storedParts(fileId);
    expect(parts.map((p) => p.contentSha1)).toEqual(ranges.map(([s, e]) => sha1(content.subarray(s, e))));
    const finished = await b2.finishLargeFile({ fileId, partSha1Array: parts.map((p) => p.contentSha1) });
    const download = await b2.downloadFileById(finished.fileId!);
    expect(sha1(new Uint8Array(await new Response(download.body).arrayBuffer()))).toBe(sha1(content));
  });

  it('streams any other Blob the same way', async () => {
    const { target } = await partTarget();
    const blob = new Blob([content]);
    const part = await sendPartHashing({
      target,
      partNumber: 1,
      file: blob,
      start: MiB,
      end: 3 * MiB,
      sendHashed: sender.send,
    });
    expect(part.contentSha1).toBe(sha1(content.subarray(MiB, 3 * MiB)));
  });

  const changes = [
    {
      what: 'its mtime changed since it was opened',
      change: (path: string) => utimes(path, new Date(), new Date(Date.now() + 60_000)),
    },
    { what: 'it got shorter (a short read)', change: (path: string) => truncate(path, MiB) },
  ];
  it.each(changes)('stores nothing when the file changed on disk: $what', async ({ change }) => {
    const { path, file } = await fileOnDisk(`changed-${Math.random()}.bin`, content);
    await change(path);
    const { fileId, target } = await partTarget();
    const error = await sendPartHashing({
      target,
      partNumber: 1,
      file,
      start: 0,
      end: 2 * MiB,
      sendHashed: sender.send,
    }).catch((e: unknown) => e);
    expect(isUploadError(error) && error.code).toBe('file_unreadable');
    expect(await storedParts(fileId)).toEqual([]);
  });

  it("returns B2's early answer (a bad token) as a typed B2 error, not a write failure", async () => {
    const { file } = await fileOnDisk('early.bin', content);
    const { fileId, target } = await partTarget();
    const error = await sendPartHashing({
      target: { ...target, authorizationToken: 'not-a-token' },
      partNumber: 1,
      file,
      start: 0,
      end: content.length,
      sendHashed: sender.send,
    }).catch((e: unknown) => e);
    expect(isB2Error(error) && error.status).toBe(401);
    expect(await storedParts(fileId)).toEqual([]);
  });

  it('ends an aborted request as `aborted` (status 0) and stores nothing', async () => {
    const { file } = await fileOnDisk('aborted.bin', content);
    const { fileId, target } = await partTarget();
    const abort = new AbortController();
    const error = await sendPartHashing({
      target,
      partNumber: 1,
      file,
      start: 0,
      end: content.length,
      sendHashed: sender.send,
      signal: abort.signal,
      onProgress: () => abort.abort(),
    }).catch((e: unknown) => e);
    expect(isB2Error(error) && [error.status, error.code]).toEqual([0, 'aborted']);
    expect(await storedParts(fileId)).toEqual([]);
  });
});

describe('a connection where nothing moves', () => {
  let silent: Server;
  const sockets = new Set<Socket>();
  let url: string;
  beforeAll(async () => {
    // Accepts connections and never reads or answers: the socket's buffers fill and writes stop.
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.pause();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/part`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('is abandoned as a `timeout` (status 0) after stallTimeoutMs without progress', async () => {
    const big = new Blob([randomBytes(32 * MiB)]);
    const error = await sendPartHashing({
      target: { uploadUrl: url, authorizationToken: 't' },
      partNumber: 1,
      file: big,
      start: 0,
      end: big.size,
      sendHashed: sender.send,
      stallTimeoutMs: 300,
    }).catch((e: unknown) => e);
    expect(isB2Error(error) && [error.status, error.code]).toEqual([0, 'timeout']);
  });
});
