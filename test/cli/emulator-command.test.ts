/**
 * `b2up emulator` against the real emulator: in-process through runCli, and — when `dist/` has been built
 * (`npx tsc -p tsconfig.build.json`) — as the installed executable, spawned and stopped with SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import type { CliIo } from '../../src/cli/command.js';

interface Credentials {
  url: string;
  accountId: string;
  keyId: string;
  key: string;
  region: string;
}

async function authorize(c: Pick<Credentials, 'url' | 'keyId' | 'key'>, version = 'v2') {
  const basic = Buffer.from(`${c.keyId}:${c.key}`).toString('base64');
  const res = await fetch(`${c.url}/b2api/${version}/b2_authorize_account`, {
    headers: { Authorization: `Basic ${basic}` },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Starts `b2up emulator <args> --json` in-process; resolves once it printed its credentials. */
async function startInProcess(args: string[]) {
  const stop = new AbortController();
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), signal: stop.signal };
  const exit = runCli(['emulator', '--port', '0', '--json', ...args], io);
  await vi.waitFor(
    () => {
      if (err.length) throw new Error(`emulator failed: ${err.join('\n')}`);
      expect(out.length).toBeGreaterThan(0);
    },
    { timeout: 30_000 },
  );
  const credentials = JSON.parse(out[0]!) as Credentials;
  const stopAndWait = () => {
    stop.abort();
    return exit;
  };
  return { credentials, out, err, stop: stopAndWait };
}

