/**
 * `b2up emulator`: runs the local B2 emulator until SIGINT/SIGTERM and prints how to reach it.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type CliCommand, ExitCode, UsageError, untilAborted } from './command.js';

/** Default port: the one b2sdk's "dev" realm uses (`http://api.backblazeb2.xyz:8180`). */
export const DEFAULT_EMULATOR_PORT = 8180;

const help = `Usage: b2up emulator [options]

Runs a local server that speaks Backblaze B2's native API (v1-v4), for tests and offline development.

Options:
  --port P             port to listen on; 0 picks a free one (default ${DEFAULT_EMULATOR_PORT})
  --host H             address to listen on (default 127.0.0.1)
  --data DIR           keep buckets and files in DIR; they survive a restart
  --memory             keep everything in memory (the default when --data is not given)
  --key-id ID          application key id to accept (default: the emulator's own)
  --key KEY            application key to accept (default: the emulator's own)
  --min-part-size N    absoluteMinimumPartSize in bytes (B2: 5000000); lower it for fast tests
  --recommended-part-size N
                       recommendedPartSize in bytes (B2: 100000000)
  --json               print one JSON line {url, accountId, keyId, key} instead of the text below
  -h, --help           show this help

Point a B2 client's authorize URL at <url>/b2api/v4/b2_authorize_account (any of v1-v4) with the
printed key id and key. Stops cleanly on Ctrl-C (SIGINT) or SIGTERM.`;

/** What the command passes to the emulator (the subset of startEmulator's options it sets). */
export interface EmulatorCliOptions {
  port: number;
  host: string;
  dataDir?: string;
  keyId?: string;
  key?: string;
  minPartSize?: number;
  recommendedPartSize?: number;
}

/** What the command reads back from a started emulator. */
export interface StartedEmulator {
  url: string;
  accountId: string;
  keyId: string;
  key: string;
  close(): Promise<void>;
}

export type StartEmulatorFn = (options: EmulatorCliOptions) => Promise<StartedEmulator>;

export function parseEmulatorArgs(args: string[]): EmulatorCliOptions & { json: boolean } {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(args).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.data !== undefined && values.memory)
    throw new UsageError('--data and --memory exclude each other');
  const options: EmulatorCliOptions & { json: boolean } = {
    port: values.port === undefined ? DEFAULT_EMULATOR_PORT : integerArg('--port', values.port, 0, 65_535),
    host: values.host ?? '127.0.0.1',
    json: values.json ?? false,
  };
  if (values.data !== undefined) options.dataDir = resolve(values.data);
  if (values['key-id'] !== undefined) options.keyId = values['key-id'];
  if (values.key !== undefined) options.key = values.key;
  if (values['min-part-size'] !== undefined) {
    options.minPartSize = integerArg('--min-part-size', values['min-part-size'], 1);
  }
  if (values['recommended-part-size'] !== undefined) {
    options.recommendedPartSize = integerArg('--recommended-part-size', values['recommended-part-size'], 1);
  }
  return options;
}

function parse(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      data: { type: 'string' },
      memory: { type: 'boolean' },
      'key-id': { type: 'string' },
      key: { type: 'string' },
      'min-part-size': { type: 'string' },
      'recommended-part-size': { type: 'string' },
      json: { type: 'boolean' },
    },
  });
}

function integerArg(flag: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} needs a whole number in ${min}..${max}, got ${JSON.stringify(text)}`);
  }
  return n;
}

/** The lines a person (or a script, with --json) needs to use the emulator. */
export function describeEmulator(e: StartedEmulator, options: EmulatorCliOptions): string[] {
  return [
    `b2up emulator listening on ${e.url}`,
    `  data:       ${options.dataDir ?? 'in memory (gone when it stops; use --data DIR to keep it)'}`,
    `  authorize:  ${e.url}/b2api/v4/b2_authorize_account (v1, v2, v3 paths work too)`,
    `  account id: ${e.accountId}`,
    `  key id:     ${e.keyId}`,
    `  key:        ${e.key}`,
    '',
    'Environment for b2up and other B2 tools:',
    `B2_APPLICATION_KEY_ID=${e.keyId}`,
    `B2_APPLICATION_KEY=${e.key}`,
    `B2UP_REALM_URL=${e.url}`,
    '',
    'Press Ctrl-C to stop.',
  ];
}

// Loaded on use, so `b2up --help` or another command never pays for the emulator's modules.
const startEmulatorLazily: StartEmulatorFn = async (options) =>
  (await import('../emulator/index.js')).startEmulator(options);

/** The command, with the emulator starter injectable so tests can check arguments without a server. */
export function createEmulatorCommand(start: StartEmulatorFn = startEmulatorLazily): CliCommand {
  return {
    name: 'emulator',
    summary: 'run the local B2 emulator (native API v1-v4, fault injection, --memory or --data DIR)',
    help,
    async run(args, io) {
      const { json, ...options } = parseEmulatorArgs(args);
      const emulator = await start(options);
      const { url, accountId, keyId, key } = emulator;
      if (json) io.out(JSON.stringify({ url, accountId, keyId, key }));
      else for (const line of describeEmulator(emulator, options)) io.out(line);
      await untilAborted(io.signal);
      await emulator.close();
      if (!json) io.out('b2up emulator stopped');
      return ExitCode.ok;
    },
  };
}

export const emulatorCommand = createEmulatorCommand();
