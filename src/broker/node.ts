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
}

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

export async function serveBroker(broker: Broker, options: ServeBrokerOptions = {}): Promise<ServedBroker> {
  if (options.waitForReady ?? true) await broker.ready();
  // No request timeout: a small file arriving over a slow link must not be cut by Node's default.
  const listener = toNodeListener(broker);
  const server = createServer({ requestTimeout: 0 }, (req, res) => void listener(req, res));
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
