/**
 * Builds the harness page with Vite into a temp dir and serves it with `vite preview` on
 * 127.0.0.1 at a free port. Specs reach it through the fixtures in ./fixtures.ts.
 *
 * The page imports the package sources. With B2UP_E2E_TARGET=dist (what `npm test` and
 * `npm run test:e2e`, and so CI, set) it is built against the
 * tsc-built package instead (what users install): every import of `<repo>/src/**.ts` is mapped
 * to `<dist>/src/**.js`, `<dist>` being B2UP_E2E_DIST or `<repo>/dist` (`npm run build`).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin, preview } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
const pageRoot = join(here, 'page');

export interface HarnessServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  origin: string;
  /** Which build of the package the page runs. */
  target: 'src' | 'dist';
  close(): Promise<void>;
}

/** A Content-Security-Policy the page is served with; its scripts carry `nonce`. */
export interface HarnessCsp {
  policy: string;
  nonce: string;
}

export async function startHarness(csp?: HarnessCsp): Promise<HarnessServer> {
  const target = process.env.B2UP_E2E_TARGET === 'dist' ? 'dist' : 'src';
  const page = await servePage({
    root: pageRoot,
    tempPrefix: 'b2up-harness-',
    plugins: target === 'dist' ? [useBuiltPackage(distRoot())] : [],
    ...(csp ? { csp } : {}),
  });
  return { ...page, target };
}

export interface PageOptions {
  /** The page's folder (with its index.html). */
  root: string;
  /** Prefix of the temp build folder, removed on close. */
  tempPrefix: string;
  plugins?: Plugin[];
  /** Minify the build (benchmarks measure what ships). Default false (readable stacks in tests). */
  minify?: boolean;
  /** Serve the page with this policy; Vite puts the nonce on the scripts it writes. */
  csp?: HarnessCsp;
}

/**
 * Builds a page with Vite into a temp folder and serves it with `vite preview` on 127.0.0.1 at a
 * free port. The harness and the benchmarks both serve their pages this way.
 */
export async function servePage(options: PageOptions): Promise<{ origin: string; close(): Promise<void> }> {
  const outDir = await mkdtemp(join(tmpdir(), options.tempPrefix));
  try {
    await build({
      configFile: false,
      root: options.root,
      base: './',
      logLevel: 'warn',
      plugins: options.plugins ?? [],
      ...(options.csp ? { html: { cspNonce: options.csp.nonce } } : {}),
      build: {
        outDir,
        emptyOutDir: true,
        minify: options.minify ?? false,
        sourcemap: !options.minify,
        target: 'es2022',
      },
      // Module workers, as a consumer's Vite app with default options would get for `type: 'module'`.
      worker: { format: 'es' },
    });
    const server = await preview({
      configFile: false,
      root: options.root,
      logLevel: 'warn',
      build: { outDir },
      preview: {
        host: '127.0.0.1',
        port: 0,
        strictPort: true,
        open: false,
        ...(options.csp ? { headers: { 'Content-Security-Policy': options.csp.policy } } : {}),
      },
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

function distRoot(): string {
  const root = resolve(process.env.B2UP_E2E_DIST ?? join(repoRoot, 'dist'));
  if (!existsSync(join(root, 'src'))) {
    throw new Error(`B2UP_E2E_TARGET=dist but ${root}/src does not exist: run \`npm run build\` first.`);
  }
  return root;
}

/** Resolves the page's imports of `<repo>/src/*.ts` to the same module in the built package. */
function useBuiltPackage(dist: string): Plugin {
  const sources = join(repoRoot, 'src') + sep;
  return {
    name: 'b2up-harness-use-dist',
    enforce: 'pre',
    resolveId(source, importer) {
      if (!importer || !source.startsWith('.') || importer.startsWith(dist)) return null;
      const absolute = resolve(dirname(importer), source);
      if (!absolute.startsWith(sources)) return null;
      const built = join(dist, relative(repoRoot, absolute)).replace(/\.ts$/, '.js');
      if (!existsSync(built)) throw new Error(`${built} is missing from the built package`);
      return built;
    },
  };
}
