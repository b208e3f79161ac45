import { sleep } from '../b2/retry.js';
import type { BrokerConfig } from './broker-client.js';
import { brokerCall, type RunContext, type UploadDeps } from './context.js';
import { browserConnectivity } from './gates.js';
import { browserPreconnect } from './preconnect.js';
import { createDefaultHasher } from './hasher.js';
import { createHttpBrokerClient } from './http-broker.js';
import { fileKey, runLargeUpload } from './large-upload.js';
import { type RetryTiming, resolveUploaderOptions, type UploaderOptions } from './options.js';
import { createIndexedDbResumeStore, createMemoryResumeStore, type ResumeStore } from './resume-store.js';
import { brokerScope, scopeResumeStore } from './scoped-resume-store.js';
import { runSmallUpload } from './small-upload.js';
import { browserTabLock } from './tab-lock.js';
import { defaultSend } from './transport.js';
import { Upload, type UploadFileOptions } from './file-upload.js';

export type { FileChangedPolicy, UploaderOptions, UploaderRetryOptions } from './options.js';

/** An unfinished upload remembered from an earlier page or run. */
export interface PendingUpload {
  key: string;
  name: string;
  size: number;
  type: string;
  lastModified: number;
  /** Bytes confirmed by B2 as far as this browser saw. */
  bytesDone: number;
  startedAt: number;
  updatedAt: number;
  expiresAt: number;
}

export interface Uploader {
  upload(file: Blob, options?: UploadFileOptions): Upload;
  /** Unfinished uploads that can continue if the user picks the same files again. */
  pending(): Promise<PendingUpload[]>;
  /** False when uploads can't resume after a reload (no IndexedDB, private mode, quota). */
  readonly resumable: boolean;
  /**
   * The user is about to pick files (opened the file picker, dragged files over the page): start a
   * hash worker and ask the broker for what an upload needs first, so the pick waits for none of it
   * on a far link. `<b2up-uploader>` calls it on those gestures. Cheap to call again; never fails
   * (what fails is met, and retried, by the upload).
   */
  prepare(): void;
  /** Stops the hash workers. */
  close(): void;
}

/**
 * An uploader is made when its page loads and used when the user picks a file, seconds later: so it
 * asks the broker for its config and the user as it is made. The first pick then waits for neither
 * (a failure is left for the upload to meet, and retry). A page that never uploads starts no worker:
 * hash workers start on `prepare()` (the user opened the picker) or with the first upload.
 */
export function createUploader(options: UploaderOptions): Uploader {
  return buildUploader(options, {}, undefined, { warm: true });
}

/**
 * createUploader with some environment ports replaced, and the retry loops' timers: for tests and
 * the Node CLI. Internal.
 */
export function buildUploader(
  options: UploaderOptions,
  overrides: Partial<UploadDeps>,
  timing: RetryTiming = { sleep, random: Math.random },
  { warm = false }: { warm?: boolean } = {},
): Uploader {
  const resolved = resolveUploaderOptions(options, timing);
  const { settings } = resolved;
  const broker =
    typeof resolved.broker === 'string'
      ? createHttpBrokerClient(resolved.broker, { retries: settings.retry.maxAttempts - 1 })
      : resolved.broker;
  const scope = brokerScope(broker);
  const resumeStore =
    resolved.resume === false
      ? writtenBehind(scopeResumeStore(createMemoryResumeStore(), scope.get))
      : scopeResumeStore(
          resolved.resume === true ? createIndexedDbResumeStore() : resolved.resume,
          scope.get,
        );
  let hasher = resolved.hasher;
  let config: Promise<BrokerConfig> | undefined;
  let known: BrokerConfig | undefined;
  const brokerConfig = (signal?: AbortSignal) => {
    config ??= broker.config(signal).then(
      (answer) => (known = answer),
      (error: unknown) => {
        config = undefined;
        throw error;
      },
    );
    return config;
  };
  let deps: UploadDeps | undefined;
  // Workers and IndexedDB are touched on prepare() or the first upload; without `warm`, the broker's
  // config too.
  const lazyDeps = (): UploadDeps => {
    hasher ??= createDefaultHasher();
    deps ??= {
      broker,
      brokerConfig,
      hasher,
      resumeStore,
      send: defaultSend(),
      connectivity: browserConnectivity(),
      tabLock: browserTabLock(),
      now: Date.now,
      preconnect: browserPreconnect(),
      ...overrides,
    };
    return deps;
  };
  // The user scopes remembered uploads: asked for ahead only where they are remembered.
  const askUser = () => {
    if (resumeStore.persistent) void scope.get();
  };
  if (warm) {
    void brokerConfig().catch(() => undefined);
    askUser();
  }
  const run = async (context: RunContext) => {
    // Config and user (both kept for the next uploads) are asked for while the file's head is
    // hashed: the waits overlap. Until the config says which files are small, any file may be
    // large; a small file never reads its head's hash.
    const large = known === undefined || context.file.size >= known.smallFileMaxSize;
    // A large file's run asks for the user (to scope its record) whether or not it is remembered;
    // with `resume: false` not now, but when the record is written (behind, after the start call).
    if (known !== undefined && large && resolved.resume !== false) void scope.get();
    else if (large) askUser();
    const early = large ? fileKey(context) : undefined;
    early?.catch(() => undefined);
    const { smallFileMaxSize } = await brokerCall(context, (signal) => context.deps.brokerConfig(signal));
    return context.file.size < smallFileMaxSize ? runSmallUpload(context) : runLargeUpload(context, early);
  };

  return {
    upload: (file, uploadOptions = {}) => new Upload(file, uploadOptions, lazyDeps(), settings, run),
    async pending() {
      await scope.refresh();
      const records = await resumeStore.list();
      return records
        .filter((record) => !record.finished)
        .map((record) => ({
          key: record.key,
          name: record.name,
          size: record.size,
          type: record.type,
          lastModified: record.lastModified,
          bytesDone: Math.min(record.size, (record.partsDone ?? 0) * record.partSize),
          startedAt: record.createdAt,
          updatedAt: record.updatedAt,
          expiresAt: record.expiresAt,
        }));
    },
    get resumable() {
      return resumeStore.persistent;
    },
    prepare() {
      lazyDeps().hasher.warm?.();
      void brokerConfig().catch(() => undefined);
      // Any store: a large file's run needs the user before its start call.
      void scope.get();
    },
    close() {
      hasher?.close();
    },
  };
}

/**
 * A store only this uploader writes (`resume: false`: this page's memory, which can't fail). A write
 * returns at once and is done in the background, in order, before any later read: it waits for the
 * user who scopes records, and so nothing waits for that answer (a round trip) on its way to a first
 * part. Before any write, a lookup finds nothing without asking.
 */
function writtenBehind(store: ResumeStore): ResumeStore {
  let writes: Promise<void> | undefined;
  const written = () => writes ?? Promise.resolve();
  return {
    get persistent() {
      return store.persistent;
    },
    get: (key) => (writes ? written().then(() => store.get(key)) : Promise.resolve(undefined)),
    set(record) {
      writes = written().then(() => store.set(record));
      return Promise.resolve();
    },
    delete: (key) => written().then(() => store.delete(key)),
    list: () => written().then(() => store.list()),
  };
}
