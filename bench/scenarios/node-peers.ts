/**
 * 6a. Node peers: b2up (createNodeUploader through the broker, the built package) vs the
 *     `backblaze-b2` npm package, the same file to the same emulator at the same concurrency and
 *     part size. Each runs in a child process of its own, which reports its peak RSS (VmHWM); the
 *     emulator and broker run here, in the runner.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChild } from '../lib/child.js';
import type { BenchContext, Figure } from '../lib/figures.js';
import { MiB } from '../lib/files.js';
import { startBenchStack } from '../lib/stack.js';
import { median, mibPerSecond } from '../lib/stats.js';

interface ChildResult {
  ms: number;
  peakRss: number;
  /** CPU seconds (user + system) the child used, start-up included. */
  cpu: number;
  size: number;
}

const built = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'src', 'node', 'upload.js');

export async function nodePeersScenario(context: BenchContext): Promise<Figure[]> {
  if (!existsSync(built)) throw new Error('dist/ is missing: run `npm run build` (npm run bench does)');
  const { settings } = context;
  const size = settings.largeSize;
  const path = await context.files.file(size);
  const stack = await startBenchStack({
    origins: ['http://127.0.0.1'],
    broker: { limits: { startsPerMinute: Number.POSITIVE_INFINITY } },
  });
  const runs = { b2up: [] as ChildResult[], backblaze: [] as ChildResult[] };
  try {
    const common = { path, concurrency: settings.concurrency, partSize: settings.partSize };
    for (let rep = 0; rep < settings.reps; rep++) {
      const order = rep % 2 ? (['backblaze', 'b2up'] as const) : (['b2up', 'backblaze'] as const);
      for (const who of order) {
        const result =
          who === 'b2up'
            ? await runChild<ChildResult>('b2up-child.mjs', { ...common, broker: stack.brokerUrl })
            : await runChild<ChildResult>('backblaze-child.mjs', {
                ...common,
                realm: stack.emulator.url,
                keyId: stack.emulator.keyId,
                key: stack.emulator.key,
                bucketId: stack.bucketId,
              });
        if (result.size !== size) throw new Error(`${who} uploaded ${result.size} bytes, not ${size}`);
        runs[who].push(result);
        context.log(
          `  ${who}: ${mibPerSecond(size, result.ms).toFixed(0)} MiB/s, peak RSS ${(result.peakRss / MiB).toFixed(0)} MiB, CPU ${result.cpu.toFixed(2)} s`,
        );
        await stack.deleteAllFiles();
      }
    }
  } finally {
    await stack.close();
  }
  const rate = (who: keyof typeof runs) => mibPerSecond(size, median(runs[who].map((r) => r.ms)));
  const rss = (who: keyof typeof runs) => median(runs[who].map((r) => r.peakRss)) / MiB;
  const cpu = (who: keyof typeof runs) => median(runs[who].map((r) => r.cpu));
  const group = '6a. Node peers';
  return [
    {
      id: 'node.b2up_vs_backblaze_speed',
      group,
      label: `b2up (Node) vs backblaze-b2, ${size / MiB} MiB, c=${settings.concurrency}`,
      value: rate('b2up'),
      unit: 'MiB/s',
      reference: { label: 'backblaze-b2', value: rate('backblaze') },
      ratio: rate('b2up') / rate('backblaze'),
      bar: { kind: 'min', value: 1.5 },
    },
    {
      id: 'node.b2up_vs_backblaze_rss',
      group,
      label: 'peak RSS of the uploading process, b2up vs backblaze-b2',
      value: rss('b2up'),
      unit: 'MiB',
      reference: { label: 'backblaze-b2', value: rss('backblaze') },
      ratio: rss('b2up') / rss('backblaze'),
      bar: { kind: 'max', value: 0.5 },
    },
    {
      id: 'node.b2up_vs_backblaze_cpu',
      group,
      label: 'CPU seconds of the uploading process (hashing, reading, sending), b2up vs backblaze-b2',
      value: cpu('b2up'),
      unit: 's',
      reference: { label: 'backblaze-b2', value: cpu('backblaze') },
      ratio: cpu('b2up') / cpu('backblaze'),
    },
  ];
}
