/**
 * `b2up emulator`: runs the local B2 emulator until SIGINT/SIGTERM and prints how to reach it.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEV_BUCKET, type ProvisionedBucket, provisionBucket } from './dev-bucket.js';
import { originFlag } from './args.js';
import { type CliCommand, ExitCode, UsageError, untilAborted } from './command.js';
// A constants-only module: `b2up --help` still loads none of the emulator.
import { DEFAULT_S3_REGION, isRegionName } from '../emulator/s3/region.js';

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
  --keep-no-bytes      check every upload's SHA-1 and compute its MD5, then drop the bytes
                       (benchmarks of huge uploads; downloads answer 501; not with --data)
  --recommended-part-size N
                       recommendedPartSize in bytes (B2: 100000000)
  --bucket NAME        the bucket to create (if missing) with a key restricted to it, for
                       \`b2up broker\` (default ${DEV_BUCKET})
  --origin URL         a page origin allowed to upload to that bucket (its CORS rule; repeatable)
  --region NAME        S3 signing region; requests signed for another are refused
                       (default ${DEFAULT_S3_REGION})
  --save-env FILE      also write the broker's variables to FILE (mode 600), for
                       \`set -a; . FILE; set +a\` in another shell
  --json               print one JSON line {url, accountId, keyId, key, region, bucket,
                       brokerKeyId, brokerKey} instead of the text below
  -h, --help           show this help

Prints the master key (for B2 tools and \`b2up cors --apply\`) and the variables \`b2up broker\`
needs: a key restricted to the bucket, without writeKeys. Any B2 client works against
<url>/b2api/v4/b2_authorize_account (any of v1-v4). S3 clients use <url> as their endpoint
(path-style) with the broker key: as on B2, the S3 API refuses the master key. Stops cleanly on
Ctrl-C (SIGINT) or SIGTERM.`;

/** The bucket and broker key the command sets up once the emulator runs. */
export interface BrokerSetup {
  bucket: string;
  origins: string[];
  envFile: string | undefined;
}

/** What the command passes to the emulator (the subset of startEmulator's options it sets). */
export interface EmulatorCliOptions {
  port: number;
  host: string;
  dataDir?: string;
  keyId?: string;
  key?: string;
  minPartSize?: number;
  recommendedPartSize?: number;
  region?: string;
  keepBytes?: boolean;
}

/** What the command reads back from a started emulator. */
export interface StartedEmulator {
  url: string;
  accountId: string;
  keyId: string;
  key: string;
  region: string;
  close(): Promise<void>;
}

export type StartEmulatorFn = (options: EmulatorCliOptions) => Promise<StartedEmulator>;

export function parseEmulatorArgs(
  args: string[],
): EmulatorCliOptions & { json: boolean; setup: BrokerSetup } {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(args).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.data !== undefined && values.memory)
    throw new UsageError('--data and --memory exclude each other');
  if (values.data !== undefined && values['keep-no-bytes'])
    throw new UsageError('--keep-no-bytes keeps everything in memory: it excludes --data');
  const options: EmulatorCliOptions & { json: boolean; setup: BrokerSetup } = {
    port: values.port === undefined ? DEFAULT_EMULATOR_PORT : integerArg('--port', values.port, 0, 65_535),
    host: values.host ?? '127.0.0.1',
    json: values.json ?? false,
    setup: {
      bucket: bucketFlag(values.bucket ?? DEV_BUCKET),
      origins: (values.origin ?? []).map((origin) => originFlag(origin)),
      envFile: values['save-env'] === undefined ? undefined : resolve(values['save-env']),
    },
  };
  if (values.data !== undefined) options.dataDir = resolve(values.data);
  if (values['key-id'] !== undefined) options.keyId = values['key-id'];
  if (values.key !== undefined) options.key = values.key;
  if (values['keep-no-bytes']) options.keepBytes = false;
  if (values['min-part-size'] !== undefined) {
    options.minPartSize = integerArg('--min-part-size', values['min-part-size'], 1);
  }
  if (values['recommended-part-size'] !== undefined) {
    options.recommendedPartSize = integerArg('--recommended-part-size', values['recommended-part-size'], 1);
  }
  if (values.region !== undefined) {
    if (!isRegionName(values.region)) {
      throw new UsageError(
        `--region needs lower-case letters, digits and -, got ${JSON.stringify(values.region)}`,
      );
    }
    options.region = values.region;
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
      'keep-no-bytes': { type: 'boolean' },
      'recommended-part-size': { type: 'string' },
      bucket: { type: 'string' },
      origin: { type: 'string', multiple: true },
      'save-env': { type: 'string' },
      region: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
}

