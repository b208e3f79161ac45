/**
 * `npm run bench` (full) and `npm run bench -- --quick` (CI smoke: smaller files, one repetition).
 * `--only=e2e,hash,…` runs some scenarios, `--reps=N` sets the repetitions, `--large=MiB` the large
 * file's size. Prints a table of figures, each a ratio against a
 * reference measured in the same run, and writes bench/results/latest.json and
 * bench/results/chart.svg. Nothing here asserts a time: a bar that doesn't hold is reported, and the
 * exit code stays 0 unless a scenario crashed.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchBrowser, startBenchBrowser } from './lib/browser.js';
import type { BenchContext, BenchSettings, Figure, Scenario } from './lib/figures.js';
import { createTempFiles, GiB, MiB } from './lib/files.js';
import { cpuModel, shaExtensions } from './lib/procfs.js';
import { chartSvg, table, writeResults } from './lib/report.js';
import { ceilingScenario } from './scenarios/ceiling.js';
import { hashingScenario } from './scenarios/hashing.js';
import { manyFilesScenario } from './scenarios/many-files.js';
import { hugeFileScenario } from './scenarios/huge-file.js';
import { linkScenario } from './scenarios/link.js';
import { memoryScenario } from './scenarios/memory.js';
import { nodePeersScenario } from './scenarios/node-peers.js';
import { resumeScenario } from './scenarios/resume.js';
import { resumeRecordScenario } from './scenarios/resume-record.js';
import { serverScenario } from './scenarios/server.js';
import { smallFilesScenario } from './scenarios/small-files.js';
import { throughputScenario } from './scenarios/throughput.js';
import { tusScenario } from './scenarios/tus.js';
import { uiProgressScenario } from './scenarios/ui-progress.js';

const scenarios: Record<string, Scenario> = {
  e2e: throughputScenario,
  hash: hashingScenario,
  memory: memoryScenario,
  resume: resumeScenario,
  record: resumeRecordScenario,
  node: nodePeersScenario,
  tus: tusScenario,
  ui: uiProgressScenario,
  server: serverScenario,
  small: smallFilesScenario,
  many: manyFilesScenario,
  ceiling: ceilingScenario,
  huge: hugeFileScenario,
  link: linkScenario,
};

function parseArgs(argv: string[]) {
  const quick = argv.includes('--quick');
  const only = argv
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const reps = Number(argv.find((a) => a.startsWith('--reps='))?.slice('--reps='.length) ?? (quick ? 1 : 3));
  const largeMiB = argv.find((a) => a.startsWith('--large='))?.slice('--large='.length);
  for (const name of only ?? []) if (!scenarios[name]) throw new Error(`unknown scenario ${name}`);
  return {
    quick,
    only: only ?? Object.keys(scenarios),
    reps,
    largeSize: largeMiB ? Number(largeMiB) * MiB : undefined,
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const settings: BenchSettings = {
    quick: args.quick,
    reps: args.reps,
    concurrency: 4,
    partSize: 16 * MiB,
    largeSize: args.largeSize ?? (args.quick ? 128 * MiB : GiB),
    memorySizes: args.quick ? [128 * MiB, GiB] : [256 * MiB, 2 * GiB],
    hashSize: args.quick ? 128 * MiB : 512 * MiB,
  };
  const files = await createTempFiles();
  let browser: Promise<BenchBrowser> | undefined;
  const context: BenchContext = {
    settings,
    files,
    browser: () => {
      browser ??= startBenchBrowser();
      return browser;
    },
    log: (message) => console.log(message),
  };
  const figures: Figure[] = [];
  // The machine is shared: the load average beside each scenario says how noisy its figures are.
  const load: Record<string, { before: number[]; after: number[] }> = {};
  const failures: { scenario: string; error: string }[] = [];
  const started = Date.now();
  try {
    for (const name of args.only) {
      console.log(
        `== ${name} (load average ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')})`,
      );
      const before = loadavg();
      try {
        figures.push(...(await scenarios[name]!(context)));
        load[name] = { before, after: loadavg() };
      } catch (error) {
        console.error(`scenario ${name} failed:`, error);
        failures.push({ scenario: name, error: String((error as Error)?.stack ?? error) });
      }
    }
  } finally {
    if (browser) await (await browser).close();
    await files.remove();
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(`\n${table(figures)}\n`);
  const machine = {
    cpu: cpuModel(),
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / GiB),
    shaExtensions: shaExtensions(),
    node: process.version,
  };
  console.log(`machine: ${JSON.stringify(machine)}; ${seconds} s; ${failures.length} scenario(s) failed`);
  const results = join(dirname(fileURLToPath(import.meta.url)), 'results');
  await mkdir(results, { recursive: true });
  const suffix = args.only.length === Object.keys(scenarios).length ? '' : `-${args.only.join('-')}`;
  const mode = args.quick ? 'quick' : 'full';
  await writeResults(
    join(results, `latest${suffix}.json`),
    { mode, settings, machine, date: new Date().toISOString(), seconds, loadAverage: load },
    figures,
    failures,
  );
  if (!suffix) await writeFile(join(results, 'chart.svg'), chartSvg(figures, `b2up bench (${mode} run)`));
  if (failures.length) process.exitCode = 1;
}

await main();
