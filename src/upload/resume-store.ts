import { createStore, del, entries, get, set, type UseStore } from 'idb-keyval';
import type { LargeFileTransport, UploadResult } from './broker-client.js';

/**
 * What b2up remembers of an unfinished large upload: a few hundred bytes whatever the part count,
 * never file bytes. The broker's part list is the truth when resuming; the record only says which
 * upload, and roughly how far it got.
 */
export interface ResumeRecord {
  v: 1;
  /** The file's fingerprint key (see fingerprint.ts). */
  key: string;
  name: string;
  size: number;
  type: string;
  lastModified: number;
  uploadId: string;
  /** The broker's upload token: scoped to this one upload, never a B2 key. */
  token: string;
  fileName: string;
  partSize: number;
  /**
   * How the parts travel, fixed at start (the broker's token and B2's upload are made for it); a
   * resume continues the same way whatever the uploader's option says now. Absent: 'native'.
   */
  transport?: LargeFileTransport;
  /**
   * Parts this client saw confirmed, as of the record's last write (written every 1 % of the parts,
   * not per part): for `pending()`'s progress only. Records written before this field read as 0.
   */
  partsDone: number;
  /**
   * Set just before finish: the SHA-1 of the part SHA-1 list being finished. A run that finds it
   * after a reload can tell whether the finish it interrupted was this very file's.
   */
  finishing?: string;
  /**
   * Set, for a few minutes, once the upload finished: tells a tab that waited on this file that it
   * is done (see tab-lock.ts). Such a record is not pending and can't be resumed.
   */
  finished?: UploadResult;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
}

/** Where resume records live. IndexedDB in browsers; memory where that is unavailable. */
export interface ResumeStore {
  /** False when records don't survive a reload (no IndexedDB, private mode, quota exhausted). */
  readonly persistent: boolean;
  get(key: string): Promise<ResumeRecord | undefined>;
  set(record: ResumeRecord): Promise<void>;
  delete(key: string): Promise<void>;
  /** Unexpired records; expired ones are deleted on the way. */
  list(): Promise<ResumeRecord[]>;
}

export function createMemoryResumeStore(now: () => number = Date.now): ResumeStore {
  const records = new Map<string, ResumeRecord>();
  return {
    persistent: false,
    async get(key) {
      const record = records.get(key);
      if (record && record.expiresAt <= now()) records.delete(key);
      return records.get(key);
    },
    async set(record) {
      records.set(record.key, record);
    },
    async delete(key) {
      records.delete(key);
    },
    async list() {
      for (const [key, record] of records) if (record.expiresAt <= now()) records.delete(key);
      return [...records.values()];
    },
  };
}

export interface IndexedDbResumeStoreOptions {
  /** IndexedDB database name. Default `b2up`. */
  dbName?: string;
  now?: () => number;
}

/**
 * Resume records in IndexedDB through idb-keyval. The database opens lazily on first use. If it
 * can't be opened or written (private mode, `QuotaExceededError`, no IndexedDB at all) the store
 * falls back to memory and reports `persistent: false`: uploads still complete, they just can't
 * resume after a reload.
 */
export function createIndexedDbResumeStore(options: IndexedDbResumeStoreOptions = {}): ResumeStore {
  const now = options.now ?? Date.now;
  const fallback = createMemoryResumeStore(now);
  let db: UseStore | undefined;
  let broken = typeof indexedDB === 'undefined';

  function store(): UseStore {
    db ??= createStore(options.dbName ?? 'b2up', 'uploads');
    return db;
  }

  async function attempt<T>(
    operation: (db: UseStore) => Promise<T>,
    onFallback: () => Promise<T>,
  ): Promise<T> {
    if (!broken) {
      try {
        return await operation(store());
      } catch {
        // One failure (open refused, quota, a closed connection) is enough to stop trusting it for
        // this page: a half-working store would promise resumes it can't keep.
        broken = true;
      }
    }
    return onFallback();
  }

  return {
    get persistent() {
      return !broken;
    },
    get: (key) =>
      attempt(
        async (db) => {
          const record = await get<ResumeRecord>(key, db);
          if (record?.v !== 1) return undefined;
          if (record.expiresAt <= now()) {
            await del(key, db);
            return undefined;
          }
          return record;
        },
        () => fallback.get(key),
      ),
    set: (record) =>
      attempt(
        (db) => set(record.key, record, db),
        () => fallback.set(record),
      ),
    delete: (key) =>
      attempt(
        (db) => del(key, db),
        () => fallback.delete(key),
      ),
    list: () =>
      attempt(
        async (db) => {
          const live: ResumeRecord[] = [];
          for (const [key, record] of await entries<string, ResumeRecord>(db)) {
            if (record?.v !== 1) continue;
            if (record.expiresAt <= now()) await del(key, db);
            else live.push(record);
          }
          return live;
        },
        () => fallback.list(),
      ),
  };
}
