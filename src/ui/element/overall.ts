/**
 * The whole list at a glance, for the summary above the rows: how many files are going, paused or
 * done, and the bytes of everything still counted. A cancelled upload, or one that failed, no longer
 * counts toward the total (it isn't going anywhere); a finished one counts in full.
 */
import type { UploadItem } from '../store.js';

export interface Overall {
  files: number;
  /** Running and not paused: what "Pause all" would pause. */
  active: number;
  paused: number;
  done: number;
  failed: number;
  bytesSent: number;
  bytesTotal: number;
  /** Whole percent of bytesTotal; 100 only when every counted file is done. */
  percent: number;
}

const isRunning = (state: string) => state !== 'done' && state !== 'failed' && state !== 'cancelled';

export function overall(items: readonly UploadItem[]): Overall {
  const sum: Overall = {
    files: items.length,
    active: 0,
    paused: 0,
    done: 0,
    failed: 0,
    bytesSent: 0,
    bytesTotal: 0,
    percent: 0,
  };
  for (const { state } of items) {
    if (state.state === 'done') sum.done += 1;
    else if (state.state === 'failed') sum.failed += 1;
    else if (state.state === 'paused') sum.paused += 1;
    else if (isRunning(state.state)) sum.active += 1;
    if (state.state === 'failed' || state.state === 'cancelled') continue;
    sum.bytesTotal += state.bytesTotal;
    sum.bytesSent += state.state === 'done' ? state.bytesTotal : state.bytesSent;
  }
  const running = sum.active + sum.paused;
  const ratio =
    sum.bytesTotal === 0 ? (running === 0 && sum.done > 0 ? 1 : 0) : sum.bytesSent / sum.bytesTotal;
  sum.percent = running > 0 ? Math.min(99, Math.floor(ratio * 100)) : Math.floor(ratio * 100);
  return sum;
}

export { isRunning };
