/**
 * The fetch over node:http that `b2up upload` gives its broker client: what goes out and comes back
 * matches fetch's (method, headers, body with its length, status, repeated headers, null bodies),
 * failures reject as fetch's do (a TypeError, or the abort signal's reason), and a CLI upload makes
 * its broker calls through it rather than through the global fetch.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import { type DevStack, startDevStack } from '../../src/cli/dev-stack.js';
import { nodeHttpFetch } from '../../src/node/http-fetch.js';
import { isBrokerError } from '../../src/upload/broker-client.js';
import { createHttpBrokerClient } from '../../src/upload/http-broker.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let base: string;
const seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      if (req.url === '/empty') return res.writeHead(204).end();
      if (req.url === '/hang') return res.writeHead(200, { 'content-length': '10' }).write('12345');
      res.writeHead(201, 'Made', [
        ['content-type', 'application/json'],
        ['set-cookie', 'a=1'],
        ['set-cookie', 'b=2'],
      ]);
      res.end(JSON.stringify({ echo: Buffer.concat(chunks).toString() }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

afterEach(() => {
  seen.length = 0;
});

describe('nodeHttpFetch', () => {
  it('sends the method, headers and body with its length, and answers like fetch', async () => {
    const response = await nodeHttpFetch(`${base}/things?x=1`, {
      method: 'POST',
      headers: { 'x-token': 'abc', 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/things?x=1', body: '{"a":1}' });
    expect(seen[0]!.headers).toMatchObject({ 'x-token': 'abc', 'content-length': '7' });
    expect(seen[0]!.headers['transfer-encoding']).toBeUndefined();
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(201);
    expect(response.statusText).toBe('Made');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await response.json()).toEqual({ echo: '{"a":1}' });
  });

  it('takes a Request, as ky hands it over', async () => {
    const response = await nodeHttpFetch(new Request(`${base}/r`, { method: 'DELETE' }));
    expect(seen[0]).toMatchObject({ method: 'DELETE', url: '/r', body: '' });
    expect(response.ok).toBe(true);
  });

  it('gives a null body where the status has none', async () => {
    const response = await nodeHttpFetch(`${base}/empty`);
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
  });

  it('rejects with a TypeError when nothing answers, as fetch does', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const error: unknown = await nodeHttpFetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('fetch failed');
    expect((error as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
    const broker = createHttpBrokerClient(`http://127.0.0.1:${port}`, { retries: 0, fetch: nodeHttpFetch });
    const refused: unknown = await broker.config().catch((e: unknown) => e);
    expect(isBrokerError(refused) && refused.code).toBe('unavailable');
  });

  it("rejects with the signal's reason when aborted, before or while the answer comes", async () => {
    const before = AbortSignal.abort();
    await expect(nodeHttpFetch(`${base}/`, { signal: before })).rejects.toBe(before.reason);
    const stop = new AbortController();
    const pending = nodeHttpFetch(`${base}/hang`, { signal: stop.signal });
    await vi.waitFor(() => expect(seen.some((s) => s.url === '/hang')).toBe(true), { timeout: 30_000 });
    stop.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('b2up upload', () => {
  let stack: DevStack;
  let dir: string;
  beforeAll(async () => {
    stack = await startDevStack({ origins: ['http://127.0.0.1:1'], minPartSize: 64 * 1024 });
    dir = await mkdtemp(join(tmpdir(), 'b2up-http-fetch-'));
  });
  afterAll(async () => {
    await stack?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('calls the broker over node:http, never through the global fetch', async () => {
    const path = join(dir, 'three-parts.bin');
    await writeFile(path, Buffer.alloc(3 * 64 * 1024, 7));
    // The broker runs in this process and reaches the emulator with fetch: count only broker calls.
    const brokerCalls: string[] = [];
    const original = globalThis.fetch;
    const spy = vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url.startsWith(stack.brokerUrl)) brokerCalls.push(url);
      return original(input, init);
    });
    try {
      const out: string[] = [];
      const code = await runCli(
        [
          'upload',
          path,
          '--broker',
          stack.brokerUrl,
          '--header',
          'Authorization: Bearer alice',
          '--part-size',
          String(64 * 1024),
          '--no-resume',
        ],
        { out: (l) => out.push(l), err: (l) => out.push(l), signal: new AbortController().signal },
      );
      expect(code, out.join('\n')).toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(brokerCalls).toEqual([]);
    const stored: [boolean, number][] = [];
    for await (const f of stack.admin.iterateFileNames({ bucketId: stack.bucketId })) {
      stored.push([f.fileName.endsWith('three-parts.bin'), f.contentLength]);
    }
    expect(stored).toEqual([[true, 3 * 64 * 1024]]);
  });
});
