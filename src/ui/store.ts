/**
 * The one core store every UI binds to: the element, `b2up/react` and `b2up/vue`. It owns a list of
 * uploads over an Uploader plus the "can be resumed" list from `uploader.pending()`, and exposes it
 * as `subscribe` + `getSnapshot` (the shape `useSyncExternalStore` and Vue's `shallowRef` want).
 * Snapshots are immutable: a new object on every change, the same object while nothing changed.
 */
import type { Upload, UploadFileOptions, UploadSnapshot } from '../upload/file-upload.js';
import {
  createUploader,
  type PendingUpload,
  type Uploader,
  type UploaderOptions,
} from '../upload/create-uploader.js';

/** One row: the Upload (for pause/resume/cancel) and its latest snapshot. */
export interface UploadItem {
  readonly upload: Upload;
  readonly file: File | Blob;
  readonly state: UploadSnapshot;
}

export interface UploaderStoreSnapshot {
  /** Uploads started in this page, oldest first. */
  readonly items: readonly UploadItem[];
  /** Unfinished uploads from an earlier page that no row of `items` is continuing. */
  readonly pending: readonly PendingUpload[];
  /** False when uploads can't continue after a reload (no IndexedDB, private mode). */
  readonly resumable: boolean;
}

export interface UploaderStore {
  readonly uploader: Uploader;
  subscribe(listener: () => void): () => void;
  getSnapshot(): UploaderStoreSnapshot;
  /** Starts one upload per file; a file matching a pending entry continues it. */
  add(files: Iterable<File | Blob>, options?: Omit<UploadFileOptions, 'signal'>): Upload[];
  /** Uploads a failed or cancelled row's file again (parts B2 already holds are not re-sent). */
  retry(id: string): Upload | undefined;
  /** Removes a row, cancelling its upload if it is still running. */
  remove(id: string): void;
  /** Reads `uploader.pending()` again. */
  refreshPending(): Promise<void>;
  /** Stops the hash workers of an uploader the store created (not of one passed in). */
  close(): void;
}

/** An Uploader of your own (custom broker client, auth headers), or options to create one. */
export type UploaderSource = Uploader | UploaderOptions;

const isUploader = (source: UploaderSource): source is Uploader =>
  typeof (source as Uploader).upload === 'function' && typeof (source as Uploader).pending === 'function';

/** Same name, size and date: what the pending list can compare without reading the file. */
export function samePendingFile(pending: PendingUpload, file: File | Blob): boolean {
  const name = 'name' in file ? file.name : '';
  const lastModified = 'lastModified' in file ? file.lastModified : undefined;
  return pending.name === name && pending.size === file.size && pending.lastModified === lastModified;
}

/** Uploaders of one origin tell each other when an upload settles, so every resume list is current. */
const SETTLED_CHANNEL = 'b2up-uploads';

function listenForSettledUploads(onSettled: () => void): BroadcastChannel | undefined {
  if (typeof BroadcastChannel === 'undefined') return undefined;
  const channel = new BroadcastChannel(SETTLED_CHANNEL);
  channel.onmessage = onSettled;
  return channel;
}

/** The next animation frame; a timer of one frame where there are none (Node, workers). */
const nextFrame = (callback: () => void): void => {
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => callback());
  else setTimeout(callback, 16);
};

export function createUploaderStore(source: UploaderSource): UploaderStore {
  const owned = !isUploader(source);
  const uploader = isUploader(source) ? source : createUploader(source);
  const listeners = new Set<() => void>();
  const stops = new Map<string, () => void>();
  let items: UploadItem[] = [];
  let stored: PendingUpload[] = [];
  let snapshot: UploaderStoreSnapshot = { items, pending: [], resumable: uploader.resumable };
  let pendingLoaded = false;
  let channel: BroadcastChannel | undefined;

  const publish = () => {
    const pending = stored.filter((entry) => !items.some((item) => samePendingFile(entry, item.file)));
    snapshot = { items, pending, resumable: uploader.resumable };
    for (const listener of listeners) listener();
  };

  const refreshPending = async () => {
    pendingLoaded = true;
    try {
      stored = await uploader.pending();
    } catch {
      stored = [];
    }
    publish();
  };

  // Progress comes per XHR progress event of every part in flight; the rows need it once per
  // frame. A snapshot that only moved bytes waits for the next frame (the latest one wins); one that
  // changes the state (paused, done, failed…) is published at once, with any waiting progress.
  const latest = new Map<Upload, UploadSnapshot>();
  let frameRequested = false;
  const flush = () => {
    frameRequested = false;
    if (latest.size === 0) return;
    const changes = new Map(latest);
    latest.clear();
    items = items.map((item) => {
      const state = changes.get(item.upload);
      return state ? { ...item, state } : item;
    });
    publish();
  };

  const track = (upload: Upload, file: File | Blob): UploadItem => {
    let shown = upload.snapshot().state;
    const stop = upload.subscribe((state) => {
      latest.set(upload, state);
      if (state.state !== shown) {
        shown = state.state;
        flush();
      } else if (!frameRequested) {
        frameRequested = true;
        nextFrame(flush);
      }
    });
    stops.set(upload.id, stop);
    // A finished or cancelled upload drops its resume record; show the list as it now is, here and
    // in every other uploader of this origin (other panels, other tabs) that may be offering it.
    const settled = () => {
      void refreshPending();
      channel?.postMessage('settled');
    };
    upload.done.then(settled, settled);
    return { upload, file, state: upload.snapshot() };
  };

  const start = (file: File | Blob, options: Omit<UploadFileOptions, 'signal'> = {}) =>
    track(uploader.upload(file, options), file);

  return {
    uploader,
    subscribe(listener) {
      listeners.add(listener);
      // IndexedDB is opened on the first subscriber, never at import or construction.
      if (!pendingLoaded) {
        void refreshPending();
        channel = listenForSettledUploads(() => void refreshPending());
      }
      return () => listeners.delete(listener);
    },
    getSnapshot: () => snapshot,
    add(files, options) {
      const added = [...files].map((file) => start(file, options));
      items = [...items, ...added];
      publish();
      return added.map((item) => item.upload);
    },
    retry(id) {
      const old = items.find((item) => item.upload.id === id);
      if (!old) return undefined;
      stops.get(id)?.();
      stops.delete(id);
      latest.delete(old.upload);
      const fresh = start(old.file, { name: old.state.name });
      items = items.map((item) => (item === old ? fresh : item));
      publish();
      return fresh.upload;
    },
    remove(id) {
      const old = items.find((item) => item.upload.id === id);
      if (!old) return;
      void old.upload.cancel();
      latest.delete(old.upload);
      stops.get(id)?.();
      stops.delete(id);
      items = items.filter((item) => item !== old);
      publish();
    },
    refreshPending,
    close() {
      channel?.close();
      channel = undefined;
      for (const stop of stops.values()) stop();
      stops.clear();
      if (owned) uploader.close();
    },
  };
}
