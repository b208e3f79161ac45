/**
 * A resume store that counts what it is asked to store: the serialized size of every record
 * written (what IndexedDB is given), around any real store. Browser-safe (the bench page uses it
 * with IndexedDB; the Node scenario with the memory store).
 */
import type { ResumeRecord, ResumeStore } from '../../src/upload/resume-store.js';

export interface CountingStore {
  store: ResumeStore;
  /** Bytes of JSON of every record written so far. */
  written(): number;
  /** Records written so far. */
  writes(): number;
}

export function countingResumeStore(inner: ResumeStore): CountingStore {
  let bytes = 0;
  let count = 0;
  const encoder = new TextEncoder();
  return {
    store: {
      get persistent() {
        return inner.persistent;
      },
      get: (key) => inner.get(key),
      set(record: ResumeRecord) {
        bytes += encoder.encode(JSON.stringify(record)).length;
        count++;
        return inner.set(record);
      },
      delete: (key) => inner.delete(key),
      list: () => inner.list(),
    },
    written: () => bytes,
    writes: () => count,
  };
}
