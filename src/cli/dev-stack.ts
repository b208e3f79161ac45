/**
 * A whole local b2up back end in one call: the B2 emulator, a bucket whose CORS rules let the given
 * origins upload, a bucket-restricted key (no writeKeys), and a broker holding that key, served on
 * 127.0.0.1. `b2up dev`, `npm start` and the browser tests all run on it, so what they exercise is
 * the same set-up a real deployment has, with the emulator in place of B2.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createB2Client } from '../b2/client.js';
import { type BrokerOptions, createBroker } from '../broker/index.js';
import { LOOPBACK_HOSTNAMES, type ServedBroker, serveBroker } from '../broker/node.js';
import { type Emulator, startEmulator } from '../emulator/index.js';
import { DEV_BUCKET, provisionBucket } from './dev-bucket.js';

export interface DevStackOptions {
  /** Page origins allowed to upload (bucket CORS and broker CORS). Required. */
  origins: string[];
  /** Emulator port; default 0 (a free one). */
  emulatorPort?: number;
  /** Broker port; default 0 (a free one). */
  brokerPort?: number;
  /** Emulator data directory; default in memory. */
  dataDir?: string;
  /** absoluteMinimumPartSize of the emulator; default B2's 5,000,000. */
  minPartSize?: number;
  /** The emulator's keepBytes (false: bytes checked, then dropped; for benchmarks). Default true. */
  keepBytes?: boolean;
  /** Bucket name; default `b2up-dev`. */
  bucketName?: string;
  /** The broker's login hook; default: `Authorization: Bearer <user>` names the user (dev only). */
  authorize?: BrokerOptions['authorize'];
  /** Anything else for createBroker (limits, name, …). */
  broker?: Partial<Omit<BrokerOptions, 'b2' | 'authorize' | 'cors'>>;
}

export interface DevStack {
  emulator: Emulator;
  broker: ServedBroker;
  /** What the SDK's `broker` option takes. */
  brokerUrl: string;
  bucketId: string;
  bucketName: string;
  /** A master-key client, for looking behind the broker's back (tests, the demo's file list). */
  admin: ReturnType<typeof createB2Client>;
  close(): Promise<void>;
}

/** Dev-only login: any bearer token is a user name. Never use this outside a local set-up. */
export function bearerIsUser(request: Request): { id: string } | null {
  const match = /^Bearer ([\w.@-]{1,64})$/.exec(request.headers.get('authorization') ?? '');
  return match ? { id: match[1]! } : null;
}

export async function startDevStack(options: DevStackOptions): Promise<DevStack> {
  const emulator = await startEmulator({
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
    });
    const secret =
      options.broker?.secret ?? (options.dataDir ? await keptSecret(options.dataDir) : undefined);
    const broker = createBroker({
      ...options.broker,
      ...(secret === undefined ? {} : { secret }),
      b2: {
        applicationKeyId: key.applicationKeyId,
        applicationKey: key.applicationKey,
        bucket: bucketName,
        realm: emulator.url,
        // The emulator's S3 endpoint is 127.0.0.1, which names no region.
        s3Region: emulator.region,
      },
      authorize: options.authorize ?? bearerIsUser,
      cors: { origins: options.origins },
    });
    // Its dev login trusts any caller: answer only to loopback names (no DNS rebinding).
    const served = await serveBroker(broker, {
      port: options.brokerPort ?? 0,
      hostnames: LOOPBACK_HOSTNAMES,
    });
    const basePath = options.broker?.basePath ?? '';
    return {
      emulator,
      broker: served,
      brokerUrl: `${served.url}${basePath}`,
      bucketId: bucket.bucketId,
      bucketName,
      admin,
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
