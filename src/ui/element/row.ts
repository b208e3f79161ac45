/**
 * One upload's row: a thumbnail or kind badge, name, size, progress bar, status (rate, ETA, or the
 * error in plain words), the name B2 stored it under once done (and "direct to B2" for a small file
 * the browser sent to B2 itself by presigned URL), and its buttons. Small files get a
 * compact row. Updated in place on every snapshot, so a focused button keeps focus while the
 * upload moves on (Pause turns into Resume on the same button).
 */
import type { UploadItem } from '../store.js';
import { canRetry, directNote, errorSentence, formatBytes, percent, statusLine } from '../words.js';
import { button, el, progressBar } from './dom.js';
import { createThumb } from './thumb.js';

/** Files below this get a compact row: one line, a thin bar. */
export const COMPACT_ROW_BYTES = 1_000_000;

export interface RowActions {
  retry(id: string): void;
  remove(id: string): void;
}

export interface RowView {
  readonly node: HTMLLIElement;
  update(item: UploadItem): void;
  /** Frees the thumbnail's blob URL; call when the row leaves the list. */
  dispose(): void;
}

export function createRow(first: UploadItem, actions: RowActions): RowView {
  let item = first;
  const id = () => item.upload.id;
  const name = el('span', { class: 'name' }, item.state.name);
  name.title = item.state.name;
  const size = el('span', { class: 'size' }, formatBytes(item.state.bytesTotal));
  const status = el('span', { class: 'status' });
  const stored = el('code', { class: 'stored', part: 'stored-name', hidden: '' });
  const check = el('span', { class: 'check', 'aria-hidden': 'true', hidden: '' }, '✓');
  const direct = el('span', { class: 'direct', part: 'direct', hidden: '' }, 'direct to B2');
  const thumb = createThumb(item.file, item.state.name);
  const bar = progressBar(`Upload of ${item.state.name}`);
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
    { class: item.state.bytesTotal < COMPACT_ROW_BYTES ? 'row compact' : 'row', part: 'row' },
    thumb.node,
    el('div', { class: 'head' }, name, ' ', size),
    el('div', { class: 'buttons' }, toggle, cancel, retry, remove),
    el('div', { class: 'line' }, check, status, direct, stored),
    bar.node,
  );

  const update = (next: UploadItem) => {
    item = next;
    const { state } = item.state;
    const value = percent(item.state);
    node.dataset.state = state;
    node.dataset.uploadId = id();
    bar.set(value, `${value} percent`);
    status.textContent = statusLine(item.state);
    check.hidden = state !== 'done';
    const result = item.state.result;
    stored.hidden = !result;
    if (result && stored.textContent !== result.fileName) {
      stored.textContent = result.fileName;
      stored.title = `Stored in B2 as ${result.fileName}`;
    }
    direct.title = directNote(result);
    direct.hidden = !direct.title;
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
  return { node, update, dispose: thumb.dispose };
}
