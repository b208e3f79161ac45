/**
 * A dev stack (emulator + broker) for one scenario, run in a child process (bench/node/stack-child.mjs)
 * from the built package. The runner hosts Playwright's client, and servers sharing its process
 * measured up to a third more CPU per GiB; users run the emulator as a process of its own
 * (`b2up emulator`, `b2up dev`). Tests reach it the way out-of-process tests do: HTTP, with the
 * emulator's control endpoints for counters.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type B2Client, createB2Client } from '../../src/b2/client.js';
import type { EndpointCounts } from '../../src/emulator/counters.js';
import type { DevStackOptions } from '../../src/cli/dev-stack.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface BenchStack {
  /** The stack's process (emulator + broker), for its CPU time. */
  pid: number;
  brokerUrl: string;
  bucketId: string;
  bucketName: string;
  /** The emulator, its master key, and the signing region of its S3-compatible API (served at `url`). */
  emulator: { url: string; keyId: string; key: string; region: string };
  /** A master-key client of the emulator. */
  admin: B2Client;
  /** One endpoint's counters (`GET /__emulator/counters`). */
  counters(endpoint: string): Promise<EndpointCounts>;
  resetCounters(): Promise<void>;
  /** Drops every finished file, so the in-memory emulator doesn't hold gigabytes between runs. */
  deleteAllFiles(): Promise<void>;
  close(): Promise<void>;
}

export async function startBenchStack(options: DevStackOptions): Promise<BenchStack> {
  if (!existsSync(join(root, 'dist', 'src', 'cli', 'dev-stack.js'))) {
    throw new Error('dist/ is missing: run `npm run build` (npm run bench does)');
  }
  const server = await startServerChild<
    Omit<BenchStack, 'admin' | 'counters' | 'resetCounters' | 'close' | 'deleteAllFiles'>
  >('stack-child.mjs', options);
  const info = server.info;
  const admin = createB2Client({
    applicationKeyId: info.emulator.keyId,
    applicationKey: info.emulator.key,
    realm: info.emulator.url,
  });
  const control = async (path: string, method = 'GET') => {
    const response = await fetch(`${info.emulator.url}/__emulator/${path}`, { method });
    if (!response.ok) throw new Error(`${method} /__emulator/${path}: ${response.status}`);
    return response.json() as Promise<{ endpoints: Record<string, EndpointCounts> }>;
  };
  return {
    ...info,
    admin,
    async counters(endpoint) {
      const { endpoints } = await control('counters');
      return endpoints[endpoint] ?? { requests: 0, bytesReceived: 0, statuses: {}, tokenConflicts: 0 };
    },
    async resetCounters() {
      await control('counters/reset', 'POST');
    },
    async deleteAllFiles() {
      for await (const version of admin.iterateFileVersions({ bucketId: info.bucketId })) {
        // Hide markers have no fileId and hold no bytes.
        if (version.fileId === null) continue;
        await admin.deleteFileVersion({ fileName: version.fileName, fileId: version.fileId });
      }
    },
    close: server.close,
  };
}

/**
 * Starts a bench/node/*.mjs server that prints one JSON line when it listens and stops when its
 * stdin closes.
 */
export async function startServerChild<T>(
  script: string,
  input: unknown,
): Promise<{ info: T; close(): Promise<void> }> {
  const server = spawn(process.execPath, [join(root, 'bench', 'node', script), JSON.stringify(input)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: server.stdout });
    lines.once('line', (first) => {
      lines.close();
      resolve(first);
    });
    server.once('exit', (code) => reject(new Error(`${script} exited ${code} before it started`)));
  });
  return {
    info: JSON.parse(line) as T,
    async close() {
      server.stdin.end();
      await exited;
    },
  };
}
