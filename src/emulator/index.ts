/**
 * b2up/emulator: a local server speaking Backblaze B2's native API (v1–v4) on 127.0.0.1, so clients
 * and tests run offline. See docs/emulator.md for options, control endpoints and known differences.
 */
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ALL_CAPABILITIES, Limits } from '../b2/wire.js';
import { createDiscardingBlobStore, createDiskBlobStore, createMemoryBlobStore } from './blobs.js';
import { type Clock, createClock } from './clock.js';
import type { EmulatorContext } from './context.js';
import { type Counters, createCounters } from './counters.js';
import { createFaultInjector, type FaultInjector } from './faults/injector.js';
import { createDigestPool } from './digest-pool.js';
import { newAccountId, newKeySecret, randomHex } from './ids.js';
import { type LifecycleReport, runLifecycle } from './lifecycle.js';
import type { AccountRecord, KeyRecord } from './model.js';
import { DEFAULT_S3_REGION, isRegionName } from './s3/region.js';
import { createRequestHandler, type NodeHandler } from './server.js';
import { MetaStore } from './store.js';
import { createTokens } from './tokens.js';

export type { Clock } from './clock.js';
export type { Counters, CountersSnapshot, EndpointCounts } from './counters.js';
export type { FaultConfig, FaultRule, FaultSchedule } from './faults/config.js';
export type { EndpointName } from './faults/endpoints.js';
export type { FaultInjector, FaultInjectorOptions, FaultsState, InjectedFault } from './faults/injector.js';
export type { Fault, FaultKindShorthand, StatusFaultName } from './faults/kinds.js';
export type { TestModeOptions } from './faults/test-modes.js';
export type { LifecycleReport } from './lifecycle.js';
export type { S3EndpointName, S3Operation } from './s3/operations.js';
export type { NodeHandler } from './server.js';
export { createClock, createCounters, createFaultInjector, DEFAULT_S3_REGION };

export interface EmulatorOptions {
  /** Port to listen on; default 0 = a free port chosen by the OS. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Directory for persistent storage (created if missing); default none = everything in memory. */
  dataDir?: string;
  /** Master key id; default the stored one, else the (generated) account id. */
  keyId?: string;
  /** Master key secret; default the stored one, else generated. */
  key?: string;
  /** absoluteMinimumPartSize reported and enforced at finish; default 5,000,000 (tests lower it). */
  minPartSize?: number;
  /** recommendedPartSize reported by authorize; default 100,000,000. */
  recommendedPartSize?: number;
  /** Fault injector; default a fresh one that injects nothing until configured. */
  faults?: FaultInjector;
  /** Clock for timestamps and token expiry; default real time. */
  clock?: Clock;
  /** Request/byte counters; default fresh ones. */
  counters?: Counters;
  /**
   * Most worker threads hashing upload bodies (SHA-1 and MD5 of one body run in two of them); default
   * os.availableParallelism(), at least 2. 0 = hash on the main thread. Started on the first body of
   * 1 MiB or more, stopped by close().
   */
  hashWorkers?: number;
  /**
   * Whether the account honours custom upload timestamps (B2 enables them per account on request).
   * Default: the stored setting, else false, as on a fresh B2 account.
   */
  customUploadTimestamps?: boolean;
  /**
   * Default true. False (a benchmark and test mode, never for development): every upload body is
   * still hashed, its SHA-1 checked and its MD5 computed as B2 does, then dropped, so uploads of
   * tens of GB hold neither memory nor disk. Metadata is kept, in memory only (no `dataDir`);
   * downloads and copies answer 501 `unsupported` before any byte, never wrong bytes.
   */
  keepBytes?: boolean;
  /**
   * Region of the S3-compatible API, the one requests must be signed for; default `us-west-004`
   * (B2's region names look like this).
   */
  region?: string;
}

export interface Emulator {
  /** e.g. http://127.0.0.1:41234: the realm; apiUrl, downloadUrl and upload URLs point here too. */
  url: string;
  accountId: string;
  keyId: string;
  key: string;
  /** Signing region of the S3-compatible API, served at `url` (path-style: `<url>/<bucket>/<key>`). */
  region: string;
  faults: FaultInjector;
  clock: Clock;
  counters: Counters;
  /** Every account token minted so far now answers 401 expired_auth_token. */
  expireAccountTokens(): void;
  /** Runs the buckets' lifecycle rules once, at the emulator clock's now (see docs/emulator.md). */
  runLifecycle(): LifecycleReport;
  close(): Promise<void>;
}

/** An emulator without a listener: its Node request handler, for embedding in another server. */
export interface EmulatorServer extends Omit<Emulator, 'url' | 'close'> {
  handler: NodeHandler;
  /** Flushes and closes storage; call after the embedding server stopped. */
  close(): void;
}

