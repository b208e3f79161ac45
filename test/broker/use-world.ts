/**
 * One world and one broker on it for a whole test file: started before its first test, closed after
 * its last. The returned objects are filled in by then, so a file names them once at its top.
 */
import { afterAll, beforeAll } from 'vitest';
import type { Capability } from '../../src/b2/wire.js';
import type { BrokerOptions } from '../../src/broker/index.js';
import { type RunningBroker, startBroker, startWorld, type World } from './helpers.js';
import { startS3World } from './s3-world.js';

export interface BrokerWorldOptions {
  /** A world whose broker signs S3 (see s3-world.ts); default a native-only one. */
  s3?: boolean;
  /** The broker key's capabilities (native worlds); default BROKER_KEY_CAPABILITIES. */
  capabilities?: readonly Capability[];
  /** Options for the file's broker (base path, limits, hooks, …). */
  broker?: Partial<BrokerOptions>;
}

export function useBrokerWorld(options: BrokerWorldOptions = {}): { world: World; broker: RunningBroker } {
  const world = {} as World;
  const broker = {} as RunningBroker;
  beforeAll(async () => {
    Object.assign(world, options.s3 ? await startS3World() : await startWorld(options.capabilities));
    Object.assign(broker, await startBroker(world, options.broker));
  });
  afterAll(async () => {
    // Either may be unset if starting failed.
    await broker.close?.();
    await world.close?.();
  });
  return { world, broker };
}
