/** Small numeric helpers for turning timings into the figures the table prints. */
import { MiB } from './files.js';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** MiB/s of `bytes` moved in `ms`. */
export const mibPerSecond = (bytes: number, ms: number) => bytes / MiB / (ms / 1000);

export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
