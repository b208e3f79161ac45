/**
 * `b2up broker`: serves createBroker on node:http until SIGINT/SIGTERM, for a deployment without a
 * Node app of its own to mount it in (or to try b2up against real B2 or an emulator).
 */
import { parseArgs } from 'node:util';
import type { BrokerOptions, RateStore } from '../broker/index.js';
import type { RedisRateStore } from '../broker/node.js';
import { isRegionName } from '../emulator/s3/region.js';
import { asUsage, byteSizeFlag, integerFlag, originFlag } from './args.js';
import {
  type B2Credentials,
  CREDENTIAL_FLAGS,
  CREDENTIAL_HELP,
  readBucket,
  readCredentials,
} from './b2-credentials.js';
import { type BrokerLogin, loginHook, parseUsers } from './broker-login.js';
import { type CliCommand, type CliIo, ExitCode, UsageError, untilAborted } from './command.js';

/** Default port: unprivileged, and the one Cloudflare's wrangler uses for local Workers, a familiar "API" port. */
export const DEFAULT_BROKER_PORT = 8787;
export const DEFAULT_BASE_PATH = '/b2up';

const help = `Usage: b2up broker [options]

Serves a b2up broker: it holds a bucket-restricted B2 key (no writeKeys) and hands browsers part
URLs for the uploads they start. Refuses to start, and says why, with a key that is unsafe or wrong.

${CREDENTIAL_HELP}

Serving:
  --port P             port to listen on; 0 picks a free one (default ${DEFAULT_BROKER_PORT})
  --host H             address to listen on (default 127.0.0.1)
  --base-path PATH     path the broker answers under (default ${DEFAULT_BASE_PATH}; "/" for the root)
  --origin URL         a page origin allowed to call the broker, e.g. https://app.example.com
                       (repeatable; default none: same-origin callers and non-browser clients only)
  --secret S           HMAC key of upload tokens, >= 32 bytes (default: $B2UP_SECRET, else random:
                       uploads in progress can't continue after a restart)
  --prefix P           first segments of the B2 names the broker assigns (default uploads)
  --s3-region NAME     S3 signing region (default: $B2UP_S3_REGION, else read from B2's S3
                       endpoint, s3.<region>.backblazeb2.com); an emulator's endpoint is
                       127.0.0.1, so give the region \`b2up emulator\` prints to sign S3 there

Login (one of them is required):
  --user NAME=TOKEN    \`Authorization: Bearer TOKEN\` is user NAME (repeatable; tokens >= 16 chars)
  --dev-any-user       DEV ONLY: any \`Authorization: Bearer NAME\` is user NAME (no check at all)

Limits:
  --max-file-size N    largest file, e.g. 50MB or 2GiB (default 10TB, B2's own maximum)
  --allowed-type T     a type users may upload: image/png, image/* (repeatable; default anything
                       but active content such as HTML, SVG and scripts)
  --starts-per-minute N
                       uploads one user may start per minute; "unlimited" for no limit (default 60)
  --redis URL          keep the rate budgets in Redis (redis://host:6379, rediss:// for TLS), so
                       every broker on that Redis shares them (default: in memory, per process).
                       While Redis is unreachable, calls that take from a budget answer 503
                       (fails closed) until it is back

  --json               print one JSON line {url} once listening, instead of the text below
  -h, --help           show this help

The SDK's \`broker\` option is the printed URL. Stops cleanly on Ctrl-C (SIGINT) or SIGTERM.`;

export interface BrokerCliOptions {
  credentials: B2Credentials;
  bucket: string;
  port: number;
  host: string;
  /** '' (root) or '/b2up'. */
  basePath: string;
  origins: string[];
  /** undefined: random per process. */
  secret: string | undefined;
  prefix: string | undefined;
  /** undefined: read from the S3 endpoint's host name. */
  s3Region: string | undefined;
  login: BrokerLogin;
  maxFileSize: number | undefined;
  allowedTypes: string[] | undefined;
  startsPerMinute: number | undefined;
  /** Redis URL of shared rate budgets; undefined: in memory. */
  redis: string | undefined;
  json: boolean;
}