export function createEmulatorServer(options: EmulatorOptions = {}): EmulatorServer {
  const region = options.region ?? DEFAULT_S3_REGION;
  if (!isRegionName(region)) {
    throw new RangeError(`region must be lower-case letters, digits and -, got ${JSON.stringify(region)}`);
  }
  const clock = options.clock ?? createClock();
  const counters = options.counters ?? createCounters();
  const faults = options.faults ?? createFaultInjector({ clock });
  if (options.keepBytes === false && options.dataDir) {
    // Records that outlive the process would name files whose bytes no restart could serve.
    throw new TypeError('keepBytes: false keeps everything in memory; it takes no dataDir');
  }
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const store = new MetaStore(options.dataDir);
  const blobs =
    options.keepBytes === false
      ? createDiscardingBlobStore()
      : options.dataDir
        ? createDiskBlobStore(options.dataDir)
        : createMemoryBlobStore();

  let account = store.get('account', 'account');
  if (!account) {
    account = { accountId: newAccountId(), tokenSecret: randomHex(32), revokedUpToSerial: 0 };
    store.put('account', 'account', account);
  }
  if (
    options.customUploadTimestamps !== undefined &&
    options.customUploadTimestamps !== (account.customUploadTimestamps ?? false)
  ) {
    account = { ...account, customUploadTimestamps: options.customUploadTimestamps };
    store.put('account', 'account', account);
  }
  const master = ensureMasterKey(store, account, options);
  const tokens = createTokens(account.tokenSecret);

  // After a crash: drop temp files and any blob no record points at.
  const referenced = new Set<string>();
  for (const f of store.values('files')) for (const b of f.blobs) referenced.add(b.blobId);
  for (const p of store.values('parts')) referenced.add(p.blob.blobId);
  blobs.sweep(referenced);

  let seq = store.maxSeq();
  const hashing =
    options.hashWorkers === 0 ? undefined : createDigestPool({ maxWorkers: options.hashWorkers });
  const ctx: EmulatorContext = {
    store,
    blobs,
    tokens,
    clock,
    counters,
    faults,
    settings: {
      minPartSize: options.minPartSize ?? Limits.minPartSize,
      recommendedPartSize: options.recommendedPartSize ?? Limits.recommendedPartSize,
      region,
    },
    hashing,
    uploadsInFlight: new Set(),
    account: () => store.get('account', 'account')!,
    nextSeq: () => ++seq,
  };
  const expireAccountTokens = () => {
    store.put('account', 'account', { ...ctx.account(), revokedUpToSerial: tokens.nextSerial() });
  };
  const lifecycle = () => runLifecycle(ctx);
  const handler = createRequestHandler(ctx, {
    expireAccountTokens,
    runLifecycle: lifecycle,
    setCustomUploadTimestamps: (allowed) =>
      store.put('account', 'account', { ...ctx.account(), customUploadTimestamps: allowed }),
    info: () => ({ accountId: account.accountId, keyId: master.applicationKeyId, region }),
  });
  return {
    handler,
    accountId: account.accountId,
    keyId: master.applicationKeyId,
    key: master.applicationKey,
    region,
    faults,
    clock,
    counters,
    expireAccountTokens,
    runLifecycle: lifecycle,
    close: () => {
      store.close();
      // Workers are unref'd, so not waiting here cannot keep the process alive.
      void hashing?.close();
    },
  };
}

function ensureMasterKey(store: MetaStore, account: AccountRecord, options: EmulatorOptions): KeyRecord {
  const existing = store.values('keys').find((k) => k.master);
  const wanted: KeyRecord = {
    applicationKeyId: options.keyId ?? existing?.applicationKeyId ?? account.accountId,
    applicationKey: options.key ?? existing?.applicationKey ?? newKeySecret(),
    keyName: 'master',
    capabilities: [...ALL_CAPABILITIES],
    expirationTimestamp: null,
    bucketIds: null,
    namePrefix: null,
    master: true,
  };
  if (
    existing?.applicationKeyId === wanted.applicationKeyId &&
    existing.applicationKey === wanted.applicationKey
  ) {
    return existing;
  }
  if (existing) store.delete('keys', existing.applicationKeyId);
  store.put('keys', wanted.applicationKeyId, wanted);
  return wanted;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const emulator = createEmulatorServer(options);
  // No request timeout: a multi-GB part on a slow link must not be cut by Node's 5-minute default.
  const server = createServer({ requestTimeout: 0 }, emulator.handler);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    ...emulator,
    url,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      emulator.close();
    },
  };
}
