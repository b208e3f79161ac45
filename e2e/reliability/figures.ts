/**
 * Figures the reliability suites publish: each suite writes one JSON file that the runner
 * (./run.ts) prints as a table and docs/reliability.md quotes. A figure carries its bar and
 * whether it met it, so the table shows what failed without reading test output.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface Figure {
  name: string;
  value: string | number;
  /** The bar, in words: "= 24", "≤ 6", "0". */
  bar: string;
  pass: boolean;
}

/**
 * Where figures go: B2UP_FIGURES_DIR, default `<tmp>/b2up-reliability`. Not under test-results/,
 * which every Playwright run empties at start.
 */
export function figuresDir(): string {
  return resolve(process.env.B2UP_FIGURES_DIR ?? join(tmpdir(), 'b2up-reliability'));
}

export function writeFigures(suite: string, scale: string, figures: Figure[]): void {
  const dir = figuresDir();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${suite}.json`), `${JSON.stringify({ suite, scale, figures }, null, 2)}\n`);
}

/** `B2UP_RELIABILITY=long` runs the long versions; anything else the CI scale. */
export function isLong(): boolean {
  return process.env.B2UP_RELIABILITY === 'long';
}

/** The base seed of every suite: B2UP_RELIABILITY_SEED, default 20261121. */
export function baseSeed(): number {
  const seed = Number(process.env.B2UP_RELIABILITY_SEED ?? 20261121);
  return Number.isInteger(seed) ? seed : 20261121;
}

export const figure = (name: string, value: string | number, bar: string, pass: boolean): Figure => ({
  name,
  value,
  bar,
  pass,
});
