/**
 * Remembered FileSystemFileHandles, so the resume list can re-open a file after a reload (Chromium
 * keeps handles in IndexedDB; reading needs the user's permission again, asked on a click). Kept in
 * their own IndexedDB store, keyed by name, size and date like the pending list; opened lazily.
 * Browsers without handles simply never store any.
 */
import { createStore, del, get, set, type UseStore } from 'idb-keyval';
import type { PendingUpload } from '../../upload/create-uploader.js';

export interface FileHandleStore {
  remember(file: File, handle: FileSystemFileHandle): Promise<void>;
  find(pending: PendingUpload): Promise<FileSystemFileHandle | undefined>;
  forget(file: { name: string; size: number; lastModified: number }): Promise<void>;
  /** Asks for read permission (a prompt, so call it from a click) and returns the file. */
  open(handle: FileSystemFileHandle): Promise<File | undefined>;
}

type PermissionHandle = FileSystemFileHandle & {
  queryPermission?: (options: { mode: 'read' }) => Promise<PermissionState>;
  requestPermission?: (options: { mode: 'read' }) => Promise<PermissionState>;
};

const keyOf = (file: { name: string; size: number; lastModified: number }) =>
  `${file.size}:${file.lastModified}:${file.name}`;

export function createFileHandleStore(): FileHandleStore {
  let store: UseStore | undefined;
  const db = () => {
    store ??= createStore('b2up-file-handles', 'handles');
    return store;
  };
  const quietly = async <T>(work: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await work();
    } catch {
      // No IndexedDB (private mode) or a handle that can't be cloned: resuming by re-picking still works.
      return undefined;
    }
  };
  return {
    remember: async (file, handle) => {
      await quietly(() => set(keyOf(file), handle, db()));
    },
    find: (pending) => quietly(() => get<FileSystemFileHandle>(keyOf(pending), db())),
    forget: async (file) => {
      await quietly(() => del(keyOf(file), db()));
    },
    async open(handle) {
      const withPermission = handle as PermissionHandle;
      const state = (await withPermission.queryPermission?.({ mode: 'read' })) ?? 'granted';
      if (state !== 'granted') {
        const asked = await withPermission.requestPermission?.({ mode: 'read' });
        if (asked !== 'granted') return undefined;
      }
      return quietly(() => handle.getFile());
    },
  };
}
