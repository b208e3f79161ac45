/**
 * A bench/node/*.mjs server that measures itself: it prints `{url | endpoint, …}` as one JSON line
 * when it listens, answers each "stats" line on stdin with one JSON line of counters, and stops when
 * its stdin closes. Its counters are its own process's: CPU, bytes its server received, requests.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { B2Client } from '../../src/b2/client.js';

const nodeDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'node');

export interface ServerStats {
  /** CPU time of the server's process (user + system), µs. */
  cpuMicros: number;
  /** Bytes its HTTP server read from sockets: request lines, headers, bodies. */
  bytes: number;
  /** Requests other than CORS preflights. */
  calls: number;
  /** CORS preflights (OPTIONS). */
  preflights: number;
}

export interface StatsChild<T> {
  info: Promise<T>;
  stats(): Promise<ServerStats>;
  close(): Promise<void>;
}

export function startStatsChild<T>(script: string, input: unknown): StatsChild<T> {
  const child = spawn(process.execPath, [join(nodeDir, script), JSON.stringify(input)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const next = () => new Promise<string>((resolve) => waiting.push(resolve));
  return {
    info: next().then((line) => JSON.parse(line) as T),
    async stats() {
      const answer = next();
      child.stdin.write('stats\n');
      return JSON.parse(await answer) as ServerStats;
    },
    async close() {
      child.stdin.end();
      await exited;
    },
  };
}

/** The counters of `after` minus `before`, divided by `count` (per file, per GiB, …). */
export function statsPer(before: ServerStats, after: ServerStats, count: number): ServerStats {
  return {
    cpuMicros: (after.cpuMicros - before.cpuMicros) / count,
    bytes: (after.bytes - before.bytes) / count,
    calls: (after.calls - before.calls) / count,
    preflights: (after.preflights - before.preflights) / count,
  };
}

/** An emulator's bucket as the bench holds it: a master-key client and where the bucket is. */
export interface BenchBucket {
  admin: B2Client;
  bucketId: string;
  bucketName: string;
  emulator: { url: string; region: string };
}

/**
 * bench/node/broker-child.mjs presigning small files straight to `bucket`, with a key of its own
 * restricted to it (deleteFiles too: a confirm that finds the wrong bytes removes them).
 */
export async function startBrokerChild(
  bucket: BenchBucket,
  options: { origins?: string[] } = {},
): Promise<StatsChild<{ url: string }>> {
  const key = await bucket.admin.createKey({
    keyName: 'bench-broker',
    capabilities: ['writeFiles', 'readFiles', 'listFiles', 'deleteFiles'],
    bucketIds: [bucket.bucketId],
  });
  return startStatsChild<{ url: string }>('broker-child.mjs', {
    b2: {
      applicationKeyId: key.applicationKeyId,
      applicationKey: key.applicationKey,
      bucket: bucket.bucketName,
      realm: bucket.emulator.url,
      s3Region: bucket.emulator.region,
    },
    smallFiles: 's3',
    ...options,
  });
}
