/** createBroker's options, declared and defaulted once. */
import type { B2Client } from '../b2/client.js';
import type { FetchFunction } from '../b2/http.js';
import type { RetryOptions } from '../b2/retry.js';
import type { UploadComplete } from './completion.js';
import { createTypePolicy, isTypePattern } from './content-types.js';
import { normaliseOrigins } from './cors.js';
import { normalisePrefix } from './names.js';
import { memoryRateStore, type RateLimiter, type RateStore } from './rate-limit.js';
import { MAX_PRESIGN_SECONDS } from './s3/signer.js';

/** The user an upload belongs to, as the app's `authorize` hook names them. */
export interface Principal {
  /** Stable user id; stored as file info `b2up-user` and bound into upload tokens. */
  id: string;
}

/** The B2 key the broker holds: a bucket-restricted key without `writeKeys`. */
export interface BrokerB2Key {
  /** Application key id. Required. */
  applicationKeyId: string;
  /** Application key. Required; never leaves the broker. */
  applicationKey: string;
  /** The bucket (name or id) the key is restricted to. Required. */
  bucket: string;
  /** Base URL of b2_authorize_account (the emulator's URL in tests). Default 'https://api.backblazeb2.com'. */
  realm?: string;
  /** fetch for B2 calls. Default globalThis.fetch. */
  fetch?: FetchFunction;
  /** Retry tuning of B2 calls. Default: the B2 client's (5 attempts, backoff from 1 s). */
  retry?: RetryOptions;
  /**
   * The region S3 requests are signed for. Default: read from B2's S3 host
   * (`s3.<region>.backblazeb2.com`); set it when the endpoint's name has none (the emulator).
   */
  s3Region?: string;
  client?: never;
}

/** An existing B2 client (its key is checked the same way) and the bucket to upload to. */
export interface BrokerB2Client {
  /** A client from createB2Client. */
  client: B2Client;
  /** The bucket (name or id) the client's key is restricted to. Required. */
  bucket: string;
  applicationKeyId?: never;
  applicationKey?: never;
}

/** What the app's `name()` hook gets to choose a final B2 name. */
export interface NameContext {
  principal: Principal;
  /** The user's own name, as sent (untrusted). */
  name: string;
  /** The checked content type. */
  contentType: string;
  /** Declared size in bytes. */
  size: number;
}

export interface BrokerLimits {
  /** Largest file in bytes, checked at start and again at finish. Default 10 TB (B2's own maximum). */
  maxFileSize?: number;
  /**
   * Types a browser may upload: exact (`video/mp4`) or families (`image/*`, `*\/*`). Default null:
   * anything but active content (isActiveContentType: HTML, XML documents, scripts…), which a wildcard never admits.
   */
  allowedTypes?: string[] | null;
  /** Starts (large or small) per principal per minute; Infinity for no limit. Default 60. */
  startsPerMinute?: number;
  /**
   * B2 calls the per-upload calls (part URLs, parts, finish, cancel) may cause per principal per
   * minute, each call charged what it may cost (part URLs: `count` + 1). At least 17; Infinity for
   * no limit. Default 1200.
   */
  uploadCallsPerMinute?: number;
  /** The same budget for each upload on its own. At least 17; Infinity for no limit. Default 300. */
  uploadCallsPerUploadPerMinute?: number;
  /**
   * Where the budgets live. Default in memory, per broker instance; `createRedisRateStore` (from
   * `b2up/broker/node`) shares them across instances.
   */
  rateStore?: RateStore;
  /** A limiter of starts alone, instead of the store's. */
  rateLimiter?: RateLimiter;
  /**
   * Request bodies one principal may have in flight on one broker instance (each up to 512 KB of
   * JSON, or a small file); more answer 429. Default 8.
   */
  bodiesPerUser?: number;
  /** Files below this go through POST /files. Default 2 × B2's absoluteMinimumPartSize (10 MB on B2). */
  smallFileMaxSize?: number;
}

