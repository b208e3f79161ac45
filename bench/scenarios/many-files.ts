/**
 * 9. Many small files from headless Chromium, as a photo or document app sends them: 300 files of
 *    64 KiB–4 MiB (sizes log-uniform from a fixed seed, random bytes; the same files for every leg),
 *    three ways, each as its docs say to use it, in a rotating order per repetition:
 *    - b2up: all files handed to one uploader; SHA-1 + MD5 hashed in workers, presigned PUT straight
 *      to B2, SHA-1 confirmed by the broker; presigns and confirms shared between files (batches);
 *    - Uppy: @uppy/core + @uppy/aws-s3 in signRequest mode, signed by the same b2up broker
 *      (docs/uppy.md): one sign call and one presigned PUT per file, nothing verified;
 *    - tus-js-client → @tus/server (file store): the bytes go through that server.
 *    The broker (and the tus server) run in processes of their own that count what their HTTP server
 *    received (bytes, calls, CORS preflights) and their own CPU; Chromium's CPU is read from /proc.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ManyResult } from '../page/many.js';
import { type BenchContext, type Figure, versus } from '../lib/figures.js';
import { KiB, MiB } from '../lib/files.js';
import { processCpuSeconds, treeCpuSeconds } from '../lib/procfs.js';
import { type ServerStats, startBrokerChild, startStatsChild, statsPer } from '../lib/stats-child.js';
import { median } from '../lib/stats.js';

const GROUP = '9. Many small files (browser)';
const CHROMIUM = /chrom/i;
type Leg = 'b2up' | 'uppy' | 'tus';
const LEGS: Leg[] = ['b2up', 'uppy', 'tus'];

/** A small deterministic generator (mulberry32): the same size mix on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** `count` files from 64 KiB to 4 MiB, log-uniform (as many 100 KB scans as 3 MB photos). */
export async function writeSmallFiles(
  dir: string,
  count: number,
): Promise<{ paths: string[]; bytes: number }> {
  await mkdir(dir, { recursive: true });
  const random = seeded(20_260_130);
  const paths: string[] = [];
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const size = Math.round(64 * KiB * 64 ** random());
    const path = join(dir, `photo-${String(i).padStart(3, '0')}.jpg`);
    await writeFile(path, randomBytes(size));
    paths.push(path);
    bytes += size;
  }
  return { paths, bytes };
}

interface LegRun {
  result: ManyResult;
  server: ServerStats;
  /** Per file: every Chromium process, and the emulator's process (B2's side). */
  clientCpuMs: number;
  emulatorCpuMs: number;
}

