/**
 * The bench page: puts the measured things on `window.bench`, so the runner drives them with
 * `page.evaluate`. Files come from `<input id=file-input>` (set by Playwright with a path, so they
 * stay on disk and the page never holds them).
 */
import { createHttpBrokerClient, createUploader, createWorkerHasher, type Upload } from '../../src/index.js';
import { FINGERPRINT_HEAD_BYTES } from '../../src/upload/fingerprint.js';
import { IN_PAGE_MAX_SIZE } from '../../src/upload/hasher.js';
import { defineUploaderElement } from '../../src/ui/element.js';
import { b2upMany, tusMany, uppyMany } from './many.js';
import { type HugeOptions, hugeUpload } from './huge.js';
import { type RawOptions, rawUpload } from './raw.js';
import { type SinkOptions, sinkUpload } from './sink.js';
import { type TusOptions, tusUpload } from './tus.js';
import { type UppyOptions, uppyUpload } from './uppy.js';

function pickedFile(): File {
  const file = document.querySelector<HTMLInputElement>('#file-input')?.files?.[0];
  if (!file) throw new Error('No file was set on #file-input');
  return file;
}

function pickedFiles(): File[] {
  return [...(document.querySelector<HTMLInputElement>('#files-input')?.files ?? [])];
}

export interface B2upOptions {
  broker: string;
  concurrency: number;
  partSize: number;
  wholeFileSha1?: boolean;
  /** Keep resume records in IndexedDB (default false: a fresh upload every time). */
  resume?: boolean;
}

// Long tasks on the main thread, kept from page load; `longTasks.since(t)` reads a window of them.
const longTasks: { start: number; duration: number }[] = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) longTasks.push({ start: entry.startTime, duration: entry.duration });
}).observe({ type: 'longtask', buffered: true });

/** The smallest job a worker hasher gives a worker (smaller Blobs are WebCrypto's in the page): starts one. */
const workerJob = () => new Blob([new Uint8Array(IN_PAGE_MAX_SIZE + 1)]);

const running = new Map<string, { upload: Upload; t0: number }>();

function startB2up(options: B2upOptions): string {
  const uploader = createUploader({
    broker: createHttpBrokerClient(options.broker, { headers: () => ({ Authorization: 'Bearer bench' }) }),
    concurrency: options.concurrency,
    partSize: options.partSize,
    wholeFileSha1: options.wholeFileSha1 ?? false,
    resume: options.resume ?? false,
  });
  const t0 = performance.now();
  const upload = uploader.upload(pickedFile());
  upload.done.finally(() => uploader.close()).catch(() => undefined);
  running.set(upload.id, { upload, t0 });
  return upload.id;
}

/**
 * The same upload through the <b2up-uploader> element: its store and rows re-render on progress,
 * as in an app. Resolves with the milliseconds, once the row reads done.
 */
async function b2upElement(options: B2upOptions) {
  defineUploaderElement();
  const element = document.createElement('b2up-uploader');
  const uploader = createUploader({
    broker: createHttpBrokerClient(options.broker, { headers: () => ({ Authorization: 'Bearer bench' }) }),
    concurrency: options.concurrency,
    partSize: options.partSize,
    resume: false,
  });
  element.uploader = uploader;
  document.body.append(element);
  try {
    const t0 = performance.now();
    const [upload] = element.addFiles([pickedFile()]);
    const result = await upload!.done;
    // The last frame's render belongs to the upload too.
    await new Promise((resolve) => requestAnimationFrame(resolve));
    return { ms: performance.now() - t0, size: result.size };
  } finally {
    element.remove();
    uploader.close();
  }
}

/**
 * A user picking a file: the uploader is made when the page loads, the file is picked `idleMs`
 * later. Resolves at once with the upload's id and the moment of the pick (epoch ms, comparable
 * with other processes' clocks on this machine).
 */
async function pickAfter(options: B2upOptions, idleMs: number) {
  const uploader = createUploader({
    broker: createHttpBrokerClient(options.broker, { headers: () => ({ Authorization: 'Bearer bench' }) }),
    concurrency: options.concurrency,
    partSize: options.partSize,
    resume: options.resume ?? false,
  });
  await new Promise((resolve) => setTimeout(resolve, idleMs));
  const pickedAt = performance.timeOrigin + performance.now();
  const upload = uploader.upload(pickedFile());
  upload.done.finally(() => uploader.close()).catch(() => undefined);
  running.set(upload.id, { upload, t0: performance.now() });
  return { id: upload.id, pickedAt };
}

let elementPick: Promise<{ id: string; pickedAt: number }> | undefined;

/**
 * The same pick as a user makes it through <b2up-uploader>: the element and its uploader (default
 * options but the part size) are made now, at "page load"; the runner then clicks its drop zone,
 * which opens the picker, and chooses the file. `elementPicked()` resolves with that upload's id
 * and the moment the element handed the file to the uploader (epoch ms).
 */
