/**
 * The bar above the rows: overall progress of every upload in the list, and Pause all, Resume all
 * and Cancel all. Shown once there is more than one row, or any row still running.
 */
import { isRunning, overall } from './overall.js';
import type { UploadItem } from '../store.js';
import { formatBytes } from '../words.js';
import { button, el, progressBar } from './dom.js';

export interface SummaryView {
  readonly node: HTMLElement;
  update(items: readonly UploadItem[]): void;
}

export function createSummary(): SummaryView {
  let items: readonly UploadItem[] = [];
  const each = (act: (item: UploadItem) => void) => () => {
    for (const item of items) if (isRunning(item.state.state)) act(item);
  };
  const bytes = el('span', { class: 'bytes' });
  const counts = el('span', {});
  const text = el('span', { class: 'overall' }, counts, ' ', bytes);
  const bar = progressBar('All uploads');
  const pauseAll = button(
    'Pause all',
    each((item) => {
      if (item.state.state !== 'paused') item.upload.pause();
    }),
  );
  const resumeAll = button(
    'Resume all',
    each((item) => {
      if (item.state.state === 'paused') item.upload.resume();
    }),
  );
  const cancelAll = button(
    'Cancel all',
    each((item) => void item.upload.cancel()),
  );
  const node = el(
    'div',
    { class: 'summary', part: 'summary', hidden: '' },
    text,
    el('div', { class: 'buttons' }, pauseAll, resumeAll, cancelAll),
    bar.node,
  );

  return {
    node,
    update(next) {
      items = next;
      const sum = overall(items);
      const running = sum.active + sum.paused;
      node.hidden = items.length < 2 && running === 0;
      node.dataset.state = running > 0 ? 'running' : sum.failed > 0 ? 'failed' : 'done';
      const words = [`${sum.done} of ${sum.files} done`];
      if (sum.paused > 0) words.push(`${sum.paused} paused`);
      if (sum.failed > 0) words.push(`${sum.failed} failed`);
      counts.textContent = `${words.join(' · ')} · ${sum.percent} %`;
      bytes.textContent = `${formatBytes(sum.bytesSent)} of ${formatBytes(sum.bytesTotal)}`;
      bar.set(sum.percent, `${sum.percent} percent of all uploads`);
      pauseAll.hidden = sum.active === 0;
      resumeAll.hidden = sum.paused === 0;
      cancelAll.hidden = running === 0;
    },
  };
}
