/**
 * `b2up broker` in-process through runCli, against a real emulator and a bucket-restricted key: it
 * serves the protocol with the flags' login, limits and CORS, stops on abort, and refuses unsafe keys.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createB2Client } from '../../src/b2/client.js';
import { parseBrokerArgs } from '../../src/cli/broker.js';
import { runCli } from '../../src/cli/cli.js';
import type { CliIo } from '../../src/cli/command.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { startRedis } from '../broker/redis-server.js';

const ALICE_TOKEN = 'alice-token-0123456789abcdef';
const SECRET = 'cli-test-secret-0123456789-abcdefghijkl';
const ORIGIN = 'https://app.example.com';

let emulator: Emulator;
let bucketName: string;
let key: { applicationKeyId: string; applicationKey: string };

beforeAll(async () => {
  emulator = await startEmulator({ minPartSize: 5000 });
  const admin = createB2Client({
    applicationKeyId: emulator.keyId,
    applicationKey: emulator.key,
    realm: emulator.url,
  });
  bucketName = 'cli-broker-bucket';
  const { bucketId } = await admin.createBucket({ bucketName, bucketType: 'allPrivate' });
  const created = await admin.createKey({
    keyName: 'cli-broker',
    capabilities: ['writeFiles', 'listFiles', 'readFiles'],
    bucketIds: [bucketId],
  });
  key = { applicationKeyId: created.applicationKeyId, applicationKey: created.applicationKey };
});

afterAll(async () => {
  await emulator?.close();
});

const b2Flags = () => [
  '--realm',
  emulator.url,
  '--key-id',
  key.applicationKeyId,
  '--key',
  key.applicationKey,
  '--bucket',
  bucketName,
];

/** Runs `b2up broker …` in-process; resolves once it printed its URL (or exited). */
async function startBrokerCli(args: string[]) {
  const stop = new AbortController();
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), signal: stop.signal };
  let exitCode: number | undefined;
  const exit = runCli(['broker', '--port', '0', '--json', ...args], io).then((code) => {
    exitCode = code;
    return code;
  });
  await vi.waitFor(() => expect(out.length > 0 || exitCode !== undefined).toBe(true), { timeout: 10_000 });
  const url = out.length > 0 ? (JSON.parse(out[0]!) as { url: string }).url : '';
  return {
    url,
    out,
    err,
    exit,
    stop: () => {
      stop.abort();
      return exit;
    },
  };
}