export async function manyFilesScenario(context: BenchContext): Promise<Figure[]> {
  const { settings } = context;
  const count = settings.quick ? 60 : 300;
  const { paths, bytes } = await writeSmallFiles(context.files.subdir('many'), count);
  context.log(
    `  ${count} files, ${(bytes / MiB).toFixed(0)} MiB (mean ${(bytes / count / KiB).toFixed(0)} KiB)`,
  );
  const bench = await context.browser();
  const stack = await bench.stack();
  const broker = await startBrokerChild(stack, { origins: [bench.pages.origin] });
  const tusDir = context.files.subdir('many-tus');
  await mkdir(tusDir, { recursive: true });
  const tus = startStatsChild<{ endpoint: string }>('tus-child.mjs', { directory: tusDir });
  const page = await bench.open(paths[0]!);
  const runs: Record<Leg, LegRun[]> = { b2up: [], uppy: [], tus: [] };
  try {
    const [{ url }, { endpoint }] = await Promise.all([broker.info, tus.info]);
    await page.setInputFiles('#files-input', paths);
    const server = (leg: Leg) => (leg === 'tus' ? tus : broker);
    const run = (leg: Leg) =>
      leg === 'b2up'
        ? page.evaluate((u) => window.bench.b2upMany(u), url)
        : leg === 'uppy'
          ? page.evaluate((u) => window.bench.uppyMany(u), url)
          : page.evaluate((e) => window.bench.tusMany(e), endpoint);
    for (let rep = 0; rep < settings.reps; rep++) {
      for (const leg of [...LEGS.slice(rep % 3), ...LEGS.slice(0, rep % 3)]) {
        const before = await server(leg).stats();
        const cpuBefore = treeCpuSeconds(process.pid, CHROMIUM);
        const emulatorBefore = processCpuSeconds(stack.pid);
        const result = await run(leg);
        const clientCpuMs = (treeCpuSeconds(process.pid, CHROMIUM) - cpuBefore) * 1000;
        const emulatorCpuMs = (processCpuSeconds(stack.pid) - emulatorBefore) * 1000;
        const after = await server(leg).stats();
        if (result.failed > 0) throw new Error(`${leg}: ${result.failed} of ${count} files failed`);
        if (leg === 'b2up' && result.sha1Verified !== count) {
          throw new Error(`b2up: ${result.sha1Verified} of ${count} files SHA-1 verified`);
        }
        runs[leg].push({
          result,
          server: statsPer(before, after, count),
          clientCpuMs: clientCpuMs / count,
          emulatorCpuMs: emulatorCpuMs / count,
        });
        context.log(
          `  ${leg}: ${(count / (result.ms / 1000)).toFixed(1)} files/s, server ${runs[leg].at(-1)!.server.calls.toFixed(2)} calls/file`,
        );
        if (leg === 'tus') {
          await rm(tusDir, { recursive: true, force: true });
          await mkdir(tusDir, { recursive: true });
        } else {
          await stack.deleteAllFiles();
        }
      }
    }
  } finally {
    await page.close();
    await Promise.all([broker.close(), tus.close()]);
    await stack.close();
  }
  const pick = (leg: Leg, value: (run: LegRun) => number) => median(runs[leg].map(value));
  const filesPerSecond = (leg: Leg) => pick(leg, (r) => count / (r.result.ms / 1000));
  const serverStat = (leg: Leg, field: keyof ServerStats) => pick(leg, (r) => r.server[field]);
  const cpuMs = (leg: Leg) => serverStat(leg, 'cpuMicros') / 1000;
  const meanSize = bytes / count;
  // Everything the machine spent per file: the browser, the app's server (broker or tus server) and
  // B2's side (the emulator; nothing for tus, whose server stores the file itself).
  const totalCpuMs = (leg: Leg) =>
    pick(leg, (r) => r.clientCpuMs + r.server.cpuMicros / 1000 + (leg === 'tus' ? 0 : r.emulatorCpuMs));
  const mix = `${count} files, 64 KiB–4 MiB`;
  return [
    {
      id: 'many.b2up_vs_uppy_files_per_s',
      group: GROUP,
      label: `files per second, b2up (SHA-1 verified) vs Uppy (none verified), ${mix}`,
      ...versus(filesPerSecond('b2up'), 'files/s', {
        label: 'Uppy + @uppy/aws-s3 → b2up broker',
        value: filesPerSecond('uppy'),
      }),
      bar: { kind: 'min', value: 1.2 },
    },
    {
      id: 'many.b2up_vs_tus_files_per_s',
      group: GROUP,
      label: `files per second, b2up vs tus-js-client, ${mix}`,
      ...versus(filesPerSecond('b2up'), 'files/s', {
        label: 'tus-js-client → @tus/server',
        value: filesPerSecond('tus'),
      }),
    },
    {
      id: 'many.app_server_bytes_per_file',
      group: GROUP,
      label: 'bytes the app server (broker) receives per file, b2up (requests, headers, JSON)',
      ...versus(serverStat('b2up', 'bytes'), 'B', {
        label: 'the mean file (what a proxy receives)',
        value: meanSize,
      }),
      bar: { kind: 'max', value: 0.01 },
      note:
        `No file byte reaches the broker (the bar: under 1% of the mean file, below the smallest file). ` +
        `Uppy: ${serverStat('uppy', 'bytes').toFixed(0)} B/file; tus server: ${serverStat('tus', 'bytes').toFixed(0)} B/file.`,
    },
    {
      id: 'many.broker_calls_per_file',
      group: GROUP,
      label: 'broker calls per file, b2up (presign + confirm in shared batches; config once)',
      value: serverStat('b2up', 'calls'),
      unit: 'calls',
      reference: { label: 'Uppy (one sign call per file)', value: serverStat('uppy', 'calls') },
      ratio: serverStat('b2up', 'calls'),
      bar: { kind: 'max', value: 1 },
      note:
        `The ratio column is b2up's calls per file. CORS preflights per file: b2up ${serverStat('b2up', 'preflights').toFixed(2)}, ` +
        `Uppy ${serverStat('uppy', 'preflights').toFixed(2)}; tus server: ${serverStat('tus', 'calls').toFixed(2)} calls and ` +
        `${serverStat('tus', 'preflights').toFixed(2)} preflights per file.`,
    },
    {
      id: 'many.broker_cpu_ms_per_file',
      group: GROUP,
      label: 'broker CPU per file, b2up (sign + confirm against B2)',
      ...versus(cpuMs('b2up'), 'ms', { label: 'Uppy (sign only)', value: cpuMs('uppy') }),
      note: `tus server (receives and stores every byte): ${cpuMs('tus').toFixed(2)} ms per file.`,
    },
    {
      id: 'many.client_cpu_ms_per_file',
      group: GROUP,
      label: 'Chromium CPU per file (all its processes), b2up (SHA-1 + MD5 of every file)',
      ...versus(
        pick('b2up', (r) => r.clientCpuMs),
        'ms',
        { label: 'Uppy', value: pick('uppy', (r) => r.clientCpuMs) },
      ),
      note: `tus-js-client: ${pick('tus', (r) => r.clientCpuMs).toFixed(1)} ms per file.`,
    },
    {
      id: 'many.machine_cpu_ms_per_file',
      group: GROUP,
      label: 'CPU per file on the whole machine, b2up (Chromium + broker + emulator)',
      ...versus(totalCpuMs('b2up'), 'ms', { label: 'Uppy, the same three', value: totalCpuMs('uppy') }),
      note:
        `Emulator per file: b2up ${pick('b2up', (r) => r.emulatorCpuMs).toFixed(1)} ms, Uppy ${pick('uppy', (r) => r.emulatorCpuMs).toFixed(1)} ms. ` +
        `tus (Chromium + tus server): ${totalCpuMs('tus').toFixed(1)} ms. On a busy 2-core host files/s follow this budget.`,
    },
  ];
}
