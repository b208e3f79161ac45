/**
 * 3. Memory: peak renderer growth while b2up uploads a small file and one 8x bigger, each File on
 *    disk (set by path), sampled every 100 ms: renderer RSS from /proc and the JS heap from CDP.
 *    Flat means the big run grows no more than the small one (+10 %). Each size runs once per
 *    repetition; the median growth is reported.
 */

import { sampleMemory } from '../lib/browser.js';
import { type BenchContext, type Figure, uploadOptions } from '../lib/figures.js';
import { MiB } from '../lib/files.js';
import { median } from '../lib/stats.js';

interface Growth {
  rss: number;
  heap: number;
}

async function measure(context: BenchContext, size: number): Promise<Growth> {
  const { settings } = context;
  const path = await context.files.file(size);
  const bench = await context.browser();
  const stack = await bench.stack();
  const page = await bench.open(path);
  try {
    const sampler = await sampleMemory(bench.browser, page);
    await page.evaluate((o) => window.bench.b2up(o), uploadOptions(settings, stack.brokerUrl));
    const peak = await sampler.stop();
    await stack.deleteAllFiles();
    const growth = { rss: peak.peakRss - peak.baseRss, heap: peak.peakHeap - peak.baseHeap };
    context.log(
      `  ${size / MiB} MiB: renderer RSS +${(growth.rss / MiB).toFixed(1)} MiB, JS heap +${(growth.heap / MiB).toFixed(1)} MiB (${peak.samples} samples)`,
    );
    return growth;
  } finally {
    await page.close();
    await stack.close();
  }
}

/** Median growth over the run's repetitions, small and big runs alternating. */
export async function memoryScenario(context: BenchContext): Promise<Figure[]> {
  const [smallSize, bigSize] = context.settings.memorySizes;
  const runs = { small: [] as Growth[], big: [] as Growth[] };
  for (let rep = 0; rep < context.settings.reps; rep++) {
    runs.small.push(await measure(context, smallSize));
    runs.big.push(await measure(context, bigSize));
  }
  const mid = (list: Growth[]): Growth => ({
    rss: median(list.map((g) => g.rss)),
    heap: median(list.map((g) => g.heap)),
  });
  const small = mid(runs.small);
  const big = mid(runs.big);
  const group = '3. Memory';
  const mib = (b: number) => b / MiB;
  return [
    {
      id: 'memory.growth_small_mib',
      group,
      label: `renderer RSS growth, ${smallSize / MiB} MiB upload (JS heap +${mib(small.heap).toFixed(1)} MiB)`,
      value: mib(small.rss),
      unit: 'MiB',
      ratio: mib(small.rss),
      bar: { kind: 'max', value: 256 },
      note: 'the ratio column is the growth in MiB',
    },
    {
      id: 'memory.growth_big_mib',
      group,
      label: `renderer RSS growth, ${bigSize / MiB} MiB upload (JS heap +${mib(big.heap).toFixed(1)} MiB)`,
      value: mib(big.rss),
      unit: 'MiB',
      ratio: mib(big.rss),
      bar: { kind: 'max', value: 256 },
      note: 'the ratio column is the growth in MiB',
    },
    {
      id: 'memory.big_vs_small',
      group,
      label: `growth ${bigSize / MiB} MiB run vs ${smallSize / MiB} MiB run (8x the bytes)`,
      value: mib(big.rss),
      unit: 'MiB',
      reference: { label: `${smallSize / MiB} MiB run`, value: mib(small.rss) },
      ratio: big.rss / Math.max(small.rss, 1),
      bar: { kind: 'max', value: 1.1 },
    },
  ];
}
