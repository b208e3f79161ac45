/**
 * The server behind `b2up dev` and `npm start`: one origin that serves a built page (the demo by
 * default) and the broker under /b2up, in front of the dev stack (emulator + bucket with CORS +
 * restricted key + broker, dev-stack.ts). Same origin, so the element's default
 * `broker="/b2up"` works with no CORS set-up; parts still go straight from the browser to the
 * emulator, as they go to B2, under the bucket's CORS rules.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, resolve, sep } from 'node:path';
import { lookup } from 'mrmime';
import type { BrokerLimits } from '../broker/index.js';
import { hostnameOf, LOOPBACK_HOSTNAMES } from '../broker/node.js';
import { bearerIsUser, type DevStack, startDevStack } from './dev-stack.js';

export const BROKER_PATH = '/b2up';

export interface DevServerOptions {
  /** Directory of the built page to serve (index.html at its root). */
  root: string;
  /** Port; 0 picks a free one. Default 0. */
  port?: number;
  /** Interface. Default 127.0.0.1 (never reachable from other machines). */
  host?: string;
  /** Emulator data directory; default in memory. */
  dataDir?: string;
  /** Emulator absoluteMinimumPartSize; default B2's 5,000,000. Lower it to see parts with small files. */
  minPartSize?: number;
  /** The broker's size, type and rate limits; default the broker's own. */
  limits?: BrokerLimits;
}

export interface DevServer {
  /** e.g. http://127.0.0.1:5173 — open it in a browser. */
  url: string;
  stack: DevStack;
  close(): Promise<void>;
}

/** Dev-only login: `Authorization: Bearer <name>` names the user; anyone else is `guest`. */
export function devLogin(request: Request): { id: string } {
  return bearerIsUser(request) ?? { id: 'guest' };
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const root = resolve(options.root);
  await stat(join(root, 'index.html'));
  let stack: DevStack | undefined;
  const host = options.host ?? '127.0.0.1';
  const names = new Set([...LOOPBACK_HOSTNAMES, host.includes(':') ? `[${host}]` : host.toLowerCase()]);
  const server = createServer((req, res) => {
    // Dev login trusts any caller, so only the names this server prints are served: a page on
    // another name that resolves here (DNS rebinding) gets 421, not the broker or the file list.
    if (!names.has(hostnameOf(req.headers.host))) {
      req.resume();
      res.writeHead(421, { 'content-type': 'text/plain', connection: 'close' }).end('unknown host name');
    } else if (stack && isBrokerPath(req.url ?? '/')) proxy(req, res, stack.broker.url);
    else if (stack && req.url?.startsWith('/dev/files')) void listFiles(res, stack);
    else void serveStatic(root, req, res);
  });
  await listen(server, options.port ?? 0, host);
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}`;
  try {
    stack = await startDevStack({
      origins: [url, `http://localhost:${port}`],
      authorize: devLogin,
      broker: { basePath: BROKER_PATH, ...(options.limits ? { limits: options.limits } : {}) },
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      ...(options.minPartSize ? { minPartSize: options.minPartSize } : {}),
    });
  } catch (error) {
    await closeServer(server);
    throw error;
  }
  const started = stack;
  return {
    url,
    stack: started,
    async close() {
      await closeServer(server);
      await started.close();
    },
  };
}

const isBrokerPath = (path: string) => path === BROKER_PATH || path.startsWith(`${BROKER_PATH}/`);

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      done();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((done) => server.close(() => done()));
  server.closeAllConnections();
  return closed;
}

/** Streams the request to the broker and its answer back (no buffering: small files pass through). */
function proxy(req: IncomingMessage, res: ServerResponse, target: string): void {
  const forwarded = request(
    new URL(req.url ?? '/', target),
    { method: req.method, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  forwarded.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end('broker unreachable');
  });
  req.pipe(forwarded);
}

/** The newest files in the dev bucket, for the demo's "in the bucket" list (dev only, no auth). */
async function listFiles(res: ServerResponse, stack: DevStack): Promise<void> {
  try {
    const { files } = await stack.admin.listFileNames({ bucketId: stack.bucketId, maxFileCount: 1000 });
    const body = files
      .map((file) => ({
        fileName: file.fileName,
        size: file.contentLength,
        contentSha1: file.contentSha1,
        uploadTimestamp: file.uploadTimestamp,
      }))
      .sort((a, b) => b.uploadTimestamp - a.uploadTimestamp)
      .slice(0, 20);
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify({ bucket: stack.bucketName, files: body }));
  } catch (error) {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(String(error));
  }
}

async function serveStatic(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405).end();
    return;
  }
  let path: string;
  try {
    path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  } catch {
    res.writeHead(400).end();
    return;
  }
  if (path.endsWith('/')) path += 'index.html';
  const file = normalize(join(root, path));
  // Never outside the served directory, whatever `..` the path carries.
  if (file !== root && !file.startsWith(root + sep)) {
    res.writeHead(403).end();
    return;
  }
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  res.writeHead(200, {
    'content-type': lookup(file) ?? 'application/octet-stream',
    'content-length': info.size,
    'cache-control': 'no-cache',
  });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
}
