/**
 * The picture at the start of a row: the image itself for pictures a browser can show (a blob URL
 * of the file, never uploaded or read by us), otherwise a badge with the file's kind. The URL is
 * revoked when the row goes away, so the image's memory goes with it.
 */
import { el } from './dom.js';

/** Images this large still make a thumbnail; bigger ones get the badge (decoding them is costly). */
const MAX_THUMBNAIL_BYTES = 25_000_000;
const SHOWABLE = /^image\/(png|jpeg|gif|webp|avif|bmp)$/;

export interface ThumbView {
  readonly node: HTMLElement;
  dispose(): void;
}

export function createThumb(file: Blob, name: string): ThumbView {
  if (
    SHOWABLE.test(file.type) &&
    file.size <= MAX_THUMBNAIL_BYTES &&
    typeof URL.createObjectURL === 'function'
  ) {
    const url = URL.createObjectURL(file);
    const img = el('img', { src: url, alt: '', decoding: 'async' });
    return {
      node: el('span', { class: 'thumb image', part: 'thumb', 'aria-hidden': 'true' }, img),
      dispose: () => URL.revokeObjectURL(url),
    };
  }
  const kind = kindOf(file.type, name);
  return {
    node: el(
      'span',
      { class: `thumb kind-${kind.family}`, part: 'thumb', 'aria-hidden': 'true' },
      kind.label,
    ),
    dispose: () => {},
  };
}

/** A short label (the extension, else the type's family) and a family for the badge's colour. */
export function kindOf(type: string, name: string): { label: string; family: string } {
  const family =
    /^(image|video|audio|text)\//.exec(type)?.[1] ??
    (/zip|compressed|tar|gzip|7z|rar/.test(type)
      ? 'archive'
      : type === 'application/pdf'
        ? 'document'
        : 'file');
  const extension = /\.([a-z0-9]{1,4})$/i.exec(name)?.[1]?.toUpperCase();
  return { label: extension ?? family.slice(0, 3).toUpperCase(), family };
}
