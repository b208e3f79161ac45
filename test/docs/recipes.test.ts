/**
 * docs/recipes.md, run as written: each recipe's file is extracted, its `b2up/...` imports pointed at
 * the sources, its environment set to a local emulator's bucket and restricted key, and a small and a
 * large file are uploaded through it by the SDK's Node uploader, over real HTTP on 127.0.0.1.
 * Express is really installed and listens; Next.js is not (over 100 MB): its route handler's exports
 * are called as Next's server calls them, a Request in and the Response written back.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createNodeUploader, openFile } from '../../src/node/node-uploader.js';
import { createHttpBrokerClient } from '../../src/upload/http-broker.js';
import { startWorld, type World } from '../broker/helpers.js';
import { freePort, ROOT } from './shell.js';

const SCRATCH = join(ROOT, 'node_modules/.cache/b2up-recipes-test');
const closers: (() => Promise<void>)[] = [];
let world: World;

beforeAll(async () => {
  world = await startWorld();
  vi.stubEnv('B2_APPLICATION_KEY_ID', world.key.applicationKeyId);
  vi.stubEnv('B2_APPLICATION_KEY', world.key.applicationKey);
  vi.stubEnv('B2_BUCKET', world.bucketName);
  vi.stubEnv('B2UP_REALM_URL', world.emulator.url);
  vi.stubEnv('B2UP_SECRET', 'recipes-test-secret-0123456789abcdef');
  vi.stubEnv('APP_USERS', 'alice:alice-token-123,bob:bob-token-456');
  await mkdir(SCRATCH, { recursive: true });
});

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  await rm(SCRATCH, { recursive: true, force: true });
  await world?.close();
});

/** The ```ts block under `## heading` in docs/recipes.md, made importable from the sources. */
async function recipe(heading: string, file: string): Promise<string> {
  const doc = await readFile(join(ROOT, 'docs/recipes.md'), 'utf8');
  const section = doc.split(/^## /m).find((s) => s.startsWith(heading));
  const code = /```ts\n([\s\S]*?)```/.exec(section ?? '')?.[1];
  if (!code) throw new Error(`docs/recipes.md: no ts block under "${heading}"`);
  const runnable = code
    .replace("from 'b2up/broker/node'", `from ${JSON.stringify(join(ROOT, 'src/broker/node.ts'))}`)
    .replace("from 'b2up/broker'", `from ${JSON.stringify(join(ROOT, 'src/broker/index.ts'))}`);
  const path = join(SCRATCH, file);
  await writeFile(path, `${runnable}\nexport {};\n`);
  return path;
}

/** A small and a large file through the broker at `url` as alice; what B2 then holds. */
async function uploadThrough(url: string) {
  const uploader = createNodeUploader({
    broker: createHttpBrokerClient(url, { headers: () => ({ Authorization: 'Bearer alice-token-123' }) }),
    partSize: 5000,
    stateDirectory: false,
  });
  try {
    const results = [];
    for (const [name, size] of [
      ['small.txt', 3000],
      ['large.bin', 23_456],
    ] as const) {
      const bytes = Buffer.alloc(size, name.length);
      const path = join(SCRATCH, name);
      await writeFile(path, bytes);
      const result = await uploader.upload(await openFile(path)).done;
      const stored = await world.admin.downloadFileById(result.fileId);
      const sha1 = createHash('sha1')
        .update(Buffer.from(await new Response(stored.body).arrayBuffer()))
        .digest('hex');
      results.push({ name: result.fileName, sha1, expected: createHash('sha1').update(bytes).digest('hex') });
    }
    return results;
  } finally {
    uploader.close();
  }
}

describe('docs/recipes.md', () => {
  it('Express: the server file runs as written; uploads go through it; the app’s other routes still answer', async () => {
    const port = await freePort();
    vi.stubEnv('PORT', String(port));
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const module = (await import(/* @vite-ignore */ await recipe('Express', 'express-server.ts'))) as {
      default: Server;
    };
    closers.push(
      () =>
        new Promise<void>((done) => {
          module.default.closeAllConnections();
          module.default.close(() => done());
        }),
    );
    await new Promise((r) => (module.default.listening ? r(undefined) : module.default.once('listening', r)));
    const base = `http://127.0.0.1:${port}`;
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ ok: true });
    expect((await fetch(`${base}/b2up/config`)).status).toBe(200);
    const refused = await fetch(`${base}/b2up/uploads`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer wrong' },
      body: '{}',
    });
    expect(refused.status).toBe(401);

    for (const r of await uploadThrough(`${base}/b2up`)) {
      expect(r.sha1).toBe(r.expected);
      expect(r.name).toMatch(/^uploads\//);
    }
    // The recipe's onUploadComplete ran once per file.
    const lines = log.mock.calls.map((c) => String(c[0])).filter((l) => l.startsWith('alice uploaded'));
    expect(lines).toHaveLength(2);
  });

  it('Next.js App Router: the route handler file, called as Next calls it, serves uploads', async () => {
    const handlers = (await import(/* @vite-ignore */ await recipe('Next.js', 'next-route.ts'))) as Record<
      string,
      unknown
    >;
    expect(handlers.runtime).toBe('nodejs');
    for (const method of ['GET', 'POST', 'DELETE', 'OPTIONS'])
      expect(typeof handlers[method]).toBe('function');
    // Next's server: the export named by the method, given the Request; 405 when there is none.
    const route = (request: Request) => {
      const handler = handlers[request.method] as ((r: Request) => Promise<Response>) | undefined;
      return handler ? handler(request) : new Response(null, { status: 405 });
    };
    const listener = getRequestListener(route);
    const server = createServer((req, res) => void listener(req, res));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    closers.push(
      () =>
        new Promise<void>((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
    );
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const r of await uploadThrough(`${base}/b2up`)) expect(r.sha1).toBe(r.expected);
  });
});
