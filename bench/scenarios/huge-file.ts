/**
 * 11. Huge files: what an upload costs per GiB and per part must not grow with its part count.
 *    b2up in headless Chromium uploads a file of 10,000 parts (B2's most) of 5,000,000 bytes (B2's
 *    smallest part): 50 GB, as a sparse file, so it takes no disk. Beside it, in the same run, the
 *    same upload of 100 parts. The servers are the CLI a user runs, each in its own process:
 *    `b2up emulator --keep-no-bytes` (every part's SHA-1 checked and its MD5 computed, the bytes then
 *    dropped, so 50 GB fit) and `b2up broker`. Per upload:
 *    - client CPU seconds per GiB: all Chromium processes (CDP SystemInfo);
 *    - renderer memory growth: peak RSS over the upload minus before, sampled every 100 ms;
 *    - resume-record bytes written per part: the page's IndexedDB store counts the JSON of every
 *      record it is given (as the resume-record scenario does in Node);
 *    - main-thread time per part: task time (CDP `TaskDuration`, as the UI scenario measures it)
 *      and CPU time (`ThreadTime`; on a loaded machine task time also counts waits for a core);
 *    - the finish call: the size of its JSON body (every part's SHA-1) and the broker process's CPU
 *      time from just before the page sends it to just after the answer (/proc).
 *    `--quick` uploads 1,000 parts instead of 10,000, and says so in every label.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open, rm, statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type BenchBrowser, sampleMemory } from '../lib/browser.js';
import { chromiumCpu, processCpuSeconds } from '../lib/cpu.js';
import type { BenchContext, Figure } from '../lib/figures.js';
import { GiB, MiB } from '../lib/files.js';
import { type RendererMemory, rendererMemory } from '../lib/memory-dump.js';
import { median } from '../lib/stats.js';
import type { Page } from '@playwright/test';
import type { HugeResult } from '../page/huge.js';

const GROUP = '11. Huge files';
/** B2's absoluteMinimumPartSize: every part but the last at least this. */
const PART_SIZE = 5_000_000;
const REFERENCE_PARTS = 100;
const cli = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'src', 'cli', 'main.js');

interface Server<T> {
  pid: number;
  info: T;
  close(): Promise<void>;
}

/** Runs `b2up <args> --json` from dist/, as a user would; resolves with its JSON line. */
async function startCli<T>(args: string[], env: Record<string, string> = {}): Promise<Server<T>> {
  const child = spawn(process.execPath, [cli, ...args, '--json'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (first) => {
      lines.close();
      resolve(first);
    });
    child.once('exit', (code) => reject(new Error(`b2up ${args[0]} exited ${code} before it started`)));
  });
  return {
    pid: child.pid!,
    info: JSON.parse(line) as T,
    async close() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

interface Servers {
  emulator: Server<{ url: string; bucket: string; brokerKeyId: string; brokerKey: string }>;
  broker: Server<{ url: string }>;
}

async function startServers(origin: string): Promise<Servers> {
  const emulator = await startCli<Servers['emulator']['info']>([
    'emulator',
    '--keep-no-bytes',
    '--port',
    '0',
    '--origin',
    origin,
  ]);
  try {
    const broker = await startCli<{ url: string }>(
      ['broker', '--port', '0', '--origin', origin, '--dev-any-user', '--starts-per-minute', 'unlimited'],
      {
        B2_APPLICATION_KEY_ID: emulator.info.brokerKeyId,
        B2_APPLICATION_KEY: emulator.info.brokerKey,
        B2_BUCKET: emulator.info.bucket,
        B2UP_REALM_URL: emulator.info.url,
      },
    );
    return { emulator, broker };
  } catch (error) {
    await emulator.close();
    throw error;
  }
}

/**
 * A file of `size` zero bytes that takes no disk: refused (and removed) where the filesystem would
 * really allocate it, and where less than 1 GiB is free (the browser profile and the runner still
 * write a little).
 */
async function sparseFile(dir: string, size: number): Promise<string> {
  const free = await statfs(dir);
  const freeBytes = free.bavail * free.bsize;
  if (freeBytes < GiB) {
    throw new Error(`${dir} has ${(freeBytes / MiB).toFixed(0)} MiB free; the huge-file run wants 1 GiB`);
  }
  const path = join(dir, `sparse-${size}.bin`);
  const handle = await open(path, 'w');
  try {
    await handle.truncate(size);
    const { blocks } = await handle.stat();
    if (blocks * 512 > MiB) {
      throw new Error(
        `${dir} does not keep files sparse (${blocks * 512} bytes allocated for a ${size}-byte file)`,
      );
    }
  } catch (error) {
    await handle.close();
    await rm(path, { force: true });
    throw error;
  }
  await handle.close();
  return path;
}

/**
 * The renderer main thread's task time (CDP `TaskDuration`, as the UI scenario reads it) and its CPU
 * time (`ThreadTime`) since this call, in seconds. On a loaded machine task time also counts the
 * time a running task waited for a core; CPU time doesn't.
 */
async function mainThread(page: Page): Promise<() => Promise<{ task: number; cpu: number }>> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const read = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    const metric = (name: string) => metrics.find((m) => m.name === name)?.value ?? 0;
    return { task: metric('TaskDuration'), cpu: metric('ThreadTime') };
  };
  const start = await read();
  return async () => {
    const now = await read();
    return { task: now.task - start.task, cpu: now.cpu - start.cpu };
  };
}