const startUpload = (url: string, headers: Record<string, string>, body: object) =>
  fetch(`${url}/uploads`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('b2up broker (in-process, real emulator)', () => {
  it('serves the protocol under /b2up with --user tokens, limits and CORS, and stops with exit 0', async () => {
    const run = await startBrokerCli([
      ...b2Flags(),
      '--user',
      `alice=${ALICE_TOKEN}`,
      '--origin',
      ORIGIN,
      '--secret',
      SECRET,
      '--max-file-size',
      '1MB',
      '--allowed-type',
      'image/*',
    ]);
    expect(run.err).toEqual([]);
    expect(run.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/b2up$/);

    const config = await fetch(`${run.url}/config`, { headers: { Origin: ORIGIN } });
    expect(config.status).toBe(200);
    expect(config.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const body = (await config.json()) as {
      maxFileSize: number;
      allowedTypes: string[];
      minPartSize: number;
    };
    expect(body).toMatchObject({ maxFileSize: 1_000_000, allowedTypes: ['image/*'], minPartSize: 5000 });

    const large = { name: 'a.png', size: 20_000, contentType: 'image/png' };
    expect((await startUpload(run.url, {}, large)).status).toBe(401);
    expect((await startUpload(run.url, { Authorization: 'Bearer alice' }, large)).status).toBe(401);
    expect((await startUpload(run.url, { Authorization: `Bearer ${ALICE_TOKEN}x` }, large)).status).toBe(401);
    const started = await startUpload(run.url, { Authorization: `Bearer ${ALICE_TOKEN}` }, large);
    expect(started.status).toBe(200);
    expect(((await started.json()) as { fileName: string }).fileName).toMatch(/^uploads\/.+\/a\.png$/);
    const tooBig = await startUpload(
      run.url,
      { Authorization: `Bearer ${ALICE_TOKEN}` },
      { ...large, size: 2_000_000 },
    );
    expect(tooBig.status).toBe(413);
    const wrongType = await startUpload(
      run.url,
      { Authorization: `Bearer ${ALICE_TOKEN}` },
      { ...large, contentType: 'video/mp4' },
    );
    expect(wrongType.status).toBe(415);
    const foreign = await fetch(`${run.url}/config`, { headers: { Origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);

    expect(await run.stop()).toBe(0);
    await expect(fetch(`${run.url}/config`)).rejects.toThrow();
  });

  it('--dev-any-user takes any bearer name, warns loudly, and warns about the missing secret', async () => {
    const run = await startBrokerCli([...b2Flags(), '--dev-any-user', '--base-path', '/']);
    expect(run.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(run.err.join('\n')).toMatch(/--dev-any-user: ANY caller/);
    expect(run.err.join('\n')).toMatch(/no --secret or B2UP_SECRET/);
    const started = await startUpload(
      run.url,
      { Authorization: 'Bearer bob' },
      { name: 'b.bin', size: 20_000 },
    );
    expect(started.status).toBe(200);
    expect(await run.stop()).toBe(0);
  });

  it('--dev-any-user answers only to the names it prints, not to a rebinding page’s', async () => {
    const run = await startBrokerCli([...b2Flags(), '--dev-any-user', '--base-path', '/']);
    const { port } = new URL(run.url);
    const startWithHost = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const body = JSON.stringify({ name: 'r.bin', size: 20_000 });
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port: Number(port),
            method: 'POST',
            path: '/uploads',
            headers: {
              Host: `${host}:${port}`,
              Origin: `http://${host}:${port}`,
              Authorization: 'Bearer mallory',
              'Content-Type': 'application/json',
              'Content-Length': String(body.length),
            },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    expect(await startWithHost('rebind.attacker.example')).toBe(421);
    expect(await startWithHost('localhost')).toBe(200);
    expect(await run.stop()).toBe(0);
  });

  it('--redis shares the start budget between two brokers, and refuses to start without Redis', async () => {
    const redis = await startRedis();
    const flags = [
      ...b2Flags(),
      '--user',
      `alice=${ALICE_TOKEN}`,
      '--redis',
      redis.url,
      '--starts-per-minute',
      '2',
    ];
    const first = await startBrokerCli(flags);
    const second = await startBrokerCli(flags);
    try {
      const statuses = [];
      for (const run of [first, second, first]) {
        const r = await startUpload(
          run.url,
          { Authorization: `Bearer ${ALICE_TOKEN}` },
          { name: 'a.bin', size: 20_000 },
        );
        statuses.push(r.status);
      }
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      expect(await first.stop()).toBe(0);
      expect(await second.stop()).toBe(0);
      await redis.kill();
    }
    const refused = await startBrokerCli([...flags.slice(0, -4), '--redis', redis.url]);
    expect(await refused.exit).toBe(1);
    expect(refused.err.join('\n')).toMatch(/Redis \(--redis\) is unreachable/);
  });

  it('refuses to start with the master key (writeKeys, every bucket): exit 1 and the reason', async () => {
    const run = await startBrokerCli([
      '--realm',
      emulator.url,
      '--key-id',
      emulator.keyId,
      '--key',
      emulator.key,
      '--bucket',
      bucketName,
      '--dev-any-user',
      '--secret',
      SECRET,
    ]);
    expect(await run.exit).toBe(1);
    expect(run.out).toEqual([]);
    expect(run.err.join('\n')).toMatch(
      /refusing to start \(key_can_write_keys\): The B2 key has the writeKeys capability/,
    );
  });

  it('refuses a key restricted to another bucket, and a wrong key secret', async () => {
    const other = await startBrokerCli([
      ...b2Flags().slice(0, -1),
      'another-bucket',
      '--dev-any-user',
      '--secret',
      SECRET,
    ]);
    expect(await other.exit).toBe(1);
    expect(other.err.join('\n')).toMatch(/\(key_bucket_mismatch\)/);
    const wrong = await startBrokerCli([
      ...b2Flags().slice(0, 5),
      'not-the-key',
      ...b2Flags().slice(6),
      '--dev-any-user',
      '--secret',
      SECRET,
    ]);
    expect(await wrong.exit).toBe(1);
    expect(wrong.err.join('\n')).toMatch(/\(b2_authorization_failed\)/);
  });
});

describe('b2up broker arguments', () => {
  const base = ['--key-id', 'id', '--key', 'k', '--bucket', 'b'];

  it('takes the key from the environment, flags winning, with the documented defaults', () => {
    const env = { B2_APPLICATION_KEY_ID: 'env-id', B2_APPLICATION_KEY: 'env-key', B2_BUCKET: 'env-bucket' };
    const options = parseBrokerArgs(['--dev-any-user'], env);
    expect(options).toMatchObject({
      credentials: {
        applicationKeyId: 'env-id',
        applicationKey: 'env-key',
        realm: 'https://api.backblazeb2.com',
      },
      bucket: 'env-bucket',
      port: 8787,
      host: '127.0.0.1',
      basePath: '/b2up',
      origins: [],
      secret: undefined,
    });
    const flagged = parseBrokerArgs(
      ['--dev-any-user', '--bucket', 'flag-bucket', '--realm', 'http://127.0.0.1:1/'],
      {
        ...env,
        B2UP_SECRET: SECRET,
      },
    );
    expect(flagged).toMatchObject({
      bucket: 'flag-bucket',
      secret: SECRET,
      credentials: { realm: 'http://127.0.0.1:1' },
    });
  });

  it.each([
    [[], /--user NAME=TOKEN/],
    [['--dev-any-user', '--user', `a=${ALICE_TOKEN}`], /exclude each other/],
    [['--user', 'alice'], /NAME=TOKEN/],
    [['--user', 'alice=short'], /at least 16/],
    [['--user', `a=${ALICE_TOKEN}`, '--user', `b=${ALICE_TOKEN}`], /share one token/],
    [['--dev-any-user', '--secret', 'too-short'], /at least 32 bytes/],
    [['--dev-any-user', '--port', '70000'], /--port/],
    [['--dev-any-user', '--origin', 'https://app.example.com/path'], /--origin/],
    [['--dev-any-user', '--max-file-size', 'lots'], /--max-file-size/],
    [['--dev-any-user', '--starts-per-minute', '0'], /--starts-per-minute/],
    [['--dev-any-user', '--nope'], /nope/],
    [['--dev-any-user', '--redis', 'http://127.0.0.1:6379'], /--redis/],
  ])('rejects %j', (extra, message) => {
    expect(() => parseBrokerArgs([...base, ...extra], {})).toThrow(message);
  });

  it('a missing key or bucket is a usage error (exit 2), not a crash', async () => {
    const err: string[] = [];
    const io: CliIo = { out: () => {}, err: (l) => err.push(l), signal: new AbortController().signal };
    expect(await runCli(['broker', '--dev-any-user'], { ...io })).toBe(2);
    expect(err.join('\n')).toMatch(/a B2 key is required|--bucket/);
  });
});
