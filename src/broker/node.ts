/**
 * Serving a broker on node:http (the CLI and tests use this; apps with Express or Hono mount the
 * Fetch handler themselves, see docs/broker.md). Node-only, so it is not part of `b2up/broker`'s
 * isomorphic entry.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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
   * Request-body bytes the broker has read since it started: a presigned small file costs it a
   * few hundred bytes of JSON, a proxied one its whole size (the demo and benchmarks show this).
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
  let bytesReceived = 0;
  const counted = Object.assign(
    (request: Request) =>
      broker(
        request.body
          ? new Request(request.url, {
              method: request.method,
              headers: request.headers,
              signal: request.signal,
              body: request.body.pipeThrough(
                new TransformStream<Uint8Array, Uint8Array>({
                  transform(chunk, controller) {
                    bytesReceived += chunk.byteLength;
                    controller.enqueue(chunk);
                  },
                }),
              ),
              duplex: 'half',
            } as RequestInit)
          : request,
      ),
    { ready: broker.ready, downloadUrl: broker.downloadUrl },
  );
  // No request timeout: a small file arriving over a slow link must not be cut by Node's default.
  const listener = toNodeListener(counted);
  const server = createServer({ requestTimeout: 0 }, (req, res) => void listener(req, res));
  const hostname = options.hostname ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, hostname, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`,
    port,
    bytesReceived: () => bytesReceived,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
