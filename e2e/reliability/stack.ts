/**
 * The back end the reliability suites run against: the real emulator and the real broker on
 * 127.0.0.1, each behind a thin wrapper that only watches (and, for the broker, fails a seeded share
 * of calls). The wrappers measure on the server side what the suites assert: per-token timing of
 * part uploads (Retry-After respected, no token used twice at once), attempts per part, the broker's
 * re-authorizations, and every secret a browser must never see.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { B2Client } from '../../src/b2/client.js';
import type { Broker, BrokerOptions } from '../../src/broker/index.js';
import { startDevStack } from '../../src/cli/dev-stack.js';
import { mulberry32 } from '../../src/emulator/faults/random.js';
import { createEmulatorServer, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';
import { createFaultPlan } from './fault-plan.js';

/** One request the emulator received, as the wrapper saw it. */
export interface EmulatorRequest {
  /** B2 operation name (last path segment), or the path for anything else. */
  endpoint: string;
  method: string;
  /** Date.now() when the request arrived. */
  at: number;
  /** Date.now() when the response finished or the connection closed. */
  endedAt?: number;
  status?: number;
  /** Authorization header: the upload token for parts, Basic credentials for authorize. */
  authorization: string;
  partNumber?: number;
  /** The large file a part token belongs to (read from the emulator's token claims). */
  fileId?: string;
  retryAfter?: number;
}

export interface StackOptions {
  /** Page origins allowed by the bucket's and the broker's CORS rules. */
  origins: string[];
  minPartSize: number;
  /** Share of broker calls the wrapper fails (half before, half after the broker handled them). */
  brokerFaultRate?: number;
  seed?: number;
  broker?: Partial<BrokerOptions>;
  /** Holds broker calls whose path matches this long (ms) before handling them, e.g. finish. */
  delayBrokerCalls?: (path: string) => number;
}

export interface BrokerFault {
  at: number;
  path: string;
  when: 'before' | 'after';
}

export interface ReliabilityStack {
  emulator: Emulator;
  emulatorUrl: string;
  brokerUrl: string;
  bucketId: string;
  bucketName: string;
  dataDir: string;
  admin: B2Client;
  /** Every request the emulator received. */
  requests: EmulatorRequest[];
  brokerFaults: BrokerFault[];
  /** Broker calls received (preflights aside), wrapper faults included. */
  brokerCalls: number;
  /** The broker's key id, key and every account token B2 minted for it: never for a browser. */
  secrets: Set<string>;
  brokerKeyId: string;
  setBrokerFaultRate(rate: number): void;
  /** Holds every part upload this long (ms) before the emulator sees it: a slow link. */
  setPartDelay(ms: number): void;
  close(): Promise<void>;
}

