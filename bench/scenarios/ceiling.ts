/**
 * 10. The browser's own ceiling. The same File slices, same concurrency and part size, POSTed by the
 *     same page to a bare sink that only drains bodies (bench/node/sink-child.mjs): nothing on the
 *     server side hashes or stores, so this is what the browser itself can send. Beside it, in a
 *     rotating order per repetition: b2up's native large-file upload to the emulator (every part
 *     SHA-1'd in the page and verified by the emulator, as in scenario 1) and tus-js-client →
 *     @tus/server (as in 6b). Each is reported against the sink in throughput and in client
 *     CPU-seconds per GiB: every Chromium process's user + system time from /proc, read around
 *     the upload.
 */
import { mkdir, rm } from 'node:fs/promises';
import type { BenchContext, Figure } from '../lib/figures.js';
import { GiB, MiB } from '../lib/files.js';
import { treeCpuSeconds } from '../lib/procfs.js';
import { startServerChild } from '../lib/stack.js';
import { startStatsChild } from '../lib/stats-child.js';
import { median, mibPerSecond } from '../lib/stats.js';

const GROUP = '10. Browser ceiling (bare sink)';
const CHROMIUM = /chrom/i;
type Leg = 'sink' | 'b2up' | 'tus';
const LEGS: Leg[] = ['sink', 'b2up', 'tus'];

export async function ceilingScenario(context: BenchContext): Promise<Figure[]> {
  const { settings } = context;
  const size = settings.largeSize;
  const path = await context.files.file(size);
  const bench = await context.browser();
  const directory = context.files.subdir('ceiling-tus');
  await mkdir(directory, { recursive: true });
  const sink = startStatsChild<{ url: string }>('sink-child.mjs', {});
  const tus = await startServerChild<{ endpoint: string }>('tus-child.mjs', { directory });
  const stack = await bench.stack();
  const page = await bench.open(path);
  const runs: Record<Leg, { ms: number; cpuSeconds: number }[]> = { sink: [], b2up: [], tus: [] };
  try {
    const { url } = await sink.info;
    const common = { concurrency: settings.concurrency, partSize: settings.partSize };
    const run = async (leg: Leg) =>
      leg === 'sink'
        ? page.evaluate((o) => window.bench.sink(o), { ...common, url })
        : leg === 'tus'
          ? page.evaluate((o) => window.bench.tus(o), { ...common, endpoint: tus.info.endpoint })
          : (await page.evaluate((o) => window.bench.b2up(o), { ...common, broker: stack.brokerUrl })).ms;
    for (let rep = 0; rep < settings.reps; rep++) {
      for (const leg of [...LEGS.slice(rep % 3), ...LEGS.slice(0, rep % 3)]) {
        const before = treeCpuSeconds(process.pid, CHROMIUM);
        const ms = await run(leg);
        runs[leg].push({ ms, cpuSeconds: treeCpuSeconds(process.pid, CHROMIUM) - before });
        context.log(
          `  ${leg}: ${mibPerSecond(size, ms).toFixed(0)} MiB/s, Chromium ${((runs[leg].at(-1)!.cpuSeconds * GiB) / size).toFixed(2)} CPU-s/GiB`,
        );
        if (leg === 'tus') {
          await rm(directory, { recursive: true, force: true });
          await mkdir(directory, { recursive: true });
        } else if (leg === 'b2up') {
          await stack.deleteAllFiles();
        }
      }
    }
    // The sink must have drained every byte the page sent it (and not less: nothing cut short).
    const drained = (await sink.stats()).bytes;
    if (drained < size * settings.reps) throw new Error(`the sink drained ${drained} bytes`);
  } finally {
    await page.close();
    await stack.close();
    await tus.close();
    await sink.close();
  }
  const rate = (leg: Leg) => mibPerSecond(size, median(runs[leg].map((r) => r.ms)));
  const cpuPerGiB = (leg: Leg) => median(runs[leg].map((r) => (r.cpuSeconds * GiB) / size));
  const sizeLabel = `${size / MiB} MiB, c=${settings.concurrency}, ${settings.partSize / MiB} MiB parts`;
  const throughput = (leg: 'b2up' | 'tus', label: string): Figure => ({
    id: `ceiling.${leg}_vs_sink`,
    group: GROUP,
    label: `${label}, ${sizeLabel}`,
    value: rate(leg),
    unit: 'MiB/s',
    reference: { label: 'bare sink: the same slices POSTed, drained unread', value: rate('sink') },
    ratio: rate(leg) / rate('sink'),
  });
  const cpu = (leg: 'b2up' | 'tus', label: string): Figure => ({
    id: `ceiling.${leg}_cpu_vs_sink`,
    group: GROUP,
    label: `Chromium CPU-seconds per GiB (all its processes), ${label}`,
    value: cpuPerGiB(leg),
    unit: 'CPU-s/GiB',
    reference: { label: 'bare sink', value: cpuPerGiB('sink') },
    ratio: cpuPerGiB(leg) / cpuPerGiB('sink'),
  });
  return [
    throughput('b2up', 'b2up → emulator (SHA-1 per part, verified)'),
    cpu('b2up', 'b2up'),
    throughput('tus', 'tus-js-client → @tus/server (no checksum)'),
    cpu('tus', 'tus-js-client'),
  ];
}
