/**
 * `npm run test:reliability [-- --long] [-- --seed N]`: runs the five reliability suites
 * (docs/reliability.md) — the Node ones with vitest, the browser ones with Playwright — then prints
 * every suite's figures against their bars and ends with `N passed, N failed` (one per bar; a suite
 * that published nothing counts as failed). Each tool's own output goes to a log next to the figures.
 *
 *   --long      the long versions (also B2UP_RELIABILITY=long)
 *   --seed N    another seed for every schedule (also B2UP_RELIABILITY_SEED)
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Figure, figuresDir } from './figures.js';

const SUITES = [
  { id: '1-fault-soak', title: '1. Fault soak' },
  { id: '2-reload-chaos', title: '2. Reload chaos' },
  { id: '3-tabs-storage-network-clock', title: '3. Tabs, storage, network, clock' },
  { id: '4-broker-attacks', title: '4. Broker attack corpus' },
  { id: '5-emulator-fuzz', title: '5. Emulator fuzzing' },
];

const args = process.argv.slice(2);
const env = { ...process.env };
if (args.includes('--long')) env.B2UP_RELIABILITY = 'long';
const seedAt = args.indexOf('--seed');
if (seedAt >= 0 && args[seedAt + 1]) env.B2UP_RELIABILITY_SEED = args[seedAt + 1];
const dir = figuresDir();
env.B2UP_FIGURES_DIR = dir;

function run(label: string, command: string, commandArgs: string[]): Promise<number> {
  const log = join(dir, `${label}.log`);
  process.stdout.write(`running ${label}: ${command} ${commandArgs.join(' ')} (log: ${log})\n`);
  return new Promise((resolve) => {
    const out = createWriteStream(log);
    const child = spawn(command, commandArgs, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.on('close', (code) => {
      out.end();
      resolve(code ?? 1);
    });
  });
}

function readSuite(id: string): { figures: Figure[]; scale: string } | undefined {
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir).filter(
    (f) => f === `${id}.json` || (f.startsWith(`${id}.`) && f.endsWith('.json')),
  );
  if (files.length === 0) return undefined;
  const figures: Figure[] = [];
  let scale = '';
  for (const file of files.sort()) {
    const parsed = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { figures: Figure[]; scale: string };
    figures.push(...parsed.figures);
    scale = parsed.scale;
  }
  return { figures, scale };
}

function table(figures: Figure[]): string {
  const rows = figures.map((f) => [f.pass ? 'ok' : 'FAIL', f.name, String(f.value), f.bar]);
  const widths = [4, 0, 0, 0].map((min, i) => Math.max(min, ...rows.map((r) => r[i]!.length)));
  return rows.map((r) => `  ${r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}`.trimEnd()).join('\n');
}

rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const started = Date.now();
const vitest = await run('vitest', 'npx', ['vitest', 'run', 'test/reliability']);
const playwright = await run('playwright', 'npx', [
  'playwright',
  'test',
  '-c',
  'e2e/reliability/playwright.config.ts',
]);

let passed = 0;
let failed = 0;
process.stdout.write('\n');
for (const suite of SUITES) {
  const read = readSuite(suite.id);
  if (!read) {
    failed += 1;
    process.stdout.write(`${suite.title}: published no figures (see the logs) — FAIL\n\n`);
    continue;
  }
  process.stdout.write(`${suite.title} (${read.scale} scale)\n${table(read.figures)}\n\n`);
  for (const f of read.figures) {
    if (f.pass) passed++;
    else failed++;
  }
}
process.stdout.write(
  `vitest exit ${vitest}, playwright exit ${playwright}; ${Math.round((Date.now() - started) / 1000)} s\n`,
);
if ((vitest !== 0 || playwright !== 0) && failed === 0) failed += 1;
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exitCode = failed === 0 ? 0 : 1;
