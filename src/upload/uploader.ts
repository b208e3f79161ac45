import { type RetryOptions, resolveRetryOptions } from '../b2/retry.js';
import type { BrokerClient, BrokerConfig } from './broker-client.js';
import { brokerCall, type RunContext, type RunSettings, type UploadDeps } from './context.js';
import { browserConnectivity } from './gates.js';
import { createDefaultHasher, type Hasher } from './hasher.js';
import { createHttpBrokerClient } from './http-broker.js';
import { runLargeUpload } from './large-upload.js';
import { createIndexedDbResumeStore, createMemoryResumeStore, type ResumeStore } from './resume-store.js';
import { runSmallUpload } from './small-upload.js';
import { browserTabLock } from './tab-lock.js';
import { defaultSend } from './transport.js';
import { Upload, type UploadFileOptions } from './upload.js';

export interface UploaderOptions {
  /** The broker: its base URL (e.g. `/b2up`), or a BrokerClient for a custom transport. */
  broker: string | BrokerClient;
  /** Parts sent at once, each on its own B2 part URL. Default 4. */
  concurrency?: number;
  /**
   * Proposed part size in bytes; the broker clamps it to B2's limits. Default 16 MiB: big enough
   * that per-request overhead is small, small enough that a reload re-sends little.
   */
  partSize?: number;
  /**
   * Where resume records live: `true` (default) for IndexedDB, `false` for nowhere (uploads can't
   * continue after a reload), or your own ResumeStore.
   */
  resume?: boolean | ResumeStore;
  /** Also hash the whole file first and store it as `large_file_sha1`. Default false. */
  wholeFileSha1?: boolean;
  /** When a resumed file's bytes differ from the earlier upload: start over (default) or fail with `file_changed`. */
  onFileChanged?: 'restart' | 'fail';
  /** How long an unfinished upload can be resumed, in ms. Default 24 h (the broker's token may end it sooner). */
  resumeTtlMs?: number;
  /**
   * A part request that makes no progress (no bytes sent, no answer) for this long, in ms, is
   * abandoned and retried on a fresh part URL, as B2 asks for timeouts. Default 60 s.
   */
  stallTimeoutMs?: number;
  /** Part-upload retry tuning. Default: 5 attempts per part, 1 s first backoff, ×1.5, 64 s cap. */
  retry?: RetryOptions;
  /** SHA-1 hashing; default Web Workers (hash-wasm via comlink), or in-thread where Workers don't exist. */
  hasher?: Hasher;
}

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
  /** Stops the hash workers. */
  close(): void;
}

export function createUploader(options: UploaderOptions): Uploader {
  return buildUploader(options, {});
}

/** createUploader with some environment ports replaced: for tests and the Node CLI. Internal. */
export function buildUploader(options: UploaderOptions, overrides: Partial<UploadDeps>): Uploader {
  const broker = typeof options.broker === 'string' ? createHttpBrokerClient(options.broker) : options.broker;
  const resumeStore =
    options.resume === false
      ? createMemoryResumeStore()
      : options.resume === true || options.resume === undefined
        ? createIndexedDbResumeStore()
        : options.resume;
  let hasher = options.hasher;
  const settings: RunSettings = {
    concurrency: Math.max(1, options.concurrency ?? 4),
    partSize: options.partSize ?? 16 * 1024 * 1024,
    wholeFileSha1: options.wholeFileSha1 ?? false,
    onFileChanged: options.onFileChanged ?? 'restart',
    resumeTtlMs: options.resumeTtlMs ?? 24 * 60 * 60 * 1000,
    stallTimeoutMs: options.stallTimeoutMs ?? 60_000,
    retry: resolveRetryOptions(options.retry),
  };
  let config: Promise<BrokerConfig> | undefined;
  const brokerConfig = (signal?: AbortSignal) => {
    config ??= broker.config(signal).catch((error) => {
      config = undefined;
      throw error;
    });
    return config;
  };
  let deps: UploadDeps | undefined;
  // Workers, IndexedDB and the broker's config are touched on the first upload, never at import.
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
      ...overrides,
    };
    return deps;
  };
  const run = async (context: RunContext) => {
    const { smallFileMaxSize } = await brokerCall(context, (signal) => context.deps.brokerConfig(signal));
    return context.file.size < smallFileMaxSize ? runSmallUpload(context) : runLargeUpload(context);
  };

  return {
    upload: (file, uploadOptions = {}) => new Upload(file, uploadOptions, lazyDeps(), settings, run),
    async pending() {
      const records = await resumeStore.list();
      return records
        .filter((record) => !record.finished)
        .map((record) => ({
          key: record.key,
          name: record.name,
          size: record.size,
          type: record.type,
          lastModified: record.lastModified,
          bytesDone: Math.min(record.size, record.parts.length * record.partSize),
          startedAt: record.createdAt,
          updatedAt: record.updatedAt,
          expiresAt: record.expiresAt,
        }));
    },
    get resumable() {
      return resumeStore.persistent;
    },
    close() {
      hasher?.close();
    },
  };
}
