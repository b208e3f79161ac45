/**
 * A world whose broker signs S3: the key has deleteFiles (a confirm that finds the wrong bytes
 * removes them) and the broker is told the emulator's signing region. A presigned URL carries the
 * key's id (SigV4's `X-Amz-Credential` does, for every S3 client): it is public, only the key is
 * secret, so the id is dropped from the secrets responses are checked for.
 */
import {
  BROKER_KEY_CAPABILITIES,
  type RunningBroker,
  startBroker,
  startWorld,
  type World,
} from './helpers.js';
import type { BrokerOptions } from '../../src/broker/index.js';

export async function startS3World(): Promise<World> {
  const world = await startWorld([...BROKER_KEY_CAPABILITIES, 'deleteFiles']);
  world.secrets.values.delete(world.key.applicationKeyId);
  return world;
}

export function startS3Broker(world: World, overrides: Partial<BrokerOptions> = {}): Promise<RunningBroker> {
  return startBroker(world, {
    b2: {
      ...world.key,
      bucket: world.bucketName,
      realm: world.emulator.url,
      fetch: world.b2Fetch,
      s3Region: world.emulator.region,
    },
    ...overrides,
  });
}

/** A presigned request as a browser sends it: the URL, the headers the broker listed, the bytes. */
export function sendPresigned(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: Uint8Array<ArrayBuffer> } = {},
): Promise<Response> {
  return fetch(url, { method: init.method ?? 'PUT', headers: init.headers ?? {}, body: init.body ?? null });
}