export interface BrokerOptions {
  /** The B2 key and bucket, or a B2 client and bucket. Required. */
  b2: BrokerB2Key | BrokerB2Client;
  /** The app's login check: the caller's principal, or null (or a throw) for 401. Required. */
  authorize: (request: Request) => Principal | null | undefined | Promise<Principal | null | undefined>;
  /** Chooses the final B2 name. Default `<prefix>/<uuid>/<safe name>`. */
  name?: (context: NameContext) => string | Promise<string>;
  /** First segments of default names. Default 'uploads'. */
  prefix?: string;
  /** Size, type and rate limits. Defaults: see BrokerLimits. */
  limits?: BrokerLimits;
  /**
   * HMAC key of upload tokens, ≥ 32 bytes. Default: random per broker instance, so tokens die with
   * it; set the same secret on every instance behind a load balancer and across restarts.
   */
  secret?: string | Uint8Array;
  /** Lifetime of an upload token in seconds. Default 86400 (B2's part URLs last 24 h too). */
  tokenTtlSeconds?: number;
  /** Origins allowed to call the broker from another origin, e.g. ['https://app.example.com']. Default none. */
  cors?: { origins: string[] };
  /** Path the broker is mounted at, e.g. '/b2up'. Default '' (routes at the root). */
  basePath?: string;
  /**
   * How small files reach B2. Default 's3': straight from the browser with a presigned S3 PUT bound
   * to one name, size, type and MD5, then confirmed by the broker; where S3 can't be used (see
   * GET /config's `smallFilesReason`) it falls back to 'proxy'. 'proxy': through the broker, which
   * uploads them with its own token. 'direct' also answers POST /files/target with a
   * b2_get_upload_url target — RISK: that token can write ANY name in the bucket for 24 h; only
   * for trusted users.
   */
  smallFiles?: 's3' | 'proxy' | 'direct';
  /** Lifetime of presigned S3 URLs in seconds (small-file PUTs, part uploads). Default 900. */
  presignedUrlTtlSeconds?: number;
  /** The broker's clock in ms since the epoch (token expiry, rate limits). Default Date.now. */
  now?: () => number;
  /**
   * Called once per file B2 stored (small or large; a repeated finish doesn't call it again), after
   * B2 confirmed it and before the browser hears "done": record the upload in your database here.
   * A presigned small file reports at each successful confirm, and a stateless broker can't tell a
   * client's repeated confirm from the first: key your record by `file.fileId`. Uppy's presigned
   * PUTs never come back to the broker, so only its multipart uploads report.
   * A throw goes to onError; the upload still succeeds. Default: none.
   */
  onUploadComplete?: (event: UploadComplete) => void | Promise<void>;
  /** Called with unexpected errors (a throwing name() hook, a bug) answered 500. Default console.error. */
  onError?: (error: unknown, request: Request) => void;
  /**
   * DEV ONLY: serve with a key that has writeKeys or no bucket restriction (the emulator's master
   * key). Never in production: a leak of such a key exposes the whole account. Default false.
   */
  unsafeAllowUnrestrictedKey?: boolean;
}

/** B2's largest large file. */
export const B2_MAX_FILE_SIZE = 10_000_000_000_000;
const MIN_SECRET_BYTES = 32;

export interface ResolvedBrokerOptions {
  b2: BrokerB2Key | BrokerB2Client;
  authorize: BrokerOptions['authorize'];
  name: BrokerOptions['name'] | undefined;
  prefix: string;
  maxFileSize: number;
  allowedTypes: string[] | null;
  isTypeAllowed: (essence: string) => boolean;
  rateLimiter: RateLimiter;
  uploadCallLimiters: { perUser: RateLimiter; perUpload: RateLimiter };
  bodiesPerUser: number;
  /** undefined: 2 × absoluteMinimumPartSize from authorize, known only once ready. */
  smallFileMaxSize: number | undefined;
  secret: Uint8Array;
  tokenTtlMs: number;
  corsOrigins: ReadonlySet<string>;
  basePath: string;
  smallFiles: 's3' | 'proxy' | 'direct';
  presignedUrlTtlSeconds: number;
  now: () => number;
  onError: (error: unknown, request: Request) => void;
  onUploadComplete: BrokerOptions['onUploadComplete'];
  unsafeAllowUnrestrictedKey: boolean;
}

