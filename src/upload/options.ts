/**
 * Options of createUploader, declared, defaulted and checked once: a bad value throws a TypeError
 * naming the option when the uploader is created, never a strange failure halfway through a file.
 */
import type { ResolvedRetryOptions } from '../b2/retry.js';
import type { BrokerClient, LargeFileTransport } from './broker-client.js';
import type { Hasher } from './hasher.js';
import type { ResumeStore } from './resume-store.js';

/** Retry tuning of an uploader. Defaults follow b2sdk: 5 tries, 1 s first delay, ×1.5 per try, 64 s cap. */
export interface UploaderRetryOptions {
  /** Attempts per broker call, counting the first one. Default 5. */
  maxAttempts?: number;
  /** Part URLs tried per part (or attempts per small file) before giving up. Default 5 (B2: "try at least 5"). */
  uploadAttempts?: number;
  /** First backoff delay, in ms. Default 1000. */
  initialDelayMs?: number;
  /** Growth of the delay per failed attempt. Default 1.5. */
  multiplier?: number;
  /** Upper bound of one computed delay, in ms (a longer Retry-After still wins). Default 64000. */
  maxDelayMs?: number;
}

/** What to do when a resumed file's bytes differ from the upload it would continue. */
export type FileChangedPolicy = 'restart' | 'fail';

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
  /**
   * How large files' parts travel: `'native'` (default) to B2's part URLs, or `'s3'` by presigned
   * S3 UploadPart URLs, which the broker must offer (GET /config `largeFileTransports`; else the
   * upload fails with `rejected`). Either way each part's SHA-1 is checked (docs/s3.md).
   */
  largeFileTransport?: LargeFileTransport;
  /** Also hash the whole file first and store it as `large_file_sha1`. Default false. */
  wholeFileSha1?: boolean;
  /** When a resumed file's bytes differ from the earlier upload: start over (default) or fail with `file_changed`. */
  ifFileChanged?: FileChangedPolicy;
  /** @deprecated Renamed `ifFileChanged` (it is a setting, not a callback); still read for one release. */
  onFileChanged?: FileChangedPolicy;
  /** How long an unfinished upload can be resumed, in ms. Default 24 h (the broker's token may end it sooner). */
  resumeTtlMs?: number;
  /**
   * A part request that makes no progress (no bytes sent, no answer) for this long, in ms, is
   * abandoned and retried on a fresh part URL, as B2 asks for timeouts. 0 turns the check off.
   * Default 60 s.
   */
  stallTimeoutMs?: number;
  /**
   * How long an upload waits for a broker that stopped answering (a restart, a short outage)
   * before it fails, in ms; meanwhile its state reads `reconnecting`. Default 5 min.
   */
  reconnectPatienceMs?: number;
  /** Retry tuning of part uploads and broker calls. */
  retry?: UploaderRetryOptions;
  /** SHA-1 hashing; default Web Workers (hash-wasm via comlink), or in-thread where Workers don't exist. */
  hasher?: Hasher;
}

/** The settings a run reads, every one present and checked. */
export interface RunSettings {
  concurrency: number;
  partSize: number;
  /** How a new large upload's parts travel (a resumed one keeps its own). */
  largeFileTransport: LargeFileTransport;
  wholeFileSha1: boolean;
  ifFileChanged: FileChangedPolicy;
  /** How long a resume record is kept, in ms. */
  resumeTtlMs: number;
  /** A part request with no progress for this long is abandoned and retried on a fresh URL. */
  stallTimeoutMs: number;
  /** How long an absent broker is waited for, from its first silence. */
  reconnectPatienceMs: number;
  retry: ResolvedRetryOptions;
}

type Defaults = Omit<RunSettings, 'retry'> & { retry: Required<UploaderRetryOptions> };

export const UPLOADER_DEFAULTS = {
  concurrency: 4,
  partSize: 16 * 1024 * 1024,
  largeFileTransport: 'native',
  wholeFileSha1: false,
  ifFileChanged: 'restart',
  resumeTtlMs: 24 * 60 * 60 * 1000,
  stallTimeoutMs: 60_000,
  reconnectPatienceMs: 5 * 60 * 1000,
  retry: { maxAttempts: 5, uploadAttempts: 5, initialDelayMs: 1000, multiplier: 1.5, maxDelayMs: 64_000 },
} as const satisfies Defaults;

/** Timing ports of the retry loops: real timers and Math.random, replaced by tests. */
export type RetryTiming = Pick<ResolvedRetryOptions, 'sleep' | 'random'>;

export interface ResolvedUploaderOptions {
  broker: string | BrokerClient;
  resume: boolean | ResumeStore;
  hasher: Hasher | undefined;
  settings: RunSettings;
}

