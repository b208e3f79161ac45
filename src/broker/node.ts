/**
 * Serving a broker on node:http (the CLI and tests use this; apps with Express or Hono mount the
 * Fetch handler themselves, see docs/broker.md). Node-only, so it is not part of `b2up/broker`'s
 * isomorphic entry.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { Broker } from './broker.js';

export interface ServeBrokerOptions {
  /** Port to listen on; 0 lets the OS choose (the real one is in the result). Default 0. */
  port?: number;
  /** Interface to listen on. Default '127.0.0.1'. */
  hostname?: string;
  /** Await `broker.ready()` before listening, so a wrong key fails here. Default true. */
  waitForReady?: boolean;
  /** Longest wait for a request's headers, in ms. Default 30,000. */
  headersTimeoutMs?: number;
  /**
   * Longest a whole request may take, body included, in ms. Default 300,000: a small file of 10 MB
   * over a link of about 300 kbit/s.
   */
  requestTimeoutMs?: number;
  /** Longest a connection may go without a byte either way, in ms. Default 120,000. */
  idleTimeoutMs?: number;
  /**
   * Host names (without port) this server answers to; a request whose `Host` names another gets
   * 421. Pins a local server to its own names, so a page on a name that merely resolves to it (DNS
   * rebinding) is not served. Default: any (a broker behind a proxy sees the app's host).
   */
  hostnames?: readonly string[];
}

/** The names of this machine's loopback interface, for `hostnames`. */
export const LOOPBACK_HOSTNAMES: readonly string[] = ['127.0.0.1', 'localhost', '[::1]'];

const DEFAULT_TIMEOUTS = { headersMs: 30_000, requestMs: 300_000, idleMs: 120_000 };

export interface ServedBroker {
  /** e.g. http://127.0.0.1:41234 (add the broker's basePath for the SDK's `broker` option). */
  url: string;
  port: number;
  /**
   * Bytes the broker's server has received since it started (request lines, headers and bodies):
   * a presigned small file costs it under a kilobyte, a proxied one its whole size too (the tests
   * and benchmarks show this).
   */
  bytesReceived(): number;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/** A node:http listener for the broker, for `http.createServer(...)` or `app.use('/b2up', ...)` in Express. */
export function toNodeListener(broker: Broker): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return getRequestListener((request) => broker(request));
}

/** Answers 421 to a request whose Host is not one of `hostnames` (all pass without a list). */
function hostGuard(
  hostnames: readonly string[] | undefined,
  listener: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): (req: IncomingMessage, res: ServerResponse) => void {
  if (!hostnames) return (req, res) => void listener(req, res);
  const allowed = new Set(hostnames.map((name) => name.toLowerCase()));
  return (req, res) => {
    if (allowed.has(hostnameOf(req.headers.host))) {
      void listener(req, res);
      return;
    }
    req.resume();
    res.writeHead(421, { 'Content-Type': 'application/json; charset=utf-8', Connection: 'close' });
    res.end(
      JSON.stringify({
        status: 421,
        code: 'forbidden',
        message: 'This server does not answer to that host name.',
      }),
    );
  };
}

/** `Host` without its port, lower-cased ('[::1]' keeps its brackets). */
export function hostnameOf(host: string | undefined): string {
  const value = (host ?? '').trim().toLowerCase();
  const bracket = value.startsWith('[') ? value.indexOf(']') : -1;
  if (bracket > 0) return value.slice(0, bracket + 1);
  return value.replace(/:\d*$/, '');
}

export async function serveBroker(broker: Broker, options: ServeBrokerOptions = {}): Promise<ServedBroker> {
  if (options.waitForReady ?? true) await broker.ready();
  const headersTimeout = options.headersTimeoutMs ?? DEFAULT_TIMEOUTS.headersMs;
  const requestTimeout = Math.max(options.requestTimeoutMs ?? DEFAULT_TIMEOUTS.requestMs, headersTimeout);
  // Half-sent headers and bodies are cut, so a caller can't hold the broker's memory and sockets
  // open for free; Node checks the deadlines every connectionsCheckingInterval.
  const server = createServer(
    {
      headersTimeout,
      requestTimeout,
      connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(headersTimeout / 4))),
    },
    hostGuard(options.hostnames, toNodeListener(broker)),
  );
  server.setTimeout(options.idleTimeoutMs ?? DEFAULT_TIMEOUTS.idleMs, (socket) => socket.destroy());
  // Bytes off the sockets (request lines, headers, bodies): what reached the broker's server.
  let closedBytes = 0;
  const open = new Set<Socket>();
  server.on('connection', (socket) => {
    open.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      closedBytes += socket.bytesRead;
    });
  });
  const hostname = options.hostname ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, hostname, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`,
    port,
    bytesReceived: () => [...open].reduce((sum, socket) => sum + socket.bytesRead, closedBytes),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

export { createRedisRateStore, type RedisRateStore, type RedisRateStoreOptions } from './redis.js';
