/**
 * One upload's row: name, size, progress bar, status (rate, ETA, or the error in plain words) and
 * its buttons. Updated in place on every snapshot, so a focused button keeps focus while the
 * upload moves on (Pause turns into Resume on the same button).
 */
import type { UploadItem } from '../store.js';
import { canRetry, errorSentence, formatBytes, percent, statusLine } from '../words.js';
import { button, el } from './dom.js';

export interface RowActions {
  retry(id: string): void;
  remove(id: string): void;
}

export interface RowView {
  readonly node: HTMLLIElement;
  update(item: UploadItem): void;
}

export function createRow(first: UploadItem, actions: RowActions): RowView {
  let item = first;
  const id = () => item.upload.id;
  const name = el('span', { class: 'name' }, item.state.name);
  name.title = item.state.name;
  const size = el('span', { class: 'size' }, formatBytes(item.state.bytesTotal));
  const status = el('span', { class: 'status' });
  const fill = el('div', { class: 'fill', part: 'bar-fill' });
  const bar = el(
    'div',
    {
      class: 'bar',
      part: 'bar',
      role: 'progressbar',
      'aria-valuemin': '0',
      'aria-valuemax': '100',
      'aria-label': `Upload of ${item.state.name}`,
    },
    fill,
  );
  const toggle = button('Pause', () => {
    if (item.state.state === 'paused') item.upload.resume();
    else item.upload.pause();
  });
  const cancel = button('Cancel', () => void item.upload.cancel(), {
    'aria-label': `Cancel ${item.state.name}`,
  });
  const retry = button('Retry', () => actions.retry(id()), { class: 'primary' });
  const remove = button('Remove', () => actions.remove(id()), { 'aria-label': `Remove ${item.state.name}` });
  const node = el(
    'li',
    { class: 'row', part: 'row' },
    el('div', {}, name, ' ', size),
    el('div', { class: 'buttons' }, toggle, cancel, retry, remove),
    el('div', {}, status),
    bar,
  );

  const update = (next: UploadItem) => {
    item = next;
    const { state } = item.state;
    const value = percent(item.state);
    node.dataset.state = state;
    node.dataset.uploadId = id();
    fill.style.width = `${value}%`;
    bar.setAttribute('aria-valuenow', String(value));
    bar.setAttribute('aria-valuetext', `${value} percent`);
    status.textContent = statusLine(item.state);
    if (state === 'failed') status.title = item.state.error?.message ?? errorSentence(undefined);
    const running = state !== 'done' && state !== 'failed' && state !== 'cancelled';
    toggle.hidden = !running || state === 'finishing';
    toggle.textContent = state === 'paused' ? 'Resume' : 'Pause';
    toggle.setAttribute('aria-label', `${state === 'paused' ? 'Resume' : 'Pause'} ${item.state.name}`);
    cancel.hidden = !running;
    retry.hidden = !canRetry(item.state);
    retry.setAttribute('aria-label', `Retry ${item.state.name}`);
    remove.hidden = running;
  };
  update(first);
  return { node, update };
}
