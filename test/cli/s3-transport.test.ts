/**
 * `b2up broker --s3-region` and `b2up upload --transport s3`, in-process through runCli against a
 * real emulator: told the emulator's region, the broker signs S3 (its endpoint, 127.0.0.1, names
 * none), and the upload command sends a multi-part file by presigned S3 parts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createB2Client } from '../../src/b2/client.js';
import { parseBrokerArgs } from '../../src/cli/broker.js';
import { runCli } from '../../src/cli/cli.js';
import type { CliIo } from '../../src/cli/command.js';
import { parseUploadArgs } from '../../src/cli/upload.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';

const TOKEN = 'alice-token-0123456789abcdef';
const PART = 5000;

let emulator: Emulator;
let admin: ReturnType<typeof createB2Client>;
let dir: string;
let b2Flags: string[];

beforeAll(async () => {
  emulator = await startEmulator({ minPartSize: PART });
  admin = createB2Client({
    applicationKeyId: emulator.keyId,
    applicationKey: emulator.key,
    realm: emulator.url,
  });
  const bucketName = 'cli-s3-bucket';
  const { bucketId } = await admin.createBucket({ bucketName, bucketType: 'allPrivate' });
  // deleteFiles: S3 mode needs it (a presigned small file that fails its check is deleted).
  const key = await admin.createKey({
    keyName: 'cli-s3',
    capabilities: ['writeFiles', 'listFiles', 'readFiles', 'deleteFiles'],
    bucketIds: [bucketId],
  });
  b2Flags = ['--realm', emulator.url, '--key-id', key.applicationKeyId, '--key', key.applicationKey];
  b2Flags.push('--bucket', bucketName);
  dir = await mkdtemp(join(tmpdir(), 'b2up-cli-s3-'));
});

afterAll(async () => {
  await emulator?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function io() {
  const stop = new AbortController();
  const out: string[] = [];
  const err: string[] = [];
  const streams: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), signal: stop.signal };
  return { io: streams, out, err, stop: () => stop.abort() };
}

async function startBrokerCli(extra: string[]) {
  const run = io();
  const args = ['broker', '--port', '0', '--json', '--user', `alice=${TOKEN}`, ...b2Flags, ...extra];
  const exit = runCli(args, run.io);
  await vi.waitFor(() => expect(run.out.length).toBeGreaterThan(0), { timeout: 10_000 });
  const { url } = JSON.parse(run.out[0]!) as { url: string };
  return {
    url,
    stop: () => {
      run.stop();
      return exit;
    },
  };
}

async function upload(file: string, url: string, transport: string) {
  const run = io();
  const args = ['upload', file, '--broker', url, '--transport', transport, '--no-resume', '--json'];
  const code = await runCli(
    [...args, '--part-size', String(PART), '--header', `Authorization: Bearer ${TOKEN}`],
    run.io,
  );
  return { code, out: run.out, err: run.err };
}

describe('b2up broker --s3-region, b2up upload --transport s3', () => {
  it('signs S3 with the emulator’s region; a 3-part file goes by presigned S3 parts', async () => {
    const broker = await startBrokerCli(['--s3-region', emulator.region]);
    try {
      const config = (await (await fetch(`${broker.url}/config`)).json()) as {
        largeFileTransports: string[];
      };
      expect(config.largeFileTransports).toEqual(['native', 's3']);
      const data = Buffer.alloc(2 * PART + PART / 2, 7);
      for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
      const file = join(dir, 'big.bin');
      await writeFile(file, data);
      emulator.counters.reset();
      const result = await upload(file, broker.url, 's3');
      expect(result.code, result.err.join('\n')).toBe(0);
      const { fileId } = JSON.parse(result.out[0]!) as { fileId: string };
      const stored = await admin.downloadFileById(fileId);
      expect(Buffer.from(await new Response(stored.body).arrayBuffer()).equals(data)).toBe(true);
      expect(emulator.counters.get('s3:UploadPart').requests).toBe(3);
      expect(emulator.counters.get('b2_upload_part').requests).toBe(0);
    } finally {
      expect(await broker.stop()).toBe(0);
    }
  });

  it('without a region the broker offers native only, and --transport s3 fails saying so', async () => {
    const broker = await startBrokerCli([]);
    try {
      const config = (await (await fetch(`${broker.url}/config`)).json()) as {
        largeFileTransports: string[];
      };
      expect(config.largeFileTransports).toEqual(['native']);
      const file = join(dir, 'native-only.bin');
      await writeFile(file, Buffer.alloc(3 * PART, 1));
      const result = await upload(file, broker.url, 's3');
      expect(result.code).toBe(1);
      expect(result.err.join('\n')).toContain('largeFileTransport');
    } finally {
      await broker.stop();
    }
  });

  it('reads the flags: --s3-region (default $B2UP_S3_REGION), --transport native|s3', () => {
    const base = ['--dev-any-user', '--key-id', 'id', '--key', 'k', '--bucket', 'b'];
    expect(parseBrokerArgs(base, {}).s3Region).toBeUndefined();
    expect(parseBrokerArgs(base, { B2UP_S3_REGION: 'eu-central-003' }).s3Region).toBe('eu-central-003');
    expect(parseBrokerArgs([...base, '--s3-region', 'us-west-004'], { B2UP_S3_REGION: 'x' }).s3Region).toBe(
      'us-west-004',
    );
    expect(() => parseBrokerArgs([...base, '--s3-region', 'US West'], {})).toThrow(/--s3-region/);
    const upload = ['f.bin', '--broker', 'http://127.0.0.1:1/b2up'];
    expect(parseUploadArgs(upload, {}).transport).toBe('native');
    expect(parseUploadArgs([...upload, '--transport', 's3'], {}).transport).toBe('s3');
    expect(() => parseUploadArgs([...upload, '--transport', 'S3'], {})).toThrow(
      /--transport wants native or s3/,
    );
  });
});
