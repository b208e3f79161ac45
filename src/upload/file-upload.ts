import type { UploadResult, UploadSession } from './broker-client.js';
import { aborted, type RunContext, type RunSettings, toUploadError, type UploadDeps } from './context.js';
import type { UploadError } from './errors.js';
import type { Progress, ProgressTracker } from './progress.js';
import {
  INITIAL_STATUS,
  reduceStatus,
  type RunEvent,
  type RunOutcome,
  type RunStatus,
  type StatusEvent,
  stateOf,
  type UploadState,
} from './run-status.js';

export type { UploadState } from './run-status.js';

/** Everything an app shows about one upload; a new object on every change (safe for React/Vue). */
export interface UploadSnapshot extends Progress {
  id: string;
  name: string;
  state: UploadState;
  /** True when this upload continued one started earlier (after a reload or crash). */
  resumed: boolean;
  error: UploadError | undefined;
  result: UploadResult | undefined;
}

export interface UploadFileOptions {
  /** The name the user sees; the broker decides the final B2 name. Default: the File's name. */
  name?: string;
  /** Default: the File's type, else `application/octet-stream`. */
  contentType?: string;
  /** App file info, passed to the broker (string values). Default none. */
  info?: Record<string, string>;
  /** Aborting it cancels the upload, like `cancel()`. */
  signal?: AbortSignal;
  /** Called on every change of the snapshot (progress, state). */
  onProgress?: (snapshot: UploadSnapshot) => void;
}

export type Runner = (context: RunContext) => Promise<UploadResult>;

let nextId = 0;

/** One file on its way to B2. `done` settles once; progress goes through `subscribe`. */
export class Upload {
  readonly id: string;
  readonly file: Blob;
  /** Resolves with the finished file, or rejects with an UploadError. */
  readonly done: Promise<UploadResult>;

  #status: RunStatus = INITIAL_STATUS;
  #progress: ProgressTracker | undefined;
  #resumed = false;
  #error: UploadError | undefined;
  #result: UploadResult | undefined;
  #snapshot: UploadSnapshot;
  #listeners = new Set<(snapshot: UploadSnapshot) => void>();
  /** Woken by resume() and cancel(). */
  #paused: (() => void)[] = [];
  #segment = new AbortController();
  #cancel = new AbortController();
  #session: { session: UploadSession; key: string } | undefined;
  #cleanup: Promise<void> | undefined;
  readonly #deps: UploadDeps;

  constructor(
    file: Blob,
    options: UploadFileOptions,
    deps: UploadDeps,
    settings: RunSettings,
    runner: Runner,
  ) {
    this.id = `upload-${++nextId}`;
    this.file = file;
    this.#deps = deps;
    const name = options.name ?? ('name' in file ? (file as File).name : 'blob');
    this.#snapshot = this.#makeSnapshot(name);
    if (options.onProgress) this.#listeners.add(options.onProgress);
    options.signal?.addEventListener('abort', () => void this.cancel(), { once: true });

    const context: RunContext = {
      file,
      name,
      contentType: options.contentType || file.type || 'application/octet-stream',
      lastModified: 'lastModified' in file ? (file as File).lastModified : deps.now(),
      info: options.info ?? {},
      deps,
      settings,
      control: {
        signal: this.#cancel.signal,
        segment: () => this.#segment.signal,
        whilePaused: () =>
          this.#status.paused && !this.#cancel.signal.aborted
            ? new Promise<void>((resolve) => this.#paused.push(resolve))
            : Promise.resolve(),
      },
      report: (event) => this.#report(event),
    };
    this.done = (async () => {
      if (options.signal?.aborted) throw aborted();
      await Promise.resolve();
      try {
        const result = await runner(context);
        this.#result = result;
        this.#settle('done');
        return result;
      } catch (error) {
        const cancelled = this.#cancel.signal.aborted;
        const failure = cancelled ? aborted() : toUploadError(error);
        this.#error = failure;
        this.#settle(cancelled ? 'cancelled' : 'failed');
        throw failure;
      }
    })();
    // The promise is the API; an app that only subscribes must not see an unhandled rejection.
    this.done.catch(() => undefined);
  }

  /** Stops sending after aborting requests in flight; `resume()` continues from the parts done. */
  pause(): void {
    if (this.#isOver() || this.#status.paused) return;
    this.#segment.abort();
    this.#apply({ type: 'pause' });
  }

  resume(): void {
    if (this.#isOver() || !this.#status.paused) return;
    this.#segment = new AbortController();
    this.#apply({ type: 'resume' });
    this.#wake();
  }

  /**
   * Stops the upload for good: cancels the unfinished large file in B2 and forgets its resume
   * record. Resolves when that clean-up is done.
   */
  cancel(): Promise<void> {
    if (this.#cleanup) return this.#cleanup;
    if (this.#isOver()) return Promise.resolve();
    this.#cancel.abort();
    this.#segment.abort();
    this.#wake();
    this.#cleanup = this.done.then(
      () => undefined,
      async () => {
        const started = this.#session;
        if (!started) return;
        await this.#deps.broker.cancel(started.session).catch(() => undefined);
        await this.#deps.resumeStore.delete(started.key).catch(() => undefined);
      },
    );
    return this.#cleanup;
  }

  snapshot(): UploadSnapshot {
    return this.#snapshot;
  }

  subscribe(listener: (snapshot: UploadSnapshot) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #isOver(): boolean {
    return this.#status.outcome !== undefined;
  }

  #wake(): void {
    for (const wake of this.#paused.splice(0)) wake();
  }

  /** A run's report: progress and facts are kept, state changes go through the reducer. */
  #report(event: RunEvent): void {
    switch (event.type) {
      case 'sending':
        this.#progress = event.progress;
        return this.#emit();
      case 'progress':
        return this.#emit();
      case 'resumed':
        this.#resumed = true;
        return this.#emit();
      case 'started':
        this.#session = { session: event.session, key: event.key };
        return;
      default:
        return this.#apply(event);
    }
  }

  #settle(outcome: RunOutcome): void {
    this.#apply({ type: 'settled', outcome });
  }

  /** Emits only when the state an app sees changed. */
  #apply(event: StatusEvent): void {
    const before = stateOf(this.#status);
    this.#status = reduceStatus(this.#status, event);
    if (stateOf(this.#status) !== before) this.#emit();
  }

  #emit(): void {
    this.#snapshot = this.#makeSnapshot(this.#snapshot.name);
    for (const listener of this.#listeners) listener(this.#snapshot);
  }

  #makeSnapshot(name: string): UploadSnapshot {
    const progress = this.#progress?.snapshot() ?? {
      bytesSent: 0,
      bytesTotal: this.file.size,
      partsDone: 0,
      partsTotal: 0,
      rate: 0,
      eta: undefined,
    };
    return {
      ...progress,
      id: this.id,
      name,
      state: stateOf(this.#status),
      resumed: this.#resumed,
      error: this.#error,
      result: this.#result,
    };
  }
}
