/**
 * Builds the bench page (bench/page) with Vite into a temp dir and serves it with `vite preview` on
 * 127.0.0.1 at a free port. The page imports the package sources, like the e2e harness does, plus
 * tus-js-client for the browser peer.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, preview } from 'vite';

const pageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', 'page');

export interface PageServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  origin: string;
  close(): Promise<void>;
}

export async function startPageServer(): Promise<PageServer> {
  const outDir = await mkdtemp(join(tmpdir(), 'b2up-bench-page-'));
  try {
    await build({
      configFile: false,
      root: pageRoot,
      base: './',
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true, minify: true, sourcemap: false, target: 'es2022' },
      worker: { format: 'es' },
    });
    const server = await preview({
      configFile: false,
      root: pageRoot,
      logLevel: 'warn',
      build: { outDir },
      preview: { host: '127.0.0.1', port: 0, strictPort: true, open: false },
    });
    const { port } = server.httpServer.address() as AddressInfo;
    return {
      origin: `http://127.0.0.1:${port}`,
      async close() {
        await server.close();
        await rm(outDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(outDir, { recursive: true, force: true });
    throw error;
  }
}
