/**
 * `b2up dev`: the whole local set-up in one command — the B2 emulator, a bucket with browser CORS
 * rules, a restricted key, the broker under /b2up and the demo page, on one 127.0.0.1 origin.
 * The demo ships built in the package (dist/demo), so an installed b2up needs no Vite to run it.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type CliCommand, ExitCode, UsageError, untilAborted } from './command.js';
import { BROKER_PATH, type DevServerOptions, startDevServer } from './dev-server.js';

export const DEFAULT_DEV_PORT = 5173;

/** dist/demo, next to dist/src/cli/dev.js in the built package. */
const BUILT_DEMO = fileURLToPath(new URL('../../demo/', import.meta.url));

const help = `Usage: b2up dev [options]

Runs the b2up demo against a local B2 emulator: emulator + bucket (CORS for this page) + a
bucket-restricted key + the broker at ${BROKER_PATH} + the demo page, all on 127.0.0.1.

Options:
  --port P             port of the page and broker (default ${DEFAULT_DEV_PORT}; a free one if taken; 0 = any)
  --data DIR           keep the emulator's buckets and files, and the broker's token secret, in
                       DIR, so uploads resume across a restart (default: in memory)
  --min-part-size N    emulator's minimum part size in bytes (B2: 5000000); lower it to see
                       multi-part uploads with small files
  --root DIR           serve this built page instead of the demo (its uploads go to ${BROKER_PATH})
  -h, --help           show this help

Dev login: requests with "Authorization: Bearer <name>" upload as user <name>, others as "guest".
Stops cleanly on Ctrl-C.`;

export function parseDevArgs(args: string[]): DevServerOptions & { portIsDefault: boolean } {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        data: { type: 'string' },
        'min-part-size': { type: 'string' },
        root: { type: 'string' },
      },
    }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const number = (flag: string, text: string | boolean | undefined, min: number, max: number) => {
    const n = typeof text === 'string' && /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!(n >= min && n <= max)) throw new UsageError(`${flag} needs a whole number in ${min}..${max}`);
    return n;
  };
  return {
    root: typeof values.root === 'string' ? resolve(values.root) : BUILT_DEMO,
    port: values.port === undefined ? DEFAULT_DEV_PORT : number('--port', values.port, 0, 65_535),
    portIsDefault: values.port === undefined,
    ...(typeof values.data === 'string' ? { dataDir: resolve(values.data) } : {}),
    ...(values['min-part-size'] !== undefined
      ? { minPartSize: number('--min-part-size', values['min-part-size'], 1, 5_000_000_000) }
      : {}),
  };
}

export const devCommand: CliCommand = {
  name: 'dev',
  summary: 'run the demo on a local emulator + broker (one origin on 127.0.0.1)',
  help,
  async run(args, io) {
    const { portIsDefault, ...options } = parseDevArgs(args);
    if (!existsSync(resolve(options.root, 'index.html'))) {
      io.err(
        `No built page in ${options.root}. In a clone of b2up, run \`npm run build\` first (npm start does).`,
      );
      return ExitCode.failure;
    }
    const server = await startDevServer(options).catch(async (error: NodeJS.ErrnoException) => {
      // The default port is a convenience; if something else holds it, any free port will do.
      if (error.code !== 'EADDRINUSE' || !portIsDefault) throw error;
      io.err(`Port ${options.port} is in use; picking a free one.`);
      return startDevServer({ ...options, port: 0 });
    });
    io.out(`b2up dev: open ${server.url}`);
    io.out(`  broker:   ${server.url}${BROKER_PATH} (dev login: any "Bearer <name>", else guest)`);
    io.out(
      `  emulator: ${server.stack.emulator.url} (bucket ${server.stack.bucketName}, ${options.dataDir ?? 'in memory'})`,
    );
    io.out('Press Ctrl-C to stop.');
    await untilAborted(io.signal);
    await server.close();
    io.out('b2up dev stopped');
    return ExitCode.ok;
  },
};
