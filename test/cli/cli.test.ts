import { resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { runCli, usage } from '../../src/cli/cli.js';
import type { CliIo } from '../../src/cli/command.js';
import { commands } from '../../src/cli/commands.js';
import {
  createEmulatorCommand,
  DEFAULT_EMULATOR_PORT,
  type EmulatorCliOptions,
  parseEmulatorArgs,
} from '../../src/cli/emulator.js';

function captureIo(signal = new AbortController().signal) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), signal };
  return { io, out, err };
}

describe('b2up dispatch', () => {
  it('--help lists every command and exits 0', async () => {
    const { io, out } = captureIo();
    expect(await runCli(['--help'], io)).toBe(0);
    expect(out.join('\n')).toContain('Usage: b2up <command>');
    for (const c of commands) expect(out.join('\n')).toContain(`  ${c.name}`);
  });

  it('no command or an unknown one exits 2 with the usage on stderr', async () => {
    const none = captureIo();
    expect(await runCli([], none.io)).toBe(2);
    expect(none.err.join('\n')).toBe(usage());
    const unknown = captureIo();
    expect(await runCli(['frobnicate'], unknown.io)).toBe(2);
    expect(unknown.err.join('\n')).toContain('unknown command "frobnicate"');
    expect(unknown.err.join('\n')).toContain('Usage: b2up <command>');
    expect(unknown.out).toEqual([]);
  });

  it('per-command help: `b2up emulator --help` and `b2up help emulator`', async () => {
    const a = captureIo();
    expect(await runCli(['emulator', '--help'], a.io)).toBe(0);
    expect(a.out.join('\n')).toContain('--min-part-size N');
    const b = captureIo();
    expect(await runCli(['help', 'emulator'], b.io)).toBe(0);
    expect(b.out).toEqual(a.out);
  });
});

describe('b2up emulator arguments', () => {
  it('has safe defaults: port 8180 on 127.0.0.1, in memory', () => {
    expect(parseEmulatorArgs([])).toEqual({
      port: DEFAULT_EMULATOR_PORT,
      host: '127.0.0.1',
      json: false,
      setup: { bucket: 'b2up-dev', origins: [], envFile: undefined },
    });
  });

  it('parses every option', () => {
    const parsed = parseEmulatorArgs([
      '--port=0',
      '--host',
      '0.0.0.0',
      '--data',
      'rel/dir',
      '--key-id',
      'kid',
      '--key',
      'secret',
      '--min-part-size',
      '5000',
      '--recommended-part-size',
      '10000',
      '--bucket',
      'my-local-bucket',
      '--origin',
      'http://localhost:3000',
      '--save-env',
      'b2up.env',
      '--json',
    ]);
    expect(parsed).toEqual({
      port: 0,
      host: '0.0.0.0',
      dataDir: resolve('rel/dir'),
      keyId: 'kid',
      key: 'secret',
      minPartSize: 5000,
      recommendedPartSize: 10000,
      json: true,
      setup: {
        bucket: 'my-local-bucket',
        origins: ['http://localhost:3000'],
        envFile: resolve('b2up.env'),
      },
    });
  });

  it('--keep-no-bytes turns keepBytes off', () => {
    expect(parseEmulatorArgs(['--keep-no-bytes'])).toMatchObject({ keepBytes: false });
  });

  it.each([
    [['--port', 'abc'], '--port'],
    [['--port', '70000'], '--port'],
    [['--min-part-size', '0'], '--min-part-size'],
    [['--min-part-size', '1.5'], '--min-part-size'],
    [['--data', 'x', '--memory'], 'exclude'],
    [['--data', 'x', '--keep-no-bytes'], 'excludes --data'],
    [['--bogus'], 'bogus'],
    [['stray'], 'stray'],
    [['--bucket', 'b2-nope'], '--bucket'],
    [['--origin', 'not a url'], 'origin'],
  ])('refuses %j with exit 2 and the command help', async (args, mentions) => {
    const { io, err } = captureIo();
    let started = false;
    const command = createEmulatorCommand(async () => {
      started = true;
      throw new Error('must not start');
    });
    expect(await runCli(['emulator', ...args], io, [command])).toBe(2);
    expect(started).toBe(false);
    expect(err[0]).toContain(mentions);
    expect(err.join('\n')).toContain('Usage: b2up emulator');
  });
});

