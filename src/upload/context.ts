import type { B2Error } from '../b2/errors.js';
import { isB2Error } from '../b2/errors.js';
import type { UploadRetryHooks } from '../b2/upload.js';
import {
  type BrokerClient,
  type BrokerConfig,
  type BrokerErrorCode,
  isBrokerError,
  type UploadSession,
} from './broker-client.js';
import { UploadError, type UploadErrorCode } from './errors.js';
import type { Connectivity, PauseGate } from './gates.js';
import type { Hasher } from './hasher.js';
import type { RunSettings } from './options.js';
import type { ProgressTracker } from './progress.js';
import type { ResumeStore } from './resume-store.js';
import type { TabLock } from './tab-lock.js';
import type { Send, SendHashed } from './transport.js';

/** Everything an upload run needs from its environment (ports, so tests can supply fakes). */
export interface UploadDeps {
  broker: BrokerClient;
  /** The broker's GET /config, fetched once per uploader. */
  brokerConfig: (signal?: AbortSignal) => Promise<BrokerConfig>;
  hasher: Hasher;
  resumeStore: ResumeStore;
  send: Send;
  /**
   * Where the platform can stream a request body (Node): parts are hashed on their way out instead
   * of before, one read per byte. Without it (browsers) a part is hashed, then sent with `send`.
   */
  sendHashed?: SendHashed | undefined;
  connectivity: Connectivity;
  tabLock: TabLock;
  now: () => number;
}

export type { RunSettings } from './options.js';

export type UploadState =
  | 'preparing'
  | 'waiting'
  | 'uploading'
  | 'paused'
  | 'offline'
  | 'finishing'
  | 'done'
  | 'failed'
  | 'cancelled';

/** What a run reads and drives on its Upload. */
export interface RunContext {
  file: Blob;
  name: string;
  contentType: string;
  lastModified: number;
  info: Record<string, string>;
  deps: UploadDeps;
  settings: RunSettings;
  gate: PauseGate;
  /** A signal that fires on pause or cancel: in-flight requests stop, and resume starts new ones. */
  segment(): AbortSignal;
  readonly cancelled: boolean;
  /** Fires on cancel only (not on pause). */
  cancelSignal: AbortSignal;
  setState(state: UploadState): void;
  setProgress(progress: ProgressTracker): void;
  changed(): void;
  /** Marks the upload as resumed from an earlier run. */
  resumed(): void;
  /** The large upload now exists in B2: cancel() must clean it up. */
  session(session: UploadSession, key: string): void;
}

/**
 * Runs `step` until it completes, carrying it across pauses: an abort caused by pause() waits for
 * resume() and runs the step again; cancel() turns into UploadError('aborted').
 */
export async function pausable<T>(
  context: RunContext,
  step: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  for (;;) {
    await context.gate.wait();
    if (context.cancelled) throw aborted();
    const signal = context.segment();
    try {
      return await step(signal);
    } catch (error) {
      if (context.cancelled) throw aborted();
      // Only pause() and cancel() abort a segment, and this isn't a cancel: the step was paused.
      // The gate may already be open again (a nested step waited for resume() itself), so the
      // retry can't depend on it still being closed.
      if (signal.aborted) continue;
      throw error;
    }
  }
}

/**
 * A broker call that survives pauses and outages: ky already retried 408/429/5xx with backoff;
 * what still fails for lack of a network waits for `online` and tries again.
 */
export async function brokerCall<T>(
  context: RunContext,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  return pausable(context, async (signal) => {
    for (;;) {
      try {
        return await call(signal);
      } catch (error) {
        if (isBrokerError(error) && error.status === 0 && !context.deps.connectivity.isOnline()) {
          context.setState('offline');
          await context.deps.connectivity.whenOnline(signal);
          context.setState('uploading');
          continue;
        }
        throw toUploadError(error);
      }
    }
  });
}

/**
 * The run's hooks into the one upload retry loop (`withUploadRetries`): an attempt interrupted by
 * pause() runs again after resume(), uncounted, on a fresh URL; a failure without an answer while
 * the browser is offline waits for the `online` event, uncounted. `stop` ends every attempt (a
 * sibling part failed for good).
 */
export function runRetryHooks(context: RunContext, stop?: AbortSignal): UploadRetryHooks {
  const { connectivity } = context.deps;
  return {
    async attemptSignal() {
      await context.gate.wait();
      if (context.cancelled || stop?.aborted) throw aborted();
      return stop ? AbortSignal.any([context.segment(), stop]) : context.segment();
    },
    interrupted: (signal) => signal?.aborted === true && !context.cancelled && !stop?.aborted,
    async waitedOut(error) {
      if (!isNoAnswer(error) || connectivity.isOnline()) return false;
      context.setState('offline');
      await pausable(context, (signal) => connectivity.whenOnline(signal));
      context.setState('uploading');
      return true;
    },
  };
}

/** A request that got no answer at all (not one the caller aborted). */
function isNoAnswer(error: unknown): boolean {
  if (isB2Error(error)) return error.status === 0 && error.code !== 'aborted';
  return isBrokerError(error) && error.status === 0;
}

export function aborted(): UploadError {
  return new UploadError('aborted', 'The upload was cancelled.');
}

const BROKER_TO_UPLOAD: Record<BrokerErrorCode, UploadErrorCode> = {
  unauthenticated: 'unauthenticated',
  forbidden: 'forbidden',
  origin_not_allowed: 'forbidden',
  bad_upload_token: 'upload_expired',
  expired_upload_token: 'upload_expired',
  not_found: 'upload_expired',
  too_large: 'too_large',
  type_not_allowed: 'type_not_allowed',
  size_mismatch: 'size_mismatch',
  rate_limited: 'network',
  unavailable: 'network',
  b2_error: 'rejected',
  bad_request: 'rejected',
};

/** Maps broker and B2 failures onto the SDK's closed set of upload error codes. */
export function toUploadError(error: unknown): UploadError {
  if (error instanceof UploadError) return error;
  if (isBrokerError(error)) {
    return new UploadError(BROKER_TO_UPLOAD[error.code], error.message, {
      status: error.status,
      cause: error,
    });
  }
  if (isB2Error(error)) return fromB2Error(error);
  if (error instanceof Error && error.name === 'AbortError') return aborted();
  return new UploadError('rejected', error instanceof Error ? error.message : String(error), {
    cause: error,
  });
}

function fromB2Error(error: B2Error): UploadError {
  if (error.code === 'aborted') return aborted();
  const code: UploadErrorCode =
    error.status === 0 || error.status >= 500 || error.status === 408 ? 'network' : 'rejected';
  return new UploadError(code, error.message, { status: error.status, cause: error });
}