export function resolveBrokerOptions(options: BrokerOptions): ResolvedBrokerOptions {
  if (typeof options.authorize !== 'function') throw new TypeError('authorize(request) is required');
  if (!options.b2?.bucket) throw new TypeError('b2.bucket is required');
  const limits = options.limits ?? {};
  const maxFileSize = limits.maxFileSize ?? B2_MAX_FILE_SIZE;
  if (!Number.isSafeInteger(maxFileSize) || maxFileSize < 1 || maxFileSize > B2_MAX_FILE_SIZE) {
    throw new TypeError(`limits.maxFileSize must be 1..${B2_MAX_FILE_SIZE}`);
  }
  const allowedTypes = limits.allowedTypes ? limits.allowedTypes.map((t) => t.trim().toLowerCase()) : null;
  const badPattern = allowedTypes?.find((t) => !isTypePattern(t));
  if (badPattern !== undefined)
    throw new TypeError(`limits.allowedTypes: '${badPattern}' is not a MIME type`);
  const startsPerMinute = limits.startsPerMinute ?? 60;
  if (!(startsPerMinute > 0)) throw new TypeError('limits.startsPerMinute must be > 0 (Infinity for none)');
  const perUser = callBudget(limits.uploadCallsPerMinute, 1200, 'uploadCallsPerMinute');
  const perUpload = callBudget(limits.uploadCallsPerUploadPerMinute, 300, 'uploadCallsPerUploadPerMinute');
  const store = limits.rateStore ?? memoryRateStore;
  const bodiesPerUser = limits.bodiesPerUser ?? 8;
  if (!(Number.isSafeInteger(bodiesPerUser) && bodiesPerUser >= 1)) {
    throw new TypeError('limits.bodiesPerUser must be a positive integer');
  }
  const smallFileMaxSize = limits.smallFileMaxSize;
  if (smallFileMaxSize !== undefined && !(Number.isSafeInteger(smallFileMaxSize) && smallFileMaxSize >= 1)) {
    throw new TypeError('limits.smallFileMaxSize must be a positive integer');
  }
  const presignedUrlTtlSeconds = options.presignedUrlTtlSeconds ?? 900;
  if (!(
    Number.isInteger(presignedUrlTtlSeconds) &&
    presignedUrlTtlSeconds >= 1 &&
    presignedUrlTtlSeconds <= MAX_PRESIGN_SECONDS
  )) {
    throw new TypeError(`presignedUrlTtlSeconds must be a whole number in 1..${MAX_PRESIGN_SECONDS}`);
  }
  const tokenTtlSeconds = options.tokenTtlSeconds ?? 86_400;
  if (!(Number.isFinite(tokenTtlSeconds) && tokenTtlSeconds > 0)) {
    throw new TypeError('tokenTtlSeconds must be a positive number');
  }
  return {
    b2: options.b2,
    authorize: options.authorize,
    name: options.name,
    prefix: normalisePrefix(options.prefix ?? 'uploads'),
    maxFileSize,
    allowedTypes,
    isTypeAllowed: createTypePolicy(allowedTypes),
    rateLimiter: limits.rateLimiter ?? store.limiter({ name: 'starts', perMinute: startsPerMinute }),
    uploadCallLimiters: {
      perUser: store.limiter({ name: 'upload-calls-per-user', perMinute: perUser }),
      perUpload: store.limiter({ name: 'upload-calls-per-upload', perMinute: perUpload }),
    },
    bodiesPerUser,
    smallFileMaxSize,
    secret: resolveSecret(options.secret),
    tokenTtlMs: Math.round(tokenTtlSeconds * 1000),
    corsOrigins: normaliseOrigins(options.cors?.origins ?? []),
    basePath: normaliseBasePath(options.basePath ?? ''),
    smallFiles: options.smallFiles ?? 's3',
    presignedUrlTtlSeconds,
    now: options.now ?? Date.now,
    onError: options.onError ?? ((error) => console.error('b2up broker:', error)),
    onUploadComplete: options.onUploadComplete,
    unsafeAllowUnrestrictedKey: options.unsafeAllowUnrestrictedKey ?? false,
  };
}

/** The costliest per-upload call: 16 part URLs and a part listing. */
export const MAX_UPLOAD_CALL_COST = 17;

function callBudget(value: number | undefined, fallback: number, name: string): number {
  const perMinute = value ?? fallback;
  if (!(perMinute >= MAX_UPLOAD_CALL_COST)) {
    throw new TypeError(`limits.${name} must be at least ${MAX_UPLOAD_CALL_COST} (Infinity for none)`);
  }
  return perMinute;
}

function resolveSecret(secret: string | Uint8Array | undefined): Uint8Array {
  if (secret === undefined) return crypto.getRandomValues(new Uint8Array(MIN_SECRET_BYTES));
  const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new TypeError(`secret must be at least ${MIN_SECRET_BYTES} bytes (e.g. 64 random hex digits)`);
  }
  return bytes;
}

/** '' or '/b2up' (leading slash, no trailing one). */
function normaliseBasePath(basePath: string): string {
  const trimmed = basePath.replace(/\/+$/, '');
  if (trimmed === '') return '';
  if (!trimmed.startsWith('/')) throw new TypeError(`basePath '${basePath}' must start with '/'`);
  return trimmed;
}
