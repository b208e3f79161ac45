import { isB2Error } from '../b2/errors.js';
import type { UploadRetryHooks } from '../b2/upload.js';
import { type BrokerClient, type BrokerConfig, isBrokerError } from './broker-client.js';
import type { Connectivity } from './gates.js';
import type { Hasher } from './hasher.js';
import type { RunSettings } from './options.js';
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
          context.report({ type: 'away', away: 'offline' });
          await context.deps.connectivity.whenOnline(signal);
          context.report({ type: 'back' });
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
  const { control } = context;
  return {
    async attemptSignal() {
      await control.whilePaused();
      if (control.signal.aborted || stop?.aborted) throw aborted();
      return stop ? AbortSignal.any([control.segment(), stop]) : control.segment();
    },
    interrupted: (signal) => signal?.aborted === true && !control.signal.aborted && !stop?.aborted,
    async waitedOut(error) {
      if (!isNoAnswer(error) || connectivity.isOnline()) return false;
      context.report({ type: 'away', away: 'offline' });
      await pausable(context, (signal) => connectivity.whenOnline(signal));
      context.report({ type: 'back' });
      return true;
    },
  };
}

/** A request that got no answer at all (not one the caller aborted). */
function isNoAnswer(error: unknown): boolean {
  if (isB2Error(error)) return error.status === 0 && error.code !== 'aborted';
  return isBrokerError(error) && error.status === 0;
}