/** Checks every option and fills in the defaults; throws a TypeError naming the first bad option. */
export function resolveUploaderOptions(
  options: UploaderOptions,
  timing: RetryTiming,
): ResolvedUploaderOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('createUploader needs an options object with at least `broker`');
  }
  const d = UPLOADER_DEFAULTS;
  const retry = options.retry ?? {};
  if (typeof retry !== 'object' || retry === null) throw new TypeError('retry must be an object');
  return {
    broker: check('broker', options.broker, isBroker, 'a base URL or a BrokerClient'),
    resume: check('resume', options.resume ?? true, isResume, 'true, false or a ResumeStore'),
    hasher: options.hasher === undefined ? undefined : check('hasher', options.hasher, isHasher, 'a Hasher'),
    settings: {
      concurrency: integer('concurrency', options.concurrency ?? d.concurrency, 1),
      partSize: integer('partSize', options.partSize ?? d.partSize, 1),
      largeFileTransport: largeFileTransport(options),
      wholeFileSha1: check('wholeFileSha1', options.wholeFileSha1 ?? d.wholeFileSha1, isBoolean, 'a boolean'),
      ifFileChanged: fileChangedPolicy(options),
      resumeTtlMs: number('resumeTtlMs', options.resumeTtlMs ?? d.resumeTtlMs, 1),
      stallTimeoutMs: number('stallTimeoutMs', options.stallTimeoutMs ?? d.stallTimeoutMs, 0),
      reconnectPatienceMs: number(
        'reconnectPatienceMs',
        options.reconnectPatienceMs ?? d.reconnectPatienceMs,
        0,
      ),
      retry: {
        maxAttempts: integer('retry.maxAttempts', retry.maxAttempts ?? d.retry.maxAttempts, 1),
        uploadAttempts: integer('retry.uploadAttempts', retry.uploadAttempts ?? d.retry.uploadAttempts, 1),
        initialDelayMs: number('retry.initialDelayMs', retry.initialDelayMs ?? d.retry.initialDelayMs, 0),
        multiplier: number('retry.multiplier', retry.multiplier ?? d.retry.multiplier, 1),
        maxDelayMs: number('retry.maxDelayMs', retry.maxDelayMs ?? d.retry.maxDelayMs, 0),
        sleep: timing.sleep,
        random: timing.random,
      },
    },
  };
}

function largeFileTransport(options: UploaderOptions): LargeFileTransport {
  const transport = check(
    'largeFileTransport',
    options.largeFileTransport ?? UPLOADER_DEFAULTS.largeFileTransport,
    (value) => value === 'native' || value === 's3',
    "'native' or 's3'",
  );
  if (transport === 's3' && typeof options.broker === 'object' && options.broker !== null) {
    if (!hasMethods(options.broker, ['s3PartUrls'])) {
      throw new TypeError("largeFileTransport 's3' needs a BrokerClient with s3PartUrls; this one has none");
    }
  }
  return transport;
}

function fileChangedPolicy(options: UploaderOptions): FileChangedPolicy {
  const { ifFileChanged, onFileChanged } = options;
  if (ifFileChanged !== undefined && onFileChanged !== undefined && ifFileChanged !== onFileChanged) {
    throw new TypeError(
      'onFileChanged (the old name of ifFileChanged) disagrees with ifFileChanged: set ifFileChanged only',
    );
  }
  const policy = ifFileChanged ?? onFileChanged ?? UPLOADER_DEFAULTS.ifFileChanged;
  const name = ifFileChanged === undefined && onFileChanged !== undefined ? 'onFileChanged' : 'ifFileChanged';
  return check(name, policy, (value) => value === 'restart' || value === 'fail', "'restart' or 'fail'");
}

function check<T>(name: string, value: unknown, valid: (value: unknown) => value is T, expected: string): T;
function check<T>(name: string, value: T, valid: (value: unknown) => boolean, expected: string): T;
function check<T>(name: string, value: T, valid: (value: unknown) => boolean, expected: string): T {
  if (!valid(value)) throw new TypeError(`${name} must be ${expected} (got ${describe(value)})`);
  return value;
}

/** A finite number ≥ `min` (NaN and Infinity are refused: a timer or a count can't use them). */
function number(name: string, value: unknown, min: number): number {
  return check(
    name,
    value,
    (v): v is number => typeof v === 'number' && Number.isFinite(v) && v >= min,
    `a finite number ≥ ${min}`,
  );
}

function integer(name: string, value: unknown, min: number): number {
  return check(
    name,
    value,
    (v): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= min,
    `an integer ≥ ${min}`,
  );
}

const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';

const hasMethods = (value: unknown, names: string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  names.every((name) => typeof (value as Record<string, unknown>)[name] === 'function');

const isBroker = (value: unknown): value is string | BrokerClient =>
  (typeof value === 'string' && value.length > 0) ||
  hasMethods(value, ['config', 'uploadSmall', 'start', 'partTargets', 'listParts', 'finish', 'cancel']);

const isResume = (value: unknown): value is boolean | ResumeStore =>
  typeof value === 'boolean' || hasMethods(value, ['get', 'set', 'delete', 'list']);

const isHasher = (value: unknown): value is Hasher => hasMethods(value, ['sha1', 'close']);

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  return typeof value;
}
