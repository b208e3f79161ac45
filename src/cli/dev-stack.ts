/**
 * A whole local b2up back end in one call: the B2 emulator, a bucket whose CORS rules let the given
 * origins upload, a bucket-restricted key (no writeKeys), and a broker holding that key, served on
 * 127.0.0.1. `b2up dev`, `npm start` and the browser tests all run on it, so what they exercise is
 * the same set-up a real deployment has, with the emulator in place of B2. Suites that run several
 * brokers over one bucket build the B2 side alone (startDevBackend) and the brokers from devBrokerB2.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type B2Client, createB2Client } from '../b2/client.js';
import type { Capability } from '../b2/wire.js';
import { type Broker, type BrokerOptions, createBroker } from '../broker/index.js';
import { LOOPBACK_HOSTNAMES, type ServedBroker, serveBroker } from '../broker/node.js';
import { type Emulator, type EmulatorOptions, startEmulator } from '../emulator/index.js';
import { DEV_BUCKET, provisionBucket } from './dev-bucket.js';

export interface DevBackendOptions {
  /** Page origins allowed to upload straight to the bucket (its CORS rule); none: no rule. */
  origins: string[];
  /** Emulator port; default 0 (a free one). */
  emulatorPort?: number;
  /** Emulator data directory; default in memory. */
  dataDir?: string;
  /** absoluteMinimumPartSize of the emulator; default B2's 5,000,000. */
  minPartSize?: number;
  /** The emulator's keepBytes (false: bytes checked, then dropped; for benchmarks). Default true. */
  keepBytes?: boolean;
  /** Bucket name; default `b2up-dev`. */
  bucketName?: string;
  /** The broker key's capabilities; default every one the broker uses, S3 mode's deleteFiles included. */
  keyCapabilities?: readonly Capability[];
  /** How the emulator is started; default startEmulator (suites put a watching server in front). */
  startEmulator?: (options: EmulatorOptions) => Promise<Emulator>;
}

/** The B2 side of a local back end: the emulator, its master key, the bucket and the broker's key. */
export interface DevBackend {
  emulator: Emulator;
  /** A master-key client, for looking behind the broker's back (tests, the demo's file list). */
  admin: B2Client;
  bucketId: string;
  bucketName: string;
  /** The bucket-restricted key a broker holds. */
  key: { applicationKeyId: string; applicationKey: string };
}

export interface DevStackOptions extends DevBackendOptions {
  /** Broker port; default 0 (a free one). */
  brokerPort?: number;
  /** The broker's login hook; default: `Authorization: Bearer <user>` names the user (dev only). */
  authorize?: BrokerOptions['authorize'];
  /** Anything else for createBroker (limits, name, …). */
  broker?: Partial<Omit<BrokerOptions, 'b2' | 'authorize' | 'cors'>>;
  /** The fetch the broker calls B2 with; default the global one (suites record its tokens). */
  b2Fetch?: typeof fetch;
  /** What is served in front of the broker; default the broker itself (suites record or fail calls). */
  wrapBroker?: (broker: Broker) => Broker;
}

export interface DevStack extends DevBackend {
  broker: ServedBroker;
  /** What the SDK's `broker` option takes. */
  brokerUrl: string;
  close(): Promise<void>;
}

/** Dev-only login: any bearer token is a user name. Never use this outside a local set-up. */
export function bearerIsUser(request: Request): { id: string } | null {
  const match = /^Bearer ([\w.@-]{1,64})$/.exec(request.headers.get('authorization') ?? '');
  return match ? { id: match[1]! } : null;
}

/** The emulator with a bucket and a broker key on it; the caller closes `emulator`. */
export async function startDevBackend(options: DevBackendOptions): Promise<DevBackend> {
  const start = options.startEmulator ?? startEmulator;
  const emulator = await start({
    port: options.emulatorPort ?? 0,
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.minPartSize ? { minPartSize: options.minPartSize } : {}),
    ...(options.keepBytes === false ? { keepBytes: false } : {}),
  });
  try {
    const admin = createB2Client({
      applicationKeyId: emulator.keyId,
      applicationKey: emulator.key,
      realm: emulator.url,
    });
    const bucketName = options.bucketName ?? DEV_BUCKET;
    const { bucket, key } = await provisionBucket(admin, {
      bucketName,
      origins: options.origins,
      keyName: 'b2up-dev-broker',
      ...(options.keyCapabilities ? { capabilities: options.keyCapabilities } : {}),
    });
    return { emulator, admin, bucketId: bucket.bucketId, bucketName, key };
  } catch (error) {
    await emulator.close();
    throw error;
  }
}

/** A broker's `b2` options for the back end's bucket and key. */
export function devBrokerB2(backend: DevBackend) {
  return {
    ...backend.key,
    bucket: backend.bucketName,
    realm: backend.emulator.url,
    // The emulator's S3 endpoint is 127.0.0.1, which names no region.
    s3Region: backend.emulator.region,
  };
}

export async function startDevStack(options: DevStackOptions): Promise<DevStack> {
  const backend = await startDevBackend(options);
  const { emulator } = backend;
  try {
    const secret =
      options.broker?.secret ?? (options.dataDir ? await keptSecret(options.dataDir) : undefined);
    const broker = createBroker({
      ...options.broker,
      ...(secret === undefined ? {} : { secret }),
      b2: { ...devBrokerB2(backend), ...(options.b2Fetch ? { fetch: options.b2Fetch } : {}) },
      authorize: options.authorize ?? bearerIsUser,
      cors: { origins: options.origins },
    });
    // Its dev login trusts any caller: answer only to loopback names (no DNS rebinding).
    const served = await serveBroker(options.wrapBroker?.(broker) ?? broker, {
      port: options.brokerPort ?? 0,
      hostnames: LOOPBACK_HOSTNAMES,
    });
    const basePath = options.broker?.basePath ?? '';
    return {
      ...backend,
      broker: served,
      brokerUrl: `${served.url}${basePath}`,
      async close() {
        await served.close();
        await emulator.close();
      },
    };
  } catch (error) {
    await emulator.close();
    throw error;
  }
}

/** The file in the data directory that keeps the dev broker's token secret. */
export const DEV_SECRET_FILE = 'b2up-dev-broker-secret';

/**
 * With a data directory the uploads outlive the process, so the upload tokens must too: the broker's
 * secret is kept next to the emulator's files (created once, mode 600), and an upload started before
 * a restart resumes after it instead of failing with bad_upload_token.
 */
async function keptSecret(dataDir: string): Promise<string> {
  const path = join(dataDir, DEV_SECRET_FILE);
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(32).toString('hex');
  await writeFile(path, secret, { mode: 0o600 });
  return secret;
}
