/**
 * The "can be resumed" list: unfinished uploads from an earlier page. The browser can't re-open a
 * file by itself, so each entry asks for the same file again, or re-opens a remembered
 * FileSystemFileHandle where the browser kept one (after a permission prompt).
 */
import type { PendingUpload } from '../../upload/create-uploader.js';
import { formatAge, formatBytes } from '../words.js';
import { button, el } from './dom.js';

export interface PendingActions {
  /** Opens a file picker for this entry. */
  pick(entry: PendingUpload): void;
  /** Re-opens the remembered handle, if there is one. */
  reopen(entry: PendingUpload): void;
  hasHandle(entry: PendingUpload): Promise<boolean>;
}

export interface PendingView {
  readonly node: HTMLElement;
  update(entries: readonly PendingUpload[]): void;
}

export function createPendingList(actions: PendingActions): PendingView {
  const list = el('ul');
  const intro = el('p');
  const node = el(
    'section',
    { class: 'pending', part: 'pending', 'aria-labelledby': 'b2up-pending-title', hidden: '' },
    el('h3', { id: 'b2up-pending-title' }, 'Can be resumed'),
    intro,
    list,
  );
  const rows = new Map<string, HTMLLIElement>();

  const row = (entry: PendingUpload) => {
    const done = Math.floor((entry.bytesDone / Math.max(1, entry.size)) * 100);
    const reopen = button('Re-open', () => actions.reopen(entry), {
      class: 'primary',
      hidden: '',
      'aria-label': `Re-open ${entry.name} and resume`,
    });
    void actions.hasHandle(entry).then((has) => {
      reopen.hidden = !has;
    });
    return el(
      'li',
      { 'data-pending-key': entry.key },
      el(
        'div',
        {},
        el('span', { class: 'name' }, entry.name),
        ' ',
        el(
          'span',
          { class: 'size' },
          `${formatBytes(entry.size)} · ${done} % sent · ${formatAge(Date.now() - entry.updatedAt)}`,
        ),
      ),
      el(
        'div',
        { class: 'buttons' },
        reopen,
        button('Choose file again', () => actions.pick(entry), {
          'aria-label': `Choose ${entry.name} again to resume it`,
        }),
      ),
    );
  };

  return {
    node,
    update(entries) {
      node.hidden = entries.length === 0;
      intro.textContent =
        entries.length === 1
          ? '1 upload did not finish. Choose the same file again to continue where it stopped.'
          : `${entries.length} uploads did not finish. Choose the same files again to continue where they stopped.`;
      const keys = new Set(entries.map((entry) => entry.key));
      for (const [key, li] of rows) {
        if (!keys.has(key)) {
          li.remove();
          rows.delete(key);
        }
      }
      for (const entry of entries) {
        if (rows.has(entry.key)) continue;
        const li = row(entry);
        rows.set(entry.key, li);
        list.append(li);
      }
    },
  };
}