interface Run extends HugeResult {
  chromiumCpuSeconds: number;
  emulatorCpuSeconds: number;
  /** Renderer RSS growth: the peak while uploading, and after the upload and a forced GC. */
  rendererGrowth: number;
  rendererGrowthAfterGc: number;
  heapGrowth: number;
  /** Growth per allocator (memory-infra) at the end of the upload, and after the forced GC. */
  allocatorsAtEnd: RendererMemory;
  allocatorsAfterGc: RendererMemory;
  /** Growth of the page's JS heap in use, from after a GC before the upload to after one at its end. */
  jsLiveGrowth: number;
  /** Renderer RSS growth over the upload, every SERIES_EVERY_MS. */
  series: { ms: number; growth: number }[];
  mainThreadSeconds: number;
  mainThreadCpuSeconds: number;
  finishBrokerCpuSeconds: number;
}

async function measure(bench: BenchBrowser, servers: Servers, path: string): Promise<Run> {
  const page = await bench.open(path);
  try {
    const marks: number[] = [];
    await page.exposeFunction('benchMark', () => {
      marks.push(processCpuSeconds(servers.broker.pid) ?? Number.NaN);
    });
    const main = await mainThread(page);
    // From a collected heap, so the growth after the final GC compares like with like.
    const jsLiveBefore = await collectGarbage(page);
    const memory = await sampleMemory(bench.browser, page, 100, SERIES_EVERY_MS);
    const allocatorsBefore = await rendererMemory(bench.browser, memory.renderers);
    const chromium = await chromiumCpu(bench.browser);
    const emulatorBefore = processCpuSeconds(servers.emulator.pid) ?? Number.NaN;
    const result = await page.evaluate((o) => window.bench.huge(o), {
      broker: servers.broker.info.url,
      concurrency: 4,
      partSize: PART_SIZE,
    });
    const chromiumCpuSeconds = await chromium();
    const emulatorCpuSeconds = (processCpuSeconds(servers.emulator.pid) ?? Number.NaN) - emulatorBefore;
    const mainThreadTime = await main();
    const peak = await memory.stop();
    if (marks.length !== 2) throw new Error(`expected one finish call, saw ${marks.length / 2}`);
    // The page closed its uploader (and so its hash workers) when the upload ended. What the
    // renderer still holds after a full GC is what a GC can't give back.
    const allocatorsAtEnd = growth(allocatorsBefore, await rendererMemory(bench.browser, memory.renderers));
    const jsLiveAfter = await collectGarbage(page);
    const rssAfterGc = memory.rss();
    const allocatorsAfterGc = growth(allocatorsBefore, await rendererMemory(bench.browser, memory.renderers));
    return {
      ...result,
      chromiumCpuSeconds,
      emulatorCpuSeconds,
      rendererGrowth: peak.peakRss - peak.baseRss,
      rendererGrowthAfterGc: rssAfterGc - peak.baseRss,
      heapGrowth: peak.peakHeap - peak.baseHeap,
      allocatorsAtEnd,
      allocatorsAfterGc,
      jsLiveGrowth: jsLiveAfter - jsLiveBefore,
      series: peak.series.map(({ ms, rss }) => ({ ms, growth: rss - peak.baseRss })),
      mainThreadSeconds: mainThreadTime.task,
      mainThreadCpuSeconds: mainThreadTime.cpu,
      finishBrokerCpuSeconds: marks[1]! - marks[0]!,
    };
  } finally {
    await page.close();
  }
}

