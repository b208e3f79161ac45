/**
 * 5. Resume cost: b2up uploads with resume records in IndexedDB; at 50 % of the bytes the page is
 *    reloaded (every request in flight dies), the same file is picked again and the upload resumes.
 *    Bytes re-sent = what b2_upload_part received in all (emulator counters) minus the file size.
 *    Bar: at most the parts that can be in flight (concurrency x part size).
 */

import { type BenchContext, type Figure, uploadOptions } from '../lib/figures.js';
import { MiB } from '../lib/files.js';

export async function resumeScenario(context: BenchContext): Promise<Figure[]> {
  const { settings } = context;
  const size = settings.largeSize;
  const path = await context.files.file(size);
  const bench = await context.browser();
  const stack = await bench.stack();
  const page = await bench.open(path);
  const options = { ...uploadOptions(settings, stack.brokerUrl), resume: true };
  try {
    await stack.resetCounters();
    const id = await page.evaluate((o) => window.bench.startB2up(o), options);
    await page.waitForFunction(
      ({ id, half }) => window.bench.progress(id) >= half,
      { id, half: size / 2 },
      { polling: 20, timeout: 300_000 },
    );
    const atReload = (await stack.counters('b2_upload_part')).bytesReceived;
    await page.reload();
    await page.waitForFunction(() => window.bench?.ready === true);
    await page.setInputFiles('#file-input', path);
    const result = await page.evaluate((o) => window.bench.b2up(o), options);
    if (!result.resumed || result.size !== size) throw new Error(`did not resume: ${JSON.stringify(result)}`);
    const total = (await stack.counters('b2_upload_part')).bytesReceived;
    const resent = total - size;
    const inFlight = settings.concurrency * settings.partSize;
    context.log(
      `  reloaded at ${(atReload / MiB).toFixed(0)} MiB received; re-sent ${(resent / MiB).toFixed(1)} MiB`,
    );
    return [
      {
        id: 'resume.resent_vs_in_flight',
        group: '5. Resume cost',
        label: `bytes re-sent after a reload at 50 % of ${size / MiB} MiB`,
        value: resent / MiB,
        unit: 'MiB',
        reference: {
          label: `parts in flight (${settings.concurrency} x ${settings.partSize / MiB} MiB)`,
          value: inFlight / MiB,
        },
        ratio: resent / inFlight,
        bar: { kind: 'max', value: 1 },
      },
    ];
  } finally {
    await page.close();
    await stack.close();
  }
}
