/**
 * When and how the client retries, as pure functions so the rules are unit-tested
 * apart from any HTTP. The loops that apply them live in json-call.ts, target-upload.ts and download.ts.
 */
import { B2Error } from './errors.js';

/** Retry tuning. Defaults follow b2sdk: 5 tries, 1 s first delay, ×1.5 per try, 64 s cap. */
export interface RetryOptions {
  /** Attempts per JSON call or download, counting the first one. Default 5. */
  maxAttempts?: number;
  /** Upload URLs tried per upload (file or part) before giving up. Default 5 (B2: "try at least 5"). */
  uploadAttempts?: number;
  /** First backoff delay, in ms. Default 1000. */
  initialDelayMs?: number;
  /** Growth of the delay per failed attempt. Default 1.5. */
  multiplier?: number;
  /** Upper bound of one computed delay, in ms (a longer Retry-After still wins). Default 64000. */
  maxDelayMs?: number;
  /** Waits between attempts; inject to keep tests instant. Default: setTimeout that rejects on abort. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Random source in [0, 1) for jitter. Default Math.random. */
  random?: () => number;
}

export type ResolvedRetryOptions = Required<RetryOptions>;

export function resolveRetryOptions(options: RetryOptions = {}): ResolvedRetryOptions {
  return {
    maxAttempts: options.maxAttempts ?? 5,
    uploadAttempts: options.uploadAttempts ?? 5,
    initialDelayMs: options.initialDelayMs ?? 1000,
    multiplier: options.multiplier ?? 1.5,
    maxDelayMs: options.maxDelayMs ?? 64_000,
    sleep: options.sleep ?? sleep,
    random: options.random ?? Math.random,
  };
}

/** What a JSON call (or download) does after a failed attempt. */
export type CallDecision = 'reauthorize' | 'backoff' | 'fail';

/**
 * B2's rules for calls: an expired or bad account token is renewed once per call; 401 `unauthorized`
 * is a permission problem and fails at once; 429, 408, 5xx and transport failures back off.
 */
export function decideCallRetry(error: B2Error, alreadyReauthorized: boolean): CallDecision {
  if (isAuthTokenProblem(error)) return alreadyReauthorized ? 'fail' : 'reauthorize';
  return isBackoffFailure(error) ? 'backoff' : 'fail';
}

/** What an upload (b2_upload_file / b2_upload_part) does after a failed attempt. */
export type UploadDecision =
  | { retry: false }
  | {
      retry: true;
      /** Discard this upload URL and get a fresh one (never reuse a URL that failed). */
      dropUrl: boolean;
      /** Wait (jittered backoff, honouring Retry-After) before the next attempt. */
      backoff: boolean;
    };

/**
 * B2's rule for uploads: on connection failure/timeout, 408, any 5xx, 401 expired/bad token (the *upload*
 * token) or 400 auth_token_limit, drop the URL and retry with a new one; other 4xx fail at once.
 * 429 is the exception that keeps the URL: it is rate limiting, not a broken URL, so wait and resend.
 */
export function decideUploadRetry(error: B2Error): UploadDecision {
  if (error.code === 'aborted') return { retry: false };
  if (isAuthTokenProblem(error) || (error.status === 400 && error.code === 'auth_token_limit')) {
    return { retry: true, dropUrl: true, backoff: false };
  }
  if (error.status === 429) return { retry: true, dropUrl: false, backoff: true };
  if (isBackoffFailure(error)) return { retry: true, dropUrl: true, backoff: true };
  return { retry: false };
}

/**
 * Delay before the next attempt after `failedAttempts` failures (1 after the first): exponential,
 * capped, with "equal jitter" (half fixed, half random) so parallel clients spread out. A Retry-After
 * from B2 is a floor: we never come back earlier than the server asked.
 */
export function backoffDelay(
  failedAttempts: number,
  options: Pick<ResolvedRetryOptions, 'initialDelayMs' | 'multiplier' | 'maxDelayMs' | 'random'>,
  retryAfterSeconds?: number,
): number {
  const exponent = Math.max(0, failedAttempts - 1);
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * options.multiplier ** exponent);
  const jittered = base / 2 + (options.random() * base) / 2;
  const floor = retryAfterSeconds === undefined ? 0 : retryAfterSeconds * 1000;
  return Math.max(floor, Math.round(jittered));
}

/** B2 sends Retry-After as integer seconds; anything else is ignored. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || !/^\s*\d+\s*$/.test(value)) return undefined;
  return Number.parseInt(value, 10);
}

function isAuthTokenProblem(error: B2Error): boolean {
  return error.status === 401 && (error.code === 'expired_auth_token' || error.code === 'bad_auth_token');
}

/** 429, 408, any 5xx, or no response at all (but not the caller's own abort). */
function isBackoffFailure(error: B2Error): boolean {
  if (error.status === 0) return error.code !== 'aborted';
  return error.status === 429 || error.status === 408 || error.status >= 500;
}

/** Default sleep: a timer that rejects with an `aborted` B2Error when the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortedError(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortedError(signal?: AbortSignal): B2Error {
  return new B2Error({
    status: 0,
    code: 'aborted',
    message: 'The request was aborted',
    cause: signal?.reason,
  });
}
