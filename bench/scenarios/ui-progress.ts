/**
 * 4b. Main-thread time of an upload shown in the UI: the large file uploaded through the
 *     <b2up-uploader> element (its store, its rows), with the renderer's main-thread task time
 *     from CDP `Performance.getMetrics` (`TaskDuration`) before and after, per GiB uploaded.
 *     Reference: the same upload through the SDK alone, with no UI subscribed.
 */
import type { Page } from '@playwright/test';
import { type BenchContext, type Figure, uploadOptions } from '../lib/figures.js';
import { GiB, MiB } from '../lib/files.js';
import { median } from '../lib/stats.js';

async function taskSeconds(page: Page): Promise<() => Promise<number>> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const read = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return metrics.find((metric) => metric.name === 'TaskDuration')?.value ?? 0;
  };
  const start = await read();
  return async () => (await read()) - start;
}

export async function uiProgressScenario(context: BenchContext): Promise<Figure[]> {
  const { settings } = context;
  const size = settings.largeSize;
  const path = await context.files.file(size);
  const bench = await context.browser();
  const perGiB = { element: [] as number[], sdk: [] as number[] };
  for (let rep = 0; rep < settings.reps; rep++) {
    const stack = await bench.stack();
    try {
      for (const kind of rep % 2 ? (['sdk', 'element'] as const) : (['element', 'sdk'] as const)) {
        const page = await bench.open(path);
        try {
          const options = uploadOptions(settings, stack.brokerUrl);
          const elapsed = await taskSeconds(page);
          if (kind === 'element') await page.evaluate((o) => window.bench.b2upElement(o), options);
          else await page.evaluate((o) => window.bench.b2up(o), options);
          const seconds = await elapsed();
          perGiB[kind].push((seconds * 1000) / (size / GiB));
          context.log(
            `  ${kind}: ${(seconds * 1000).toFixed(0)} ms of main-thread tasks for ${size / MiB} MiB`,
          );
        } finally {
          await page.close();
        }
        await stack.deleteAllFiles();
      }
    } finally {
      await stack.close();
    }
  }
  const element = median(perGiB.element);
  const sdk = median(perGiB.sdk);
  return [
    {
      id: 'main.ui_task_ms_per_gib',
      group: '4. Main thread',
      label: `main-thread task time per GiB, upload shown in <b2up-uploader> (${size / MiB} MiB)`,
      value: element,
      unit: 'ms/GiB',
      reference: { label: 'the same upload, SDK only, no UI', value: sdk },
      ratio: element / sdk,
    },
  ];
}
