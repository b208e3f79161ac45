/** Everything a request handler may touch, created once per emulator. */
import type { BlobStore } from './blobs.js';
import type { Clock } from './clock.js';
import type { Counters } from './counters.js';
import type { FaultInjector } from './faults/injector.js';
import type { DigestPool } from './digest-pool.js';
import type { AccountRecord } from './model.js';
import type { MetaStore } from './store.js';
import type { Tokens } from './tokens.js';

export interface Settings {
  /** absoluteMinimumPartSize reported by authorize and enforced at finish. */
  minPartSize: number;
  recommendedPartSize: number;
  /** The S3 signing region (`us-west-004`); requests signed for another are refused. */
  region: string;
}

export interface EmulatorContext {
  store: MetaStore;
  blobs: BlobStore;
  tokens: Tokens;
  clock: Clock;
  counters: Counters;
  faults: FaultInjector;
  settings: Settings;
  /** Workers hashing upload bodies; undefined = hash on the main thread. */
  hashing?: DigestPool;
  /** Upload/part tokens with a request in flight: B2 allows one at a time. */
  uploadsInFlight: Set<string>;
  account(): AccountRecord;
  /** Next file creation sequence (orders versions newest first). */
  nextSeq(): number;
}
