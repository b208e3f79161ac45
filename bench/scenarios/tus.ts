/**
 * 6b. Browser peer: b2up → emulator (every part's SHA-1 computed in the page and verified by the
 *     emulator) vs tus-js-client → @tus/server with its file store on loopback (no checksums), the
 *     same File, concurrency and part size, alternating order.
 */
import { mkdir, rm } from 'node:fs/promises';
import type { BenchContext, Figure } from '../lib/figures.js';
import { MiB } from '../lib/files.js';
import { startServerChild } from '../lib/stack.js';
import { median, mibPerSecond } from '../lib/stats.js';

export async function tusScenario(context: BenchContext): Promise<Figure[]> {
  const { settings } = context;
  const size = settings.largeSize;
  const path = await context.files.file(size);
  const bench = await context.browser();
  const directory = context.files.subdir('tus');
  await mkdir(directory, { recursive: true });
  const tus = await startServerChild<{ endpoint: string }>('tus-child.mjs', { directory });
  const { endpoint } = tus.info;
  const stack = await bench.stack();
  const page = await bench.open(path);
  const times = { b2up: [] as number[], tus: [] as number[] };
  try {
    const common = { concurrency: settings.concurrency, partSize: settings.partSize };
    for (let rep = 0; rep < settings.reps; rep++) {
      const order = rep % 2 ? (['tus', 'b2up'] as const) : (['b2up', 'tus'] as const);
      for (const who of order) {
        const ms =
          who === 'tus'
            ? await page.evaluate((o) => window.bench.tus(o), { ...common, endpoint })
            : (await page.evaluate((o) => window.bench.b2up(o), { ...common, broker: stack.brokerUrl })).ms;
        times[who].push(ms);
        context.log(`  ${who}: ${mibPerSecond(size, ms).toFixed(0)} MiB/s`);
        if (who === 'tus') {
          await rm(directory, { recursive: true, force: true });
          await mkdir(directory, { recursive: true });
        } else {
          await stack.deleteAllFiles();
        }
      }
    }
  } finally {
    await page.close();
    await stack.close();
    await tus.close();
  }
  const rate = (who: keyof typeof times) => mibPerSecond(size, median(times[who]));
  return [
    {
      id: 'browser.b2up_vs_tus',
      group: '6b. Browser peer',
      label: `b2up (SHA-1 per part, verified) vs tus-js-client → @tus/server, ${size / MiB} MiB`,
      value: rate('b2up'),
      unit: 'MiB/s',
      reference: { label: 'tus (file store, no checksum)', value: rate('tus') },
      // No bar: on 2 cores shared with the servers this ratio follows each side's CPU per GiB (b2up
      // reads and hashes every byte, the emulator hashes it twice more), not how either sends.
      ratio: rate('b2up') / rate('tus'),
    },
  ];
}