function mountElement(options: B2upOptions) {
  defineUploaderElement();
  const uploader = createUploader({
    broker: createHttpBrokerClient(options.broker, { headers: () => ({ Authorization: 'Bearer bench' }) }),
    concurrency: options.concurrency,
    partSize: options.partSize,
  });
  const upload = uploader.upload.bind(uploader);
  elementPick = new Promise((resolve) => {
    uploader.upload = (file, uploadOptions) => {
      const pickedAt = performance.timeOrigin + performance.now();
      const started = upload(file, uploadOptions);
      running.set(started.id, { upload: started, t0: performance.now() });
      resolve({ id: started.id, pickedAt });
      return started;
    };
  });
  const element = document.createElement('b2up-uploader');
  element.id = 'picked-in-element';
  element.uploader = uploader;
  document.body.append(element);
}

/**
 * The local hashing before a first part can go out, alone: a started worker pool hashing the
 * fingerprint's head, then the first part as the upload does.
 */
async function localHashing(partSize: number) {
  const file = pickedFile();
  const hasher = createWorkerHasher();
  // The worker's script first: loading it is a fetch, not hashing.
  await hasher.sha1(workerJob());
  const t0 = performance.now();
  await hasher.sha1(file.slice(0, FINGERPRINT_HEAD_BYTES));
  const fingerprintMs = performance.now() - t0;
  await hasher.sha1Range!(file, 0, Math.min(partSize, file.size));
  const totalMs = performance.now() - t0;
  hasher.close();
  return { fingerprintMs, firstPartMs: totalMs - fingerprintMs, totalMs };
}

/** Waits for upload `id`; resolves with its milliseconds and result, or throws its error. */
async function finishB2up(id: string) {
  const entry = running.get(id);
  if (!entry) throw new Error(`no upload ${id}`);
  const result = await entry.upload.done;
  const ms = performance.now() - entry.t0;
  running.delete(id);
  const { resumed } = entry.upload.snapshot();
  return { ms, fileId: result.fileId, size: result.size, resumed };
}

const api = {
  now: () => performance.now(),
  fileSize: () => pickedFile().size,
  b2up: (options: B2upOptions) => finishB2up(startB2up(options)),
  startB2up,
  finishB2up,
  b2upElement,
  progress: (id: string) => running.get(id)?.upload.snapshot().bytesSent ?? -1,
  raw: (options: RawOptions) => rawUpload(pickedFile(), options),
  tus: (options: TusOptions) => tusUpload(pickedFile(), options),
  sink: (options: SinkOptions) => sinkUpload(pickedFile(), options),
  // Many small files, from <input id=files-input multiple>.
  b2upMany: (broker: string) => b2upMany(pickedFiles(), broker),
  uppyMany: (broker: string) => uppyMany(pickedFiles(), broker),
  tusMany: (endpoint: string) => tusMany(pickedFiles(), endpoint),
  huge: (options: HugeOptions) => hugeUpload(pickedFile(), options),
  uppy: (options: UppyOptions) => uppyUpload(pickedFile(), options),
  pickAfter,
  mountElement,
  elementPicked: () => {
    if (!elementPick) throw new Error('mountElement() first');
    return elementPick;
  },
  localHashing,
  cancelB2up(id: string) {
    void running.get(id)?.upload.cancel();
    running.delete(id);
  },
  /** b2up's worker SHA-1 of the whole picked file (read + hash), one job. */
  async hashWorker(workers = 1) {
    const hasher = createWorkerHasher({ workers });
    await hasher.sha1(workerJob()); // start the worker first
    const t0 = performance.now();
    const sha1 = await hasher.sha1(pickedFile());
    const ms = performance.now() - t0;
    hasher.close();
    return { ms, sha1 };
  },
  /**
   * b2up's worker pool (default size) hashing the picked file as `partSize` parts, all queued at
   * once. `ranges` (the upload's way): `sha1Range`, one stream per file in one worker, hash-wasm;
   * `separate` (how resume checks hash stored parts): one Blob per part, spread over the pool,
   * WebCrypto per part. Resolves with the milliseconds and each part's SHA-1.
   */
  async hashParts(partSize: number, mode: 'ranges' | 'separate') {
    const hasher = createWorkerHasher();
    const file = pickedFile();
    await Promise.all([hasher.sha1(workerJob()), hasher.sha1(workerJob())]);
    const t0 = performance.now();
    const parts: Promise<string>[] = [];
    for (let start = 0; start < file.size; start += partSize) {
      const end = Math.min(start + partSize, file.size);
      parts.push(
        mode === 'ranges' ? hasher.sha1Range!(file, start, end) : hasher.sha1(file.slice(start, end)),
      );
    }
    const sha1s = await Promise.all(parts);
    const ms = performance.now() - t0;
    hasher.close();
    return { ms, sha1s, workers: Math.max(1, Math.min(4, navigator.hardwareConcurrency)) };
  },
  /** WebCrypto SHA-1 of the whole picked file: one read into memory, one digest (not incremental). */
  async hashWebCrypto() {
    const t0 = performance.now();
    const digest = await crypto.subtle.digest('SHA-1', await pickedFile().arrayBuffer());
    const ms = performance.now() - t0;
    const sha1 = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
    return { ms, sha1 };
  },
  longTasksSince: (t: number) => longTasks.filter((task) => task.start >= t),
  ready: true as const,
};

export type BenchPageApi = typeof api;

declare global {
  interface Window {
    bench: BenchPageApi;
  }
}

window.bench = api;
