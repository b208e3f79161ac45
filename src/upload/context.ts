import { isB2Error } from '../b2/errors.js';
import { backoffDelay } from '../b2/retry.js';
import type { UploadRetryHooks } from '../b2/target-upload.js';
import { type BrokerClient, type BrokerConfig, isBrokerError } from './broker-client.js';
import type { Connectivity } from './gates.js';
import type { Hasher } from './hasher.js';
import type { RunSettings } from './options.js';
import type { Preconnect } from './preconnect.js';
import type { ResumeStore } from './resume-store.js';
import type { RunEvent } from './run-status.js';
import type { TabLock } from './tab-lock.js';
import { aborted, toUploadError } from './to-upload-error.js';
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
  /** Opens a connection to a part URL's host ahead of its first part (browsers); optional. */
  preconnect?: Preconnect | undefined;
}

export type { RunSettings } from './options.js';
export { aborted, toUploadError } from './to-upload-error.js';
export type { UploadState } from './run-status.js';

/** How a run stops and waits: one object, driven by Upload's pause(), resume() and cancel(). */
export interface RunControl {
  /** Fires on cancel() only (not on pause). */
  readonly signal: AbortSignal;
  /** Fires on pause() or cancel(): requests in flight stop, and resume() starts new ones. */
  segment(): AbortSignal;
  /** Resolves once the upload is not paused (at once when it isn't, or after cancel()). */
  whilePaused(): Promise<void>;
}

/** What a run reads, how it is stopped, and where it reports what happens (Upload reduces that into its state). */
export interface RunContext {
  file: Blob;
  name: string;
  contentType: string;
  lastModified: number;
  info: Record<string, string>;
  deps: UploadDeps;
  settings: RunSettings;
  control: RunControl;
  report(event: RunEvent): void;
}

/**
 * Runs `step` until it completes, carrying it across pauses: an abort caused by pause() waits for
 * resume() and runs the step again; cancel() turns into UploadError('aborted').
 */
export async function pausable<T>(
  context: RunContext,
  step: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const { control } = context;
  for (;;) {
    await control.whilePaused();
    if (control.signal.aborted) throw aborted();
    const signal = control.segment();
    try {
      return await step(signal);
    } catch (error) {
      if (control.signal.aborted) throw aborted();
      // Only pause() and cancel() abort a segment, and this isn't a cancel: the step was paused.
      // The upload may already be running again (a nested step waited for resume() itself), so
      // the retry can't depend on it still being paused.
      if (signal.aborted) continue;
      throw error;
    }
  }
}

/**
 * A broker call that survives pauses and outages: ky already retried 408/429/5xx with backoff
 * (`retry.maxAttempts` attempts); what still fails for lack of a network, or because the broker
 * stopped answering, is waited out (see `createWaits`) and tried again.
 */
export async function brokerCall<T>(
  context: RunContext,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const waits = createWaits(context);
  return pausable(context, async (signal) => {
    for (;;) {
      try {
        const result = await call(signal);
        waits.back();
        return result;
      } catch (error) {
        if (signal.aborted || !(await waits.waitOut(error))) throw toUploadError(error);
      }
    }
  });
}

export interface Waits {
  /** Waits out `error` if it is being offline or an absent broker: true to try again, uncounted. */
  waitOut(error: unknown): Promise<boolean>;
  /** A request went through: a broker that was away is back. */
  back(): void;
}

/**
 * What isn't the upload's fault is waited out. Offline: until the `online` event, however long.
 * A broker that gives no answer, or only a gateway's 502/503/504 (a restart, a short outage): with
 * backoff, for at most `reconnectPatienceMs` since it went silent, reading `reconnecting`
 * meanwhile; after that the upload fails, and a retry resumes it from the parts B2 holds.
 */
export function createWaits(context: RunContext): Waits {
  const { deps, settings } = context;
  let awaySince: number | undefined;
  let tries = 0;
  return {
    async waitOut(error) {
      if (isNoAnswer(error) && !deps.connectivity.isOnline()) {
        context.report({ type: 'away', away: 'offline' });
        await pausable(context, (signal) => deps.connectivity.whenOnline(signal));
        context.report({ type: 'back' });
        return true;
      }
      if (!isBrokerError(error) || error.code !== 'unavailable') return false;
      const now = deps.now();
      awaySince ??= now;
      const left = awaySince + settings.reconnectPatienceMs - now;
      if (left <= 0) return false;
      tries += 1;
      context.report({ type: 'away', away: 'reconnecting' });
      const delay = Math.min(left, backoffDelay(tries, settings.retry, error.retryAfterSeconds));
      await pausable(context, (signal) => settings.retry.sleep(delay, signal));
      return true;
    },
    back() {
      if (awaySince === undefined) return;
      awaySince = undefined;
      tries = 0;
      context.report({ type: 'back' });
    },
  };
}

/**
 * The run's hooks into the one upload retry loop (`withUploadRetries`): an attempt interrupted by
 * pause() runs again after resume(), uncounted, on a fresh URL; what `waits` waits out (offline, an
 * absent broker) is not counted either. `stop` ends every attempt (a sibling part failed for good).
 */
export function runRetryHooks(context: RunContext, waits: Waits, stop?: AbortSignal): UploadRetryHooks {
  const { control } = context;
  return {
    async attemptSignal() {
      await control.whilePaused();
      if (control.signal.aborted || stop?.aborted) throw aborted();
      return stop ? AbortSignal.any([control.segment(), stop]) : control.segment();
    },
    interrupted: (signal) => signal?.aborted === true && !control.signal.aborted && !stop?.aborted,
    waitedOut: (error) => waits.waitOut(error),
  };
}

/** A request that got no answer at all (not one the caller aborted). */
function isNoAnswer(error: unknown): boolean {
  if (isB2Error(error)) return error.status === 0 && error.code !== 'aborted';
  return isBrokerError(error) && error.status === 0;
}
