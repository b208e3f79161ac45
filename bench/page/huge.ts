/**
 * The huge-file upload of the bench page: b2up as an app uses it (worker hashing, IndexedDB resume
 * records), with two probes that don't change what the SDK does. The resume store counts the bytes
 * of every record it is given before IndexedDB stores it, and the broker client's fetch calls
 * `window.benchMark('finish-start' | 'finish-end')` (a Playwright binding) around the finish call,
 * so the runner can read the broker process's CPU time just before and after it.
 */
import { createHttpBrokerClient, createIndexedDbResumeStore, createUploader } from '../../src/index.js';
import { countingResumeStore } from '../lib/counting-store.js';

export interface HugeOptions {
  broker: string;
  concurrency: number;
  partSize: number;
}

export interface HugeResult {
  ms: number;
  size: number;
  parts: number;
  recordBytes: number;
  recordWrites: number;
  /** Bytes of the finish request's JSON body (the part SHA-1 list). */
  finishBodyBytes: number;
}

declare global {
  interface Window {
    benchMark?: (label: string) => Promise<void>;
  }
}

export async function hugeUpload(file: File, options: HugeOptions): Promise<HugeResult> {
  // A database of its own, emptied first, so no earlier run's record resumes this one.
  const dbName = 'b2up-bench-huge';
  await new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(dbName);
    request.onsuccess = resolve;
    request.onerror = () => reject(request.error);
  });
  const records = countingResumeStore(createIndexedDbResumeStore({ dbName }));
  let finishBodyBytes = 0;
  const marked: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    if (!request.url.endsWith('/finish')) return fetch(request);
    finishBodyBytes = (await request.clone().arrayBuffer()).byteLength;
    await window.benchMark?.('finish-start');
    const response = await fetch(request);
    await window.benchMark?.('finish-end');
    return response;
  };
  const uploader = createUploader({
    broker: createHttpBrokerClient(options.broker, {
      headers: () => ({ Authorization: 'Bearer bench' }),
      fetch: marked,
    }),
    concurrency: options.concurrency,
    partSize: options.partSize,
    resume: records.store,
  });
  try {
    const t0 = performance.now();
    const upload = uploader.upload(file);
    const result = await upload.done;
    return {
      ms: performance.now() - t0,
      size: result.size,
      parts: upload.snapshot().partsTotal,
      recordBytes: records.written(),
      recordWrites: records.writes(),
      finishBodyBytes,
    };
  } finally {
    uploader.close();
  }
}