describe('b2up emulator run (fake emulator)', () => {
  function fakeStart() {
    const calls: EmulatorCliOptions[] = [];
    let closed = 0;
    const start = async (options: EmulatorCliOptions) => {
      calls.push(options);
      return {
        url: 'http://127.0.0.1:4321',
        accountId: 'acct1',
        keyId: 'kid1',
        key: 'key1',
        region: 'us-west-004',
        close: async () => {
          closed++;
        },
      };
    };
    const provision = async (_e: unknown, setup: { bucket: string }) => ({
      bucket: { bucketId: 'bucket1', bucketName: setup.bucket },
      key: { applicationKeyId: 'restricted1', applicationKey: 'restrictedKey1' },
    });
    return { start, provision, calls, closed: () => closed };
  }

  it('prints the URL and credentials, runs until aborted, then closes and exits 0', async () => {
    const fake = fakeStart();
    const stop = new AbortController();
    const { io, out } = captureIo(stop.signal);
    const running = runCli(
      ['emulator', '--port', '0', '--memory', '--min-part-size', '100', '--region', 'eu-central-003'],
      io,
      [createEmulatorCommand(fake.start, fake.provision)],
    );
    await vi.waitFor(() => expect(out).toContain('Press Ctrl-C to stop.'), { timeout: 30_000 });
    expect(fake.calls).toEqual([{ port: 0, host: '127.0.0.1', minPartSize: 100, region: 'eu-central-003' }]);
    expect(out).toContain(
      '  S3 API:     http://127.0.0.1:4321 (path-style), region us-west-004; sign with the broker key (S3 refuses the master key)',
    );
    expect(out).toContain('b2up emulator listening on http://127.0.0.1:4321');
    expect(out).toContain('  master key id: kid1');
    expect(out).toContain('B2_APPLICATION_KEY_ID=restricted1');
    expect(out).toContain('B2_APPLICATION_KEY=restrictedKey1');
    expect(out).toContain('B2_BUCKET=b2up-dev');
    expect(out).toContain('B2UP_REALM_URL=http://127.0.0.1:4321');
    expect(fake.closed()).toBe(0);
    stop.abort();
    expect(await running).toBe(0);
    expect(fake.closed()).toBe(1);
    expect(out.at(-1)).toBe('b2up emulator stopped');
  });

  it('--json prints one machine-readable line', async () => {
    const fake = fakeStart();
    const stop = new AbortController();
    stop.abort();
    const { io, out } = captureIo(stop.signal);
    expect(
      await runCli(['emulator', '--json'], io, [createEmulatorCommand(fake.start, fake.provision)]),
    ).toBe(0);
    expect(out.map((l) => JSON.parse(l))).toEqual([
      {
        url: 'http://127.0.0.1:4321',
        accountId: 'acct1',
        keyId: 'kid1',
        key: 'key1',
        region: 'us-west-004',
        bucket: 'b2up-dev',
        brokerKeyId: 'restricted1',
        brokerKey: 'restrictedKey1',
      },
    ]);
  });

  it('a start failure (e.g. port in use) exits 1 with the reason', async () => {
    const { io, err } = captureIo();
    const command = createEmulatorCommand(async () => {
      throw new Error('listen EADDRINUSE: address already in use 127.0.0.1:8180');
    });
    expect(await runCli(['emulator'], io, [command])).toBe(1);
    expect(err).toEqual(['b2up emulator: listen EADDRINUSE: address already in use 127.0.0.1:8180']);
  });
});
