/**
 * 6a. Node peers: b2up (createNodeUploader through the broker, the built package) vs the
 *     `backblaze-b2` npm package (native API) and vs `@aws-sdk/lib-storage`'s Upload (S3 multipart,
 *     the emulator's S3-compatible endpoint): the same file to the same emulator at the same
 *     concurrency and part size. Each runs in a child process of its own, which reports its time,
 *     peak RSS (VmHWM) and CPU seconds; the emulator and broker run in a child process of their own.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChild } from '../lib/child.js';
import type { BenchContext, Figure } from '../lib/figures.js';
import { GiB, MiB } from '../lib/files.js';
import { type BenchStack, startBenchStack } from '../lib/stack.js';
import { median, mibPerSecond } from '../lib/stats.js';

interface ChildResult {
  ms: number;
  peakRss: number;
  /** CPU seconds (user + system) of the upload, from the client's creation to the upload's end. */
  cpu: number;
  /** CPU seconds of the whole process, module loading included. */
  cpuTotal: number;
  /** Bytes stored, as the child read them back (or as its client reported them). */
  size: number;
}

const built = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'dist',
  'src',
  'node',
  'node-uploader.js',
);

type Peer = 'b2up' | 'backblaze' | 'libStorage';

/** Where the peers upload to: the stack, and an application key for S3 (B2 refuses the master key there). */
interface Target {
  stack: BenchStack;
  s3Key: { keyId: string; key: string };
}

/** How each peer's child is started, given the target; what all peers share is added to it. */
const peers: Record<Peer, { script: string; input(target: Target): object }> = {
  b2up: { script: 'b2up-child.mjs', input: ({ stack }) => ({ broker: stack.brokerUrl }) },
  backblaze: {
    script: 'backblaze-child.mjs',
    input: ({ stack }) => ({
      realm: stack.emulator.url,
      keyId: stack.emulator.keyId,
      key: stack.emulator.key,
      bucketId: stack.bucketId,
    }),
  },
  libStorage: {
    script: 'lib-storage-child.mjs',
    input: ({ stack, s3Key }) => ({
      endpoint: stack.emulator.url,
      region: stack.emulator.region,
      ...s3Key,
      bucketName: stack.bucketName,
    }),
  },
};

export async function nodePeersScenario(context: BenchContext): Promise<Figure[]> {
  if (!existsSync(built)) throw new Error('dist/ is missing: run `npm run build` (npm run bench does)');
  const { settings } = context;
  const size = settings.largeSize;
  const path = await context.files.file(size);
  const stack = await startBenchStack({
    origins: ['http://127.0.0.1'],
    broker: { limits: { startsPerMinute: Number.POSITIVE_INFINITY } },
  });
  const runs: Record<Peer, ChildResult[]> = { b2up: [], backblaze: [], libStorage: [] };
  const names = Object.keys(peers) as Peer[];
  try {
    const common = { path, concurrency: settings.concurrency, partSize: settings.partSize };
    const key = await stack.admin.createKey({
      keyName: 'bench-lib-storage',
      capabilities: ['listBuckets', 'listFiles', 'readFiles', 'writeFiles'],
      bucketIds: [stack.bucketId],
    });
    const target = { stack, s3Key: { keyId: key.applicationKeyId, key: key.applicationKey } };
    for (let rep = 0; rep < settings.reps; rep++) {
      // Each repetition starts with another peer, so none always runs first on a cold cache.
      const order = names.map((_, i) => names[(i + rep) % names.length]!);
      for (const who of order) {
        const peer = peers[who];
        const result = await runChild<ChildResult>(peer.script, { ...common, ...peer.input(target) });
        if (result.size !== size) throw new Error(`${who} uploaded ${result.size} bytes, not ${size}`);
        runs[who].push(result);
        context.log(
          `  ${who}: ${mibPerSecond(size, result.ms).toFixed(0)} MiB/s, peak RSS ${(result.peakRss / MiB).toFixed(0)} MiB, CPU ${result.cpu.toFixed(2)} s (${result.cpuTotal.toFixed(2)} s with start-up)`,
        );
        await stack.deleteAllFiles();
      }
    }
  } finally {
    await stack.close();
  }
  const rate = (who: Peer) => mibPerSecond(size, median(runs[who].map((r) => r.ms)));
  const rss = (who: Peer) => median(runs[who].map((r) => r.peakRss)) / MiB;
  const cpuPerGiB = (who: Peer) => median(runs[who].map((r) => r.cpu)) / (size / GiB);
  const group = '6a. Node peers';
  const against = (
    peer: Exclude<Peer, 'b2up'>,
    id: string,
    label: string,
    bars: { cpu: number; rss: number },
  ): Figure[] => [
    {
      id: `node.b2up_vs_${id}_speed`,
      group,
      label: `b2up (Node) vs ${label}, ${size / MiB} MiB, c=${settings.concurrency}`,
      value: rate('b2up'),
      unit: 'MiB/s',
      reference: { label, value: rate(peer) },
      ratio: rate('b2up') / rate(peer),
    },
    {
      id: `node.b2up_vs_${id}_rss`,
      group,
      label: `peak RSS of the uploading process, b2up vs ${label}`,
      value: rss('b2up'),
      unit: 'MiB',
      reference: { label, value: rss(peer) },
      ratio: rss('b2up') / rss(peer),
      bar: { kind: 'max', value: bars.rss },
    },
    {
      id: `node.b2up_vs_${id}_cpu`,
      group,
      label: `client CPU seconds per GiB (reading, hashing, sending), b2up (SHA-1 verified) vs ${label}`,
      value: cpuPerGiB('b2up'),
      unit: 's/GiB',
      reference: { label, value: cpuPerGiB(peer) },
      ratio: cpuPerGiB('b2up') / cpuPerGiB(peer),
      bar: { kind: 'max', value: bars.cpu },
    },
  ];
  return [
    ...against('backblaze', 'backblaze', 'backblaze-b2', { cpu: 0.7, rss: 0.5 }),
    ...against('libStorage', 'lib_storage', 'lib-storage (S3)', { cpu: 1, rss: 0.5 }),
  ];
}