/** How often the huge run's renderer RSS is kept as a time series (the 50 GB run takes ~20 min). */
const SERIES_EVERY_MS = 60_000;

/**
 * A full GC of the page's main thread (CDP), then a moment for Chromium to sweep and free.
 * Resolves with the bytes of JS heap still in use.
 */
async function collectGarbage(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('HeapProfiler.enable');
    await cdp.send('HeapProfiler.collectGarbage');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return (await cdp.send('Runtime.getHeapUsage')).usedSize;
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}

function growth(before: RendererMemory, after: RendererMemory): RendererMemory {
  const keys = Object.keys(before) as (keyof RendererMemory)[];
  return Object.fromEntries(keys.map((key) => [key, after[key] - before[key]])) as unknown as RendererMemory;
}

const mib = (bytes: number) => `${bytes >= 0 ? '+' : ''}${(bytes / MiB).toFixed(1)}`;

/** Where the renderer's growth sits, per allocator (memory-infra), in MiB. */
function allocatorsText(memory: RendererMemory): string {
  return (
    `Oilpan ${mib(memory.blinkHeap)} (live objects ${mib(memory.blinkLive)}), V8 ${mib(memory.v8)}, ` +
    `malloc ${mib(memory.malloc)}, PartitionAlloc ${mib(memory.partitionAlloc)}, shared memory ${mib(memory.sharedMemory)}`
  );
}

function withoutRatio({ ratio: _ratio, ...figure }: Figure): Figure {
  return figure;
}

const perGiB = (run: Run) => run.chromiumCpuSeconds / (run.size / GiB);
const perPart = (run: Run, value: number) => value / run.parts;