describe('b2up emulator (in-process, real emulator)', () => {
  it('serves authorize with the given key and part size, and stops with exit 0', async () => {
    const run = await startInProcess([
      '--memory',
      '--key-id',
      'cli-key-id',
      '--key',
      'cli-secret',
      '--min-part-size',
      '1000',
    ]);
    expect(run.credentials).toMatchObject({ keyId: 'cli-key-id', key: 'cli-secret' });
    expect(run.credentials.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const ok = await authorize(run.credentials);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ accountId: run.credentials.accountId, absoluteMinimumPartSize: 1000 });
    const wrong = await authorize({ ...run.credentials, key: 'wrong' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.status).toBe(401);

    expect(await run.stop()).toBe(0);
    await expect(authorize(run.credentials)).rejects.toThrow();
  });

  it('--region sets the S3 signing region: requests signed for another are refused', async () => {
    const run = await startInProcess(['--memory', '--region', 'eu-central-003']);
    expect(run.credentials).toMatchObject({ region: 'eu-central-003' });
    // Unsigned as far as the region goes: any SigV4 header naming us-west-004 is refused before the key.
    const res = await fetch(`${run.credentials.url}/`, {
      headers: {
        Authorization:
          'AWS4-HMAC-SHA256 Credential=k/20250101/us-west-004/s3/aws4_request, SignedHeaders=host, Signature=00',
        'x-amz-date': '20250101T000000Z',
        'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
      },
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("the region 'us-west-004' is wrong; expecting 'eu-central-003'");
    expect(await run.stop()).toBe(0);
  });

  it('--keep-no-bytes checks an upload, then answers its download with 501', async () => {
    const run = await startInProcess(['--memory', '--keep-no-bytes']);
    const auth = await authorize(run.credentials);
    const call = async (op: string, body: unknown) =>
      (await (
        await fetch(`${String(auth.body.apiUrl)}/b2api/v2/${op}`, {
          method: 'POST',
          headers: { Authorization: auth.body.authorizationToken as string },
          body: JSON.stringify(body),
        })
      ).json()) as Record<string, string>;
    const { buckets } = (await call('b2_list_buckets', { accountId: auth.body.accountId })) as unknown as {
      buckets: { bucketId: string }[];
    };
    const target = await call('b2_get_upload_url', { bucketId: buckets[0]!.bucketId });
    const uploaded = await fetch(target.uploadUrl!, {
      method: 'POST',
      headers: {
        Authorization: target.authorizationToken!,
        'X-Bz-File-Name': 'a.txt',
        'Content-Type': 'text/plain',
        // SHA-1 of "hello"
        'X-Bz-Content-Sha1': 'aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d',
      },
      body: 'hello',
    });
    expect(uploaded.status).toBe(200);
    const { fileId } = (await uploaded.json()) as { fileId: string };
    const answer = await fetch(
      `${String(auth.body.downloadUrl)}/b2api/v2/b2_download_file_by_id?fileId=${fileId}`,
      { headers: { Authorization: auth.body.authorizationToken as string } },
    );
    expect(answer.status).toBe(501);
    expect(await run.stop()).toBe(0);
  });

  it('--region refuses names S3 would not accept', async () => {
    const err: string[] = [];
    const io: CliIo = { out: () => {}, err: (l) => err.push(l), signal: AbortSignal.abort() };
    expect(await runCli(['emulator', '--region', 'US West'], io)).toBe(2);
    expect(err.join('\n')).toContain('--region needs lower-case letters, digits and -');
  });

  describe('--data DIR', () => {
    let dir: string;
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('keeps buckets across a restart', async () => {
      dir = await mkdtemp(join(tmpdir(), 'b2up-cli-'));
      const keyArgs = ['--data', dir, '--key-id', 'kid', '--key', 'secret'];
      const first = await startInProcess(keyArgs);
      const auth = await authorize(first.credentials);
      const token = auth.body.authorizationToken as string;
      const created = await fetch(`${String(auth.body.apiUrl)}/b2api/v2/b2_create_bucket`, {
        method: 'POST',
        headers: { Authorization: token, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          accountId: auth.body.accountId,
          bucketName: 'kept-bucket',
          bucketType: 'allPrivate',
        }),
      });
      expect(created.status).toBe(200);
      expect(await first.stop()).toBe(0);

      const second = await startInProcess(keyArgs);
      const auth2 = await authorize(second.credentials);
      const listed = await fetch(`${String(auth2.body.apiUrl)}/b2api/v2/b2_list_buckets`, {
        method: 'POST',
        headers: {
          Authorization: auth2.body.authorizationToken as string,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({ accountId: auth2.body.accountId }),
      });
      const body = (await listed.json()) as { buckets: { bucketName: string }[] };
      expect(body.buckets.map((b) => b.bucketName)).toContain('kept-bucket');
      expect(await second.stop()).toBe(0);
    });
  });
});

const bin = resolve('dist/src/cli/main.js');

describe.skipIf(!existsSync(bin))('b2up executable (dist/src/cli/main.js)', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });

  function run(args: string[]) {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    return { child, exited, stdout: () => stdout, stderr: () => stderr };
  }

  it('prints URL and credentials, authorizes, exits 0 on SIGTERM', async () => {
    const p = run(['emulator', '--port', '0', '--memory']);
    await vi.waitFor(
      () => {
        if (p.child.exitCode !== null) throw new Error(`exited early: ${p.stderr()}`);
        expect(p.stdout()).toContain('Press Ctrl-C to stop.');
      },
      { timeout: 20_000, interval: 50 },
    );
    const text = p.stdout();
    const url = /listening on (http:\/\/\S+)/.exec(text)?.[1];
    const keyId = /^B2_APPLICATION_KEY_ID=(.+)$/m.exec(text)?.[1];
    const key = /^B2_APPLICATION_KEY=(.+)$/m.exec(text)?.[1];
    expect(url && keyId && key).toBeTruthy();
    const auth = await authorize({ url: url!, keyId: keyId!, key: key! }, 'v4');
    expect(auth.status).toBe(200);
    expect(typeof auth.body.authorizationToken).toBe('string');

    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.stdout()).toContain('b2up emulator stopped');
  });

  it('--help exits 0; an unknown command exits 2 with usage', async () => {
    const help = run(['--help']);
    expect(await help.exited).toBe(0);
    expect(help.stdout()).toContain('Usage: b2up <command>');
    const bad = run(['nope']);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toContain('unknown command "nope"');
  });
});