export async function startStack(options: StackOptions): Promise<ReliabilityStack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'b2up-reliability-'));
  const requests: EmulatorRequest[] = [];
  const secrets = new Set<string>();
  let partDelay = 0;
  /** The emulator behind a server that records every request and can slow part uploads. */
  const startWatchedEmulator = async (emulatorOptions: EmulatorOptions): Promise<Emulator> => {
    const emulator = createEmulatorServer(emulatorOptions);
    const server = createServer({ requestTimeout: 0 }, (req, res) => {
      const entry = watch(req, res, requests);
      if (partDelay > 0 && entry.endpoint === 'b2_upload_part' && entry.method === 'POST') {
        req.pause();
        setTimeout(() => emulator.handler(req, res), partDelay);
      } else emulator.handler(req, res);
    });
    const url = await listen(server);
    return {
      ...emulator,
      url,
      async close() {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        emulator.close();
      },
    };
  };
  // Every account token B2 hands the broker is a secret too.
  const recordTokens: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const url = String(input instanceof Request ? input.url : input);
    if (url.includes('b2_authorize_account') && response.ok) {
      const body = (await response.clone().json()) as { authorizationToken: string };
      secrets.add(body.authorizationToken);
    }
    return response;
  };
  const seed = options.seed ?? 1;
  // Which calls fail is placed by the plan; whether before or after the broker ran is drawn.
  const random = mulberry32(seed + 1);
  let plan = createFaultPlan(seed, options.brokerFaultRate ?? 0);
  const brokerFaults: BrokerFault[] = [];
  const withFaults = (broker: Broker): Broker =>
    Object.assign(
      async (request: Request): Promise<Response> => {
        const path = new URL(request.url).pathname;
        // Preflights are the browser's, not the SDK's: never failed, never counted.
        if (request.method === 'OPTIONS') return broker(request);
        const delay = options.delayBrokerCalls?.(path) ?? 0;
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
        if (!plan.next()) return broker(request);
        const when = random() < 0.5 ? 'before' : 'after';
        brokerFaults.push({ at: Date.now(), path, when });
        // 'after': the broker did the work but the answer is lost, as behind a flaky proxy.
        if (when === 'after') await (await broker(request)).arrayBuffer();
        const origin = request.headers.get('origin');
        return new Response(JSON.stringify({ status: 503, code: 'unavailable', message: 'injected' }), {
          status: 503,
          headers: {
            'Content-Type': 'application/json',
            ...(origin ? { 'Access-Control-Allow-Origin': origin } : {}),
          },
        });
      },
      { ready: broker.ready, downloadUrl: broker.downloadUrl },
    );
  // The dev stack's key has every capability S3 mode needs, so small files take presigned S3 PUTs.
  const stack = await startDevStack({
    origins: options.origins,
    dataDir: join(dataDir, 'emulator'),
    minPartSize: options.minPartSize,
    bucketName: 'b2up-reliability',
    startEmulator: startWatchedEmulator,
    ...(options.broker ? { broker: options.broker } : {}),
    b2Fetch: recordTokens,
    wrapBroker: withFaults,
  });
  for (const secret of [stack.emulator.key, stack.key.applicationKey, stack.key.applicationKeyId]) {
    secrets.add(secret);
  }

  return {
    emulator: stack.emulator,
    emulatorUrl: stack.emulator.url,
    brokerUrl: stack.brokerUrl,
    bucketId: stack.bucketId,
    bucketName: stack.bucketName,
    dataDir,
    admin: stack.admin,
    requests,
    brokerFaults,
    get brokerCalls() {
      return plan.calls;
    },
    secrets,
    brokerKeyId: stack.key.applicationKeyId,
    setBrokerFaultRate(rate) {
      plan = createFaultPlan(seed, rate);
    },
    setPartDelay(ms) {
      partDelay = ms;
    },
    async close() {
      await stack.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Records `req` in `requests`, completed with its status and Retry-After when the answer is out. */
function watch(req: IncomingMessage, res: ServerResponse, requests: EmulatorRequest[]): EmulatorRequest {
  const entry = describe(req);
  requests.push(entry);
  const end = () => {
    entry.endedAt ??= Date.now();
    if (res.headersSent) entry.status = res.statusCode;
  };
  // Headers given to writeHead() never reach getHeader(), so read them on the way out.
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => typeof res;
  res.writeHead = (...args: unknown[]) => {
    const headers = args.find((a) => typeof a === 'object' && a !== null) as
      Record<string, unknown> | undefined;
    for (const [name, value] of Object.entries(headers ?? {})) {
      if (name.toLowerCase() === 'retry-after') entry.retryAfter = Number(value);
    }
    return writeHead(...args);
  };
  res.once('finish', end);
  res.once('close', end);
  return entry;
}

function describe(req: IncomingMessage): EmulatorRequest {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  const last = path.split('/').filter(Boolean);
  const endpoint = last.find((segment) => segment.startsWith('b2_')) ?? path;
  const authorization = String(req.headers.authorization ?? '');
  const entry: EmulatorRequest = { endpoint, method: req.method ?? 'GET', at: Date.now(), authorization };
  const part = req.headers['x-bz-part-number'];
  if (part !== undefined) entry.partNumber = Number(part);
  if (endpoint === 'b2_upload_part') entry.fileId = tokenFileId(authorization);
  return entry;
}

/** The emulator's tokens are `4_<base64url JSON claims>.<mac>`; a part token's claims name its file. */
function tokenFileId(token: string): string | undefined {
  const match = /^4_([A-Za-z0-9_-]+)\./.exec(token);
  if (!match) return undefined;
  try {
    return (JSON.parse(Buffer.from(match[1]!, 'base64url').toString('utf8')) as { fileId?: string }).fileId;
  } catch {
    return undefined;
  }
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The key id the broker authorized with, from a Basic header (`keyId:key`). */
export function basicKeyId(authorization: string): string | undefined {
  const match = /^Basic (.+)$/.exec(authorization);
  if (!match) return undefined;
  return Buffer.from(match[1]!, 'base64').toString('utf8').split(':')[0];
}
