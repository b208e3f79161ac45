/**
 * The harness page: puts the modules under test and a few helpers on `window.b2upTest`, so a spec
 * drives them with `page.evaluate(() => window.b2upTest....)`. It does nothing else on its own.
 *
 * Modules are imported from the package sources; the harness build maps them to the tsc-built
 * `dist/` instead when B2UP_E2E_TARGET=dist (see ../server.ts). To expose a new module to specs,
 * add it to `modules` below.
 */
import { wrap } from 'comlink';
import * as sdk from '../../../src/index.js';
import * as fileHandles from '../../../src/ui/element/file-handles.js';
import * as hasher from '../../../src/upload/hasher.js';
import type { HashWorkerApi } from '../../../workers/hash-worker.js';
import { deterministicBlocks } from '../data.js';
import { createReliabilityDriver } from './reliability.js';
import * as uploadDriver from './uploads.js';

const modules = { hasher, sdk, fileHandles };

/** Server URLs and other settings a spec passed in the page URL (`?broker=…&emulator=…`). */
const params: Record<string, string> = Object.fromEntries(new URLSearchParams(location.search));

/** A `size`-byte File of deterministic bytes (see ../data.ts), built block by block. */
function deterministicFile(
  seed: number,
  size: number,
  name = `seed-${seed}.bin`,
  lastModified = 1_700_000_000_000,
): File {
  const parts: Blob[] = [];
  // Each block becomes a Blob at once, so its bytes move to the browser's blob store and the
  // typed array can be collected: the page never holds the file twice in JS memory.
  for (const block of deterministicBlocks(seed, size)) parts.push(new Blob([block]));
  return new File(parts, name, { type: 'application/octet-stream', lastModified });
}

/** The File the user last picked in the page's `<input type=file id=file-input>`. */
function pickedFile(): File {
  const input = document.querySelector<HTMLInputElement>('#file-input');
  const file = input?.files?.[0];
  if (!file) throw new Error('No file was set on #file-input');
  return file;
}

/** A hash worker of its own, driven directly through its comlink API (no pool in between). */
function rawHashWorker() {
  const worker = new Worker(new URL('../../../workers/hash-worker.js', import.meta.url), { type: 'module' });
  return { api: wrap<HashWorkerApi>(worker), terminate: () => worker.terminate() };
}

/** Turns any rejection into plain data a spec can read across `page.evaluate`. */
async function settle<T>(work: Promise<T>): Promise<Settled<T>> {
  try {
    return { ok: true, value: await work };
  } catch (error) {
    const { name, message, code } = error as { name?: string; message?: string; code?: unknown };
    return { ok: false, error: { name: String(name), message: String(message), code } };
  }
}

export type Settled<T> =
  { ok: true; value: T } | { ok: false; error: { name: string; message: string; code: unknown } };

/** Upload driver bound to this page's `?broker=` (see ./uploads.ts). */
const uploads = {
  start: (options: Omit<uploadDriver.StartOptions, 'file'> & { file: File | 'picked' }) =>
    uploadDriver.start(params, { ...options, file: options.file === 'picked' ? pickedFile() : options.file }),
  uploader: (user?: string) => uploadDriver.uploaderFor(params, user),
  snapshot: uploadDriver.snapshot,
  finished: uploadDriver.finished,
  pause: uploadDriver.pause,
  resume: uploadDriver.resume,
  cancel: uploadDriver.cancel,
};

const api = {
  ...modules,
  uploads,
  /** Shared-uploader driver for the reliability suites (see ./reliability.ts). */
  reliability: createReliabilityDriver(params),
  params,
  deterministicFile,
  pickedFile,
  rawHashWorker,
  settle,
  ready: true as const,
};

export type B2upTestApi = typeof api;

declare global {
  interface Window {
    b2upTest: B2upTestApi;
  }
}

window.b2upTest = api;
