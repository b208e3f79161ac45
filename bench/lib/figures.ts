/**
 * What every scenario returns: figures, each a measurement beside a reference measured in the same
 * run, as a ratio, with the bar it must meet where one is set.
 */
import type { BenchBrowser } from './browser.js';
import type { TempFiles } from './files.js';

export interface Bar {
  /** `min`: the ratio must be at least `value`; `max`: at most. */
  kind: 'min' | 'max';
  value: number;
}

export interface Figure {
  /** Stable key in results/latest.json, e.g. `e2e.b2up_vs_raw`. */
  id: string;
  /** The table's group: 1. End-to-end throughput, 2. Hashing… */
  group: string;
  label: string;
  /** The measured value and its unit (MiB/s, MiB, ms, …). */
  value: number;
  unit: string;
  /** The reference measured beside it, in the same unit (when the figure has one). */
  reference?: { label: string; value: number };
  /** The figure the bar applies to: `value / reference.value` unless a scenario says otherwise. */
  ratio?: number;
  bar?: Bar;
  note?: string;
}

/** A value in its unit beside the reference measured in the same run, and the ratio of the two. */
export function versus(
  value: number,
  unit: string,
  reference: { label: string; value: number },
): Pick<Figure, 'value' | 'unit' | 'reference' | 'ratio'> {
  return { value, unit, reference, ratio: value / reference.value };
}

export interface BenchSettings {
  quick: boolean;
  /** Repetitions of each timed pair; the median is reported. */
  reps: number;
  /** Parts in flight (b2up's default). */
  concurrency: number;
  /** Part size in bytes (b2up's default, 16 MiB). */
  partSize: number;
  /** The large file of the throughput, long-task, peer and resume runs. */
  largeSize: number;
  /** The two sizes of the memory run: small, and 8x bigger. */
  memorySizes: [number, number];
  /** Bytes hashed by the hashing run (WebCrypto needs them all in memory at once). */
  hashSize: number;
}

/** What a scenario's b2up upload is given: the broker, and b2up's default parts in flight and size. */
export function uploadOptions(settings: BenchSettings, broker: string) {
  return { broker, concurrency: settings.concurrency, partSize: settings.partSize };
}

export interface BenchContext {
  settings: BenchSettings;
  files: TempFiles;
  browser(): Promise<BenchBrowser>;
  log(message: string): void;
}

export type Scenario = (context: BenchContext) => Promise<Figure[]>;

export function passes(figure: Figure): boolean | undefined {
  if (!figure.bar || figure.ratio === undefined) return undefined;
  return figure.bar.kind === 'min' ? figure.ratio >= figure.bar.value : figure.ratio <= figure.bar.value;
}
