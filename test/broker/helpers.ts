/**
 * A real emulator, a bucket, a bucket-restricted key, and brokers served over HTTP on 127.0.0.1.
 * Every response a broker gives is recorded, so a suite can prove no secret ever left it.
 */
import { createHash } from 'node:crypto';
import type { Capability } from '../../src/b2/wire.js';
import { type Broker, type BrokerOptions, createBroker } from '../../src/broker/index.js';
import { type ServedBroker, serveBroker } from '../../src/broker/node.js';
import { type DevBackend, devBrokerB2, startDevBackend } from '../../src/cli/dev-stack.js';

export const sha1 = (data: Uint8Array | string) => createHash('sha1').update(data).digest('hex');
export const SECRET = 'test-secret-0123456789-abcdefghijklmnop';
/** absoluteMinimumPartSize of the test emulator: parts of a few KB keep the tests light. */
export const MIN_PART = 5000;

/** Everything broker responses must never contain. */
export interface Secrets {
  values: Set<string>;
}

export interface RecordedResponse {
  url: string;
  status: number;
  headers: [string, string][];
  body: string;
}

export interface World extends DevBackend {
  secrets: Secrets;
  responses: RecordedResponse[];
  /** A fetch for B2 calls that records every account token B2 mints for the broker. */
  b2Fetch: typeof fetch;
  close(): Promise<void>;
}

export const BROKER_KEY_CAPABILITIES: Capability[] = ['writeFiles', 'listFiles', 'readFiles'];

let worldCount = 0;

/** The dev back end (emulator, bucket, restricted key) without a broker: tests start their own. */
export async function startWorld(
  capabilities: readonly Capability[] = BROKER_KEY_CAPABILITIES,
): Promise<World> {
  const backend = await startDevBackend({
    origins: [],
    minPartSize: MIN_PART,
    bucketName: `broker-test-${process.pid}-${++worldCount}`,
    keyCapabilities: capabilities,
  });
  const secrets: Secrets = {
    values: new Set([backend.emulator.key, backend.key.applicationKeyId, backend.key.applicationKey]),
  };
  const recordTokens: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (
      String(input instanceof Request ? input.url : input).includes('b2_authorize_account') &&
      response.ok
    ) {
      const body = (await response.clone().json()) as { authorizationToken: string };
      secrets.values.add(body.authorizationToken);
    }
    return response;
  };
  return {
    ...backend,
    secrets,
    responses: [],
    b2Fetch: recordTokens,
    close: () => backend.emulator.close(),
  };
}

/** Login for tests: `Authorization: Bearer <user id>`. */
export function bearerAuthorize(request: Request) {
  const header = request.headers.get('Authorization');
  return header?.startsWith('Bearer ') ? { id: header.slice('Bearer '.length) } : null;
}

export const as = (user: string) => ({ Authorization: `Bearer ${user}` });

export interface RunningBroker extends ServedBroker {
  /** Where its routes answer: `url` and the broker's base path. */
  base: string;
  broker: Broker;
  /** The broker's clock offset in ms: advance it to expire tokens or refill rate limits. */
  clock: { advance(ms: number): void };
}

/**
 * A broker over the world's restricted key (unless `b2` is given), served on 127.0.0.1:0. It knows the
 * emulator's signing region: with a key holding deleteFiles it signs S3 (see s3-world.ts).
 */
export async function startBroker(
  world: World,
  overrides: Partial<BrokerOptions> = {},
): Promise<RunningBroker> {
  let offset = 0;
  const broker = createBroker({
    b2: { ...devBrokerB2(world), fetch: world.b2Fetch },
    authorize: bearerAuthorize,
    secret: SECRET,
    now: () => Date.now() + offset,
    ...overrides,
  });
  const recorded = recordResponses(world, broker);
  const served = await serveBroker(recorded);
  return {
    ...served,
    base: `${served.url}${overrides.basePath ?? ''}`,
    broker,
    clock: { advance: (ms) => (offset += ms) },
  };
}

/** Every recorded response, checked for every secret (keys, key ids, account tokens). */
export function leakedSecrets(world: World): string[] {
  const leaks: string[] = [];
  for (const response of world.responses) {
    const text = `${response.headers.map(([n, v]) => `${n}: ${v}`).join('\n')}\n${response.body}`;
    for (const secret of world.secrets.values) {
      if (text.includes(secret)) leaks.push(`${response.url} (${response.status}) contains a secret`);
    }
  }
  return leaks;
}

export interface Reply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON fields.
  body: any;
  headers: Headers;
}

export async function call(
  base: string,
  path: string,
  init: { method?: string; headers?: Record<string, string>; json?: unknown; body?: BodyInit } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...init.headers };
  let body = init.body;
  if (init.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(init.json);
  }
  const response = await fetch(`${base}${path}`, { method: init.method ?? 'GET', headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

/** Deterministic bytes, different per seed. */
export function bytes(length: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  let x = seed * 2654435761;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Starts a large upload as `user` and returns the broker's answer. */
export async function start(base: string, user: string, json: Record<string, unknown>): Promise<Reply> {
  return call(base, '/uploads', { method: 'POST', headers: as(user), json });
}

/** Uploads parts straight to B2 through part URLs, as the browser would. */
export async function uploadParts(
  base: string,
  user: string,
  session: { uploadId: string; token: string },
  parts: Uint8Array<ArrayBuffer>[],
): Promise<void> {
  const urls = await call(base, `/uploads/${encodeURIComponent(session.uploadId)}/part-urls`, {
    method: 'POST',
    headers: { ...as(user), 'X-B2up-Upload-Token': session.token },
    json: { count: parts.length },
  });
  if (urls.status !== 200) throw new Error(`part-urls: ${urls.status} ${JSON.stringify(urls.body)}`);
  await Promise.all(parts.map((part, i) => uploadPart(urls.body.targets[i], i + 1, part)));
}

/** One part straight to B2 on a part URL, with its SHA-1. */
export async function uploadPart(
  target: { uploadUrl: string; authorizationToken: string },
  partNumber: number,
  part: Uint8Array<ArrayBuffer>,
): Promise<void> {
  const response = await fetch(target.uploadUrl, {
    method: 'POST',
    headers: {
      Authorization: target.authorizationToken,
      'X-Bz-Part-Number': String(partNumber),
      'X-Bz-Content-Sha1': sha1(part),
    },
    body: part,
  });
  if (!response.ok) throw new Error(`upload part ${partNumber}: ${response.status} ${await response.text()}`);
}

export async function download(world: World, fileId: string): Promise<Uint8Array> {
  const file = await world.admin.downloadFileById(fileId);
  return new Uint8Array(await new Response(file.body).arrayBuffer());
}

/** The broker, recording every response in `world.responses` (scanned later for leaked secrets). */
export function recordResponses(world: World, broker: Broker): Broker {
  return Object.assign(
    async (request: Request) => {
      const response = await broker(request);
      world.responses.push({
        url: request.url,
        status: response.status,
        headers: [...response.headers],
        body: await response.clone().text(),
      });
      return response;
    },
    { ready: broker.ready, downloadUrl: broker.downloadUrl },
  );
}
