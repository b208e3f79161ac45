/**
 * 1. End-to-end throughput, headless Chromium → emulator: b2up vs the emulator-bound ceiling (the
 *    same File slices POSTed by the same page to the same emulator's part URLs, same concurrency,
 *    `do_not_verify`, no hashing in the page; the emulator still hashes what it stores, so this
 *    ceiling is bound by the emulator as much as by the browser: scenario 10 measures the browser's
 *    own against a bare sink), plus b2up with wholeFileSha1 on.
 * 4. Main-thread long tasks during the plain b2up uploads of the same file.
 * Each repetition runs the three in a rotating order on a fresh emulator, so drift on the shared
 * machine spreads over all of them.
 */
import { type BenchContext, type Figure, uploadOptions } from '../lib/figures.js';
import { MiB } from '../lib/files.js';
import { median, mibPerSecond } from '../lib/stats.js';

type Kind = 'raw' | 'b2up' | 'b2upWhole';

export async function throughputScenario(context: BenchContext): Promise<Figure[]> {
  const { settings } = context;
  const size = settings.largeSize;
  const path = await context.files.file(size);
  const bench = await context.browser();
  const times: Record<Kind, number[]> = { raw: [], b2up: [], b2upWhole: [] };
  const longTasks: Record<'raw' | 'b2up', number[]> = { raw: [], b2up: [] };
  const order: Kind[] = ['raw', 'b2up', 'b2upWhole'];
  for (let rep = 0; rep < settings.reps; rep++) {
    const stack = await bench.stack();
    const page = await bench.open(path);
    try {
      const common = uploadOptions(settings, stack.brokerUrl);
      for (const kind of [...order.slice(rep % 3), ...order.slice(0, rep % 3)]) {
        const since = await page.evaluate(() => window.bench.now());
        const ms =
          kind === 'raw'
            ? await page.evaluate((o) => window.bench.raw(o), common)
            : await page.evaluate(
                async (o) => {
                  const result = await window.bench.b2up(o);
                  return result.ms;
                },
                { ...common, wholeFileSha1: kind === 'b2upWhole' },
              );
        times[kind].push(ms);
        if (kind !== 'b2upWhole') {
          const tasks = await page.evaluate((t) => window.bench.longTasksSince(t), since);
          longTasks[kind].push(...tasks.map((task) => task.duration));
          const at = tasks.map(
            (task) => `${Math.round(task.duration)} ms at +${Math.round(task.start - since)} ms`,
          );
          if (at.length)
            context.log(`  ${kind} long tasks: ${at.join(', ')} (upload took ${Math.round(ms)} ms)`);
        }
        context.log(`  ${kind}: ${mibPerSecond(size, ms).toFixed(0)} MiB/s`);
      }
      await stack.deleteAllFiles();
    } finally {
      await page.close();
      await stack.close();
    }
  }
  const rate = (kind: Kind) => mibPerSecond(size, median(times[kind]));
  const raw = rate('raw');
  const group = '1. End-to-end throughput';
  const sizeLabel = `${size / MiB} MiB`;
  const worst = (kind: 'raw' | 'b2up') => (longTasks[kind].length ? Math.max(...longTasks[kind]) : 0);
  const over = (kind: 'raw' | 'b2up') => longTasks[kind].filter((ms) => ms > 50).length;
  return [
    {
      id: 'e2e.b2up_vs_raw',
      group,
      label: `b2up, ${sizeLabel}, c=${settings.concurrency}, ${settings.partSize / MiB} MiB parts`,
      value: rate('b2up'),
      unit: 'MiB/s',
      reference: { label: 'emulator-bound ceiling: raw POST to the emulator, do_not_verify', value: raw },
      ratio: rate('b2up') / raw,
      bar: { kind: 'min', value: 0.75 },
    },
    {
      id: 'e2e.b2up_whole_sha1_vs_raw',
      group,
      label: 'b2up + wholeFileSha1 (file hashed before the parts)',
      value: rate('b2upWhole'),
      unit: 'MiB/s',
      reference: { label: 'emulator-bound ceiling: raw POST to the emulator, do_not_verify', value: raw },
      ratio: rate('b2upWhole') / raw,
    },
    {
      id: 'main.longest_task_ms',
      group: '4. Main thread',
      label: `longest main-thread task, ${sizeLabel} b2up uploads (${over('b2up')} over 50 ms; raw: ${over('raw')})`,
      value: worst('b2up'),
      unit: 'ms',
      reference: { label: 'same, during the raw POSTs', value: worst('raw') },
      ratio: worst('b2up'),
      bar: { kind: 'max', value: 50 },
      note:
        'PerformanceObserver longtask; the ratio column is the longest task in ms. The raw POSTs run no b2up code, ' +
        'so long tasks there come from the machine (CPU starvation on a shared 2-core host), not from b2up.',
    },
  ];
}