const FLAGS = {
  ...CREDENTIAL_FLAGS,
  port: { type: 'string' },
  host: { type: 'string' },
  'base-path': { type: 'string' },
  origin: { type: 'string', multiple: true },
  secret: { type: 'string' },
  prefix: { type: 'string' },
  's3-region': { type: 'string' },
  user: { type: 'string', multiple: true },
  'dev-any-user': { type: 'boolean' },
  'max-file-size': { type: 'string' },
  'allowed-type': { type: 'string', multiple: true },
  'starts-per-minute': { type: 'string' },
  redis: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export function parseBrokerArgs(args: string[], env: NodeJS.ProcessEnv = process.env): BrokerCliOptions {
  const { values } = asUsage(() =>
    parseArgs({ args, options: FLAGS, strict: true, allowPositionals: false }),
  );
  const users = values.user ?? [];
  if (users.length > 0 && values['dev-any-user'])
    throw new UsageError('--user and --dev-any-user exclude each other');
  if (users.length === 0 && !values['dev-any-user']) {
    throw new UsageError(
      'say who may upload: --user NAME=TOKEN (repeatable), or --dev-any-user for local development',
    );
  }
  const login: BrokerLogin = values['dev-any-user']
    ? { kind: 'dev-any-user' }
    : { kind: 'tokens', users: parseUsers(users) };
  const secret = values.secret ?? env.B2UP_SECRET;
  if (secret !== undefined && new TextEncoder().encode(secret).length < 32) {
    throw new UsageError('--secret (B2UP_SECRET) must be at least 32 bytes, e.g. `openssl rand -hex 32`');
  }
  return {
    credentials: readCredentials(values, env),
    bucket: readBucket(values, env),
    port: values.port === undefined ? DEFAULT_BROKER_PORT : integerFlag('--port', values.port, 0, 65_535),
    host: values.host ?? '127.0.0.1',
    basePath: basePathFlag(values['base-path'] ?? DEFAULT_BASE_PATH),
    origins: (values.origin ?? []).map((origin) => originFlag(origin)),
    secret,
    prefix: values.prefix,
    s3Region: regionFlag(values['s3-region'] ?? env.B2UP_S3_REGION),
    login,
    maxFileSize:
      values['max-file-size'] === undefined
        ? undefined
        : byteSizeFlag('--max-file-size', values['max-file-size']),
    allowedTypes: values['allowed-type'],
    startsPerMinute: startsFlag(values['starts-per-minute']),
    redis: redisFlag(values.redis),
    json: values.json ?? false,
  };
}

function basePathFlag(text: string): string {
  const trimmed = text.replace(/\/+$/, '');
  if (trimmed !== '' && !/^\/[\w.~/-]*$/.test(trimmed))
    throw new UsageError(`--base-path wants a path such as /b2up, got "${text}"`);
  return trimmed;
}

function regionFlag(text: string | undefined): string | undefined {
  if (text === undefined || text === '') return undefined;
  if (!isRegionName(text)) {
    throw new UsageError(`--s3-region wants lower-case letters, digits and -, got ${JSON.stringify(text)}`);
  }
  return text;
}

function startsFlag(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (text === 'unlimited' || text === 'Infinity') return Number.POSITIVE_INFINITY;
  return integerFlag('--starts-per-minute', text, 1);
}

function redisFlag(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  let scheme: string | undefined;
  try {
    scheme = new URL(text).protocol;
  } catch {
    scheme = undefined;
  }
  if (scheme !== 'redis:' && scheme !== 'rediss:')
    throw new UsageError(`--redis wants a URL such as redis://127.0.0.1:6379, got "${text}"`);
  return text;
}

/** createBroker's options for the parsed flags (and the Redis rate store, when --redis gave one). */
export function brokerOptions(
  options: BrokerCliOptions,
  onError: (error: unknown) => void,
  rateStore?: RateStore,
): BrokerOptions {
  const limits: NonNullable<BrokerOptions['limits']> = {};
  if (rateStore) limits.rateStore = rateStore;
  if (options.maxFileSize !== undefined) limits.maxFileSize = options.maxFileSize;
  if (options.allowedTypes !== undefined) limits.allowedTypes = options.allowedTypes;
  if (options.startsPerMinute !== undefined) limits.startsPerMinute = options.startsPerMinute;
  return {
    b2: {
      ...options.credentials,
      bucket: options.bucket,
      ...(options.s3Region !== undefined ? { s3Region: options.s3Region } : {}),
    },
    authorize: loginHook(options.login),
    limits,
    basePath: options.basePath,
    cors: { origins: options.origins },
    onError,
    ...(options.secret !== undefined ? { secret: options.secret } : {}),
    ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
  };
}

function warnings(options: BrokerCliOptions): string[] {
  const lines: string[] = [];
  if (options.login.kind === 'dev-any-user') {
    lines.push(
      '!!! --dev-any-user: ANY caller who sends `Authorization: Bearer <name>` may upload as <name>. Local development only. !!!',
    );
  }
  if (options.secret === undefined) {
    lines.push(
      'warning: no --secret or B2UP_SECRET: upload tokens die with this process, so uploads in progress cannot continue after a restart, and several instances cannot share uploads.',
    );
  }
  return lines;
}

export const brokerCommand: CliCommand = {
  name: 'broker',
  summary: 'serve a b2up broker with a bucket-restricted B2 key (login by fixed tokens)',
  help,
  run: (args, io) => runBroker(parseBrokerArgs(args), io),
};

export async function runBroker(options: BrokerCliOptions, io: CliIo): Promise<number> {
  // Loaded on use, so `b2up --help` and the other commands never load the broker's modules.
  const { createRedisRateStore } = await import('../broker/node.js');
  for (const line of warnings(options)) io.err(line);
  let rateStore: RedisRateStore | undefined;
  if (options.redis !== undefined) {
    try {
      rateStore = await createRedisRateStore({
        url: options.redis,
        onStatus: (m) => io.err(`b2up broker: ${m}`),
      });
    } catch (error) {
      io.err(`b2up broker: refusing to start: Redis (--redis) is unreachable: ${messageOf(error)}`);
      return ExitCode.failure;
    }
  }
  try {
    return await serveUntilStopped(options, io, rateStore);
  } finally {
    await rateStore?.close();
  }
}

async function serveUntilStopped(
  options: BrokerCliOptions,
  io: CliIo,
  rateStore: RateStore | undefined,
): Promise<number> {
  const [{ createBroker, isBrokerConfigError }, { serveBroker, LOOPBACK_HOSTNAMES }] = await Promise.all([
    import('../broker/index.js'),
    import('../broker/node.js'),
  ]);
  let broker: ReturnType<typeof createBroker>;
  try {
    broker = createBroker(
      brokerOptions(options, (error) => io.err(`b2up broker: ${messageOf(error)}`), rateStore),
    );
  } catch (error) {
    // resolveBrokerOptions' TypeErrors: a bad limit or type pattern, i.e. bad flags.
    throw new UsageError(messageOf(error));
  }
  // Dev login trusts any caller, so the server answers only to the name it prints (and loopback's
  // names): a page on another name that resolves here (DNS rebinding) is refused.
  const printed = options.host.includes(':') ? `[${options.host}]` : options.host.toLowerCase();
  const hostnames =
    options.login.kind === 'dev-any-user'
      ? LOOPBACK_HOSTNAMES.includes(printed)
        ? LOOPBACK_HOSTNAMES
        : [printed]
      : undefined;
  let served: Awaited<ReturnType<typeof serveBroker>>;
  try {
    served = await serveBroker(broker, {
      port: options.port,
      hostname: options.host,
      ...(hostnames ? { hostnames } : {}),
    });
  } catch (error) {
    if (!isBrokerConfigError(error)) throw error;
    io.err(`b2up broker: refusing to start (${error.code}): ${error.message}`);
    return ExitCode.failure;
  }
  const url = `${served.url}${options.basePath}`;
  if (options.json) io.out(JSON.stringify({ url }));
  else {
    io.out(`b2up broker listening on ${url}`);
    io.out(`  bucket: ${options.bucket} (via ${options.credentials.realm})`);
    io.out(
      `  login:  ${options.login.kind === 'dev-any-user' ? 'any bearer token (DEV ONLY)' : `${options.login.users.size} user(s) by bearer token`}`,
    );
    io.out(`  origins: ${options.origins.length ? options.origins.join(', ') : 'none (same-origin only)'}`);
    io.out(`  limits: ${options.redis ? 'shared on Redis' : 'in memory (this process only)'}`);
    io.out('Press Ctrl-C to stop.');
  }
  await untilAborted(io.signal);
  await served.close();
  if (!options.json) io.out('b2up broker stopped');
  return ExitCode.ok;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