/** B2's bucket name rule: 6-63 letters, digits and hyphens, not starting with "b2-". */
function bucketFlag(name: string): string {
  if (!/^[A-Za-z0-9-]{6,63}$/.test(name) || /^b2-/i.test(name)) {
    throw new UsageError(
      `--bucket wants 6-63 letters, digits or hyphens (not starting with b2-), got "${name}"`,
    );
  }
  return name;
}

function integerArg(flag: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} needs a whole number in ${min}..${max}, got ${JSON.stringify(text)}`);
  }
  return n;
}

/** The lines a person (or a script, with --json) needs to use the emulator. */
export function describeEmulator(
  e: StartedEmulator,
  options: EmulatorCliOptions,
  setup: ProvisionedBucket,
  origins: string[],
): string[] {
  return [
    `b2up emulator listening on ${e.url}`,
    `  data:       ${options.keepBytes === false ? 'in memory, upload bytes checked then dropped (--keep-no-bytes: downloads answer 501)' : (options.dataDir ?? 'in memory (gone when it stops; use --data DIR to keep it)')}`,
    `  authorize:  ${e.url}/b2api/v4/b2_authorize_account (v1, v2, v3 paths work too)`,
    `  account id: ${e.accountId}`,
    `  master key id: ${e.keyId}`,
    `  master key:    ${e.key}`,
    '                 (for B2 tools and `b2up cors --apply`; `b2up broker` refuses a master key)',
    `  S3 API:     ${e.url} (path-style), region ${e.region}; sign with the broker key (S3 refuses the master key)`,
    `  bucket:     ${setup.bucket.bucketName} (private; browser uploads from ${origins.length ? origins.join(', ') : 'no origin yet: add --origin URL, or `b2up cors --apply`'})`,
    '',
    `Environment for \`b2up broker\` (a key restricted to ${setup.bucket.bucketName}, no writeKeys):`,
    ...brokerEnv(e, setup),
    '',
    'Press Ctrl-C to stop.',
  ];
}

function brokerEnv(e: StartedEmulator, setup: ProvisionedBucket): string[] {
  return [
    `B2_APPLICATION_KEY_ID=${setup.key.applicationKeyId}`,
    `B2_APPLICATION_KEY=${setup.key.applicationKey}`,
    `B2_BUCKET=${setup.bucket.bucketName}`,
    `B2UP_REALM_URL=${e.url}`,
    // The endpoint is 127.0.0.1, which names no region: the broker needs it to sign S3.
    `B2UP_S3_REGION=${e.region}`,
  ];
}

export type ProvisionFn = (e: StartedEmulator, setup: BrokerSetup) => Promise<ProvisionedBucket>;

/** The bucket and its broker key, through the emulator's own B2 API with the master key. */
const provisionOverB2: ProvisionFn = async (e, setup) => {
  const { createB2Client } = await import('../b2/client.js');
  const admin = createB2Client({ applicationKeyId: e.keyId, applicationKey: e.key, realm: e.url });
  return provisionBucket(admin, { bucketName: setup.bucket, origins: setup.origins, keyName: 'b2up-broker' });
};

// Loaded on use, so `b2up --help` or another command never pays for the emulator's modules.
const startEmulatorLazily: StartEmulatorFn = async (options) =>
  (await import('../emulator/index.js')).startEmulator(options);

/** The command, with the emulator starter and set-up injectable so tests can check arguments without a server. */
export function createEmulatorCommand(
  start: StartEmulatorFn = startEmulatorLazily,
  provision: ProvisionFn = provisionOverB2,
): CliCommand {
  return {
    name: 'emulator',
    summary:
      'run the local B2 emulator (native API v1-v4, S3-compatible API, fault injection, --memory or --data DIR)',
    help,
    async run(args, io) {
      const { json, setup, ...options } = parseEmulatorArgs(args);
      const emulator = await start(options);
      let provisioned: ProvisionedBucket;
      try {
        provisioned = await provision(emulator, setup);
        if (setup.envFile) {
          await writeFile(setup.envFile, `${brokerEnv(emulator, provisioned).join('\n')}\n`, { mode: 0o600 });
        }
      } catch (error) {
        await emulator.close();
        throw error;
      }
      const { url, accountId, keyId, key, region } = emulator;
      if (json) {
        const { bucket, key: brokerKey } = provisioned;
        io.out(
          JSON.stringify({
            url,
            accountId,
            keyId,
            key,
            region,
            bucket: bucket.bucketName,
            brokerKeyId: brokerKey.applicationKeyId,
            brokerKey: brokerKey.applicationKey,
          }),
        );
      } else for (const line of describeEmulator(emulator, options, provisioned, setup.origins)) io.out(line);
      await untilAborted(io.signal);
      await emulator.close();
      if (!json) io.out('b2up emulator stopped');
      return ExitCode.ok;
    },
  };
}

export const emulatorCommand = createEmulatorCommand();