export async function hugeFileScenario(context: BenchContext): Promise<Figure[]> {
  if (!existsSync(cli)) throw new Error('dist/ is missing: run `npm run build` (npm run bench does)');
  const parts = context.settings.quick ? 1_000 : 10_000;
  const label = `${parts.toLocaleString('en')} parts${context.settings.quick ? ' (quick)' : ''}`;
  const bench = await context.browser();
  const servers = await startServers(bench.pages.origin);
  const paths: string[] = [];
  const small: Run[] = [];
  let big: Run;
  try {
    const smallPath = await sparseFile(context.files.dir, REFERENCE_PARTS * PART_SIZE);
    paths.push(smallPath);
    const bigPath = await sparseFile(context.files.dir, parts * PART_SIZE);
    paths.push(bigPath);
    const describe = (run: Run) =>
      `${run.parts} parts, ${(run.size / GiB).toFixed(1)} GiB in ${(run.ms / 1000).toFixed(0)} s: ` +
      `Chromium ${perGiB(run).toFixed(2)} CPU s/GiB, emulator ${(run.emulatorCpuSeconds / (run.size / GiB)).toFixed(2)}, ` +
      `renderer +${(run.rendererGrowth / MiB).toFixed(1)} MiB peak, ${mib(run.rendererGrowthAfterGc)} after a forced GC ` +
      `(at the end: ${allocatorsText(run.allocatorsAtEnd)}; after the GC: ${allocatorsText(run.allocatorsAfterGc)}), main thread ${((run.mainThreadSeconds * 1000) / run.parts).toFixed(2)} ms/part ` +
      `(CPU ${((run.mainThreadCpuSeconds * 1000) / run.parts).toFixed(2)}), ` +
      `records ${(run.recordBytes / run.parts).toFixed(1)} B/part (${run.recordWrites} writes), ` +
      `finish ${(run.finishBodyBytes / 1000).toFixed(0)} kB, broker ${(run.finishBrokerCpuSeconds * 1000).toFixed(0)} ms CPU`;
    // The reference runs before and after the huge one, so drift on the shared machine shows.
    small.push(await measure(bench, servers, smallPath));
    context.log(`  ${describe(small[0]!)}`);
    big = await measure(bench, servers, bigPath);
    context.log(`  ${describe(big)}`);
    for (let rep = 1; rep < Math.max(3, context.settings.reps); rep++) {
      small.push(await measure(bench, servers, smallPath));
      context.log(`  ${describe(small.at(-1)!)}`);
    }
  } finally {
    for (const path of paths) await rm(path, { force: true });
    await servers.broker.close();
    await servers.emulator.close();
  }
  const refLabel = `${REFERENCE_PARTS} parts, same part size`;
  /**
   * A measure of the huge run beside the median of the reference runs; the bar (none when null)
   * is on their ratio.
   */
  const compared = (
    id: string,
    text: string,
    unit: string,
    of: (run: Run) => number,
    bar: number | null = 1.1,
  ): Figure => {
    const reference = median(small.map(of));
    return {
      id: `huge.${id}`,
      group: GROUP,
      label: `${text}, ${label}`,
      value: of(big),
      unit,
      reference: { label: refLabel, value: reference },
      ratio: of(big) / reference,
      ...(bar === null ? {} : { bar: { kind: 'max', value: bar } }),
    };
  };
  return [
    compared(
      'client_cpu_per_gib',
      `client CPU s per GiB (all Chromium processes; ${(big.size / GiB).toFixed(1)} GiB in ${(big.ms / 1000).toFixed(0)} s)`,
      'CPU s/GiB',
      perGiB,
    ),
    {
      ...compared(
        'renderer_growth',
        `peak renderer RSS growth, garbage not yet collected (JS heap +${(big.heapGrowth / MiB).toFixed(1)} MiB)`,
        'MiB',
        (run) => run.rendererGrowth / MiB,
      ),
      note:
        `every minute: ${big.series.map((point) => mib(point.growth)).join(', ')} MiB; ` +
        `at the end, per allocator (memory-infra): ${allocatorsText(big.allocatorsAtEnd)} MiB`,
    },
    {
      ...compared(
        'renderer_growth_after_gc',
        'renderer RSS growth after the upload and a forced GC (CDP HeapProfiler.collectGarbage)',
        'MiB',
        (run) => run.rendererGrowthAfterGc / MiB,
        null,
      ),
      note: `per allocator (memory-infra): ${allocatorsText(big.allocatorsAfterGc)} MiB; Chromium keeps the freed pages of its heaps for reuse, so RSS falls by less than the objects freed`,
    },
    // Growths near zero, either side of it: their ratio says nothing, so none is given.
    withoutRatio(
      compared(
        'renderer_live_after_gc',
        'objects the page still holds after the upload and a forced GC: growth of Oilpan live objects + JS heap in use',
        'MiB',
        (run) => (run.allocatorsAfterGc.blinkLive + run.jsLiveGrowth) / MiB,
        null,
      ),
    ),
    compared(
      'record_bytes_per_part',
      `IndexedDB resume-record bytes written per part (${big.recordWrites} writes)`,
      'B',
      (run) => perPart(run, run.recordBytes),
      1,
    ),
    compared('main_thread_ms_per_part', 'main-thread task time per part', 'ms', (run) =>
      perPart(run, run.mainThreadSeconds * 1000),
    ),
    compared('main_thread_cpu_ms_per_part', 'main-thread CPU time per part', 'ms', (run) =>
      perPart(run, run.mainThreadCpuSeconds * 1000),
    ),
    {
      id: 'huge.finish_broker_cpu_ms',
      group: GROUP,
      label: `finish with ${big.parts.toLocaleString('en')} part SHA-1s (${(big.finishBodyBytes / 1000).toFixed(0)} kB of JSON): broker CPU, succeeded`,
      value: big.finishBrokerCpuSeconds * 1000,
      unit: 'ms',
      reference: {
        label: `finish of ${REFERENCE_PARTS} parts`,
        value: median(small.map((run) => run.finishBrokerCpuSeconds * 1000)),
      },
      note: 'CPU time of the broker process (/proc, 10 ms ticks) from just before the page sent the finish to just after the answer; it lists the parts in B2 (1,000 a call) and finishes with their SHA-1s',
    },
  ];
}
