/**
 * Uploading bytes to an upload URL: one attempt (needs only the URL's own token, never the account
 * token, so a browser can use targets handed out by a server-side broker), and B2's upload retry loop
 * rule 1 that swaps URLs on failure.
 */

import { byteLength, type ContentSha1, type PreparedBody, prepareBody, type UploadBody } from './body.js';
import type { CustomerKey } from './encryption.js';
import { isB2Error } from './errors.js';
import { createTransport, errorFromResponse, type FetchFunction, readJson, type Transport } from './http.js';
import { type ProgressCallback, withUploadProgress } from './progress.js';
import { backoffDelay, decideUploadRetry, type ResolvedRetryOptions, type UploadDecision } from './retry.js';
import { type FileUploadFields, fileUploadHeaders, partUploadHeaders } from './upload-headers.js';
import type { FileVersion, Part, TestMode } from './wire.js';

/** An upload URL and its token, from b2_get_upload_url or b2_get_upload_part_url. */
export interface UploadTarget {
  uploadUrl: string;
  authorizationToken: string;
}

export interface FileUploadRequest extends FileUploadFields {
  body: UploadBody;
  /** See ContentSha1. Default: computed by the client and sent in the header. */
  contentSha1?: ContentSha1;
  /** Bytes handed to the connection, from 0 again on each attempt (Node, Deno, Bun). Default none. */
  onUploadProgress?: ProgressCallback;
  signal?: AbortSignal;
}

export interface PartUploadRequest {
  /** 1..10000. */
  partNumber: number;
  body: UploadBody;
  /** See ContentSha1. Default: computed by the client and sent in the header. */
  contentSha1?: ContentSha1;
  /** The SSE-C key the large file was started with. Default none. */
  encryption?: CustomerKey;
  /** Bytes handed to the connection, from 0 again on each attempt (Node, Deno, Bun). Default none. */
  onUploadProgress?: ProgressCallback;
  signal?: AbortSignal;
}

/** Options of the standalone target uploads. */
export interface TargetUploadOptions {
  /** fetch implementation. Default globalThis.fetch. */
  fetch?: FetchFunction;
  /** ms until response headers (the body is sent first); false for none. Default false. */
  timeout?: number | false;
  /** X-Bz-Test-Mode for the real service's failure injection. Default none. */
  testMode?: TestMode;
}

/**
 * Uploads a whole small file to one upload target: a single attempt, no account token needed.
 * Throws B2Error; feed it to `decideUploadRetry` to learn whether to retry with another target.
 */
export async function uploadFileToTarget(
  target: UploadTarget,
  request: FileUploadRequest,
  options: TargetUploadOptions = {},
): Promise<FileVersion> {
  const prepared = await prepareBody(request.body, request.contentSha1);
  return postFile(
    createTransport(options.fetch),
    target,
    request,
    prepared,
    attemptSettings(options, request),
  );
}

/** Uploads one part of a large file to one part-upload target: a single attempt, as above. */
export async function uploadPartToTarget(
  target: UploadTarget,
  request: PartUploadRequest,
  options: TargetUploadOptions = {},
): Promise<Part> {
  const prepared = await prepareBody(request.body, request.contentSha1);
  return postPart(
    createTransport(options.fetch),
    target,
    request.partNumber,
    prepared,
    attemptSettings(options, request),
    request.encryption,
  );
}

export interface AttemptSettings {
  timeout: number | false;
  testMode: TestMode | undefined;
  signal: AbortSignal | undefined;
  /** Upload progress of this attempt; set, the body is streamed with an explicit Content-Length. */
  onProgress?: ProgressCallback | undefined;
}

function attemptSettings(
  options: TargetUploadOptions,
  request: { signal?: AbortSignal; onUploadProgress?: ProgressCallback },
): AttemptSettings {
  return {
    timeout: options.timeout ?? false,
    testMode: options.testMode,
    signal: request.signal,
    onProgress: request.onUploadProgress,
  };
}

export async function postFile(
  transport: Transport,
  target: UploadTarget,
  fields: FileUploadFields,
  prepared: PreparedBody,
  settings: AttemptSettings,
): Promise<FileVersion> {
  const headers = fileUploadHeaders(
    fields,
    target.authorizationToken,
    prepared.sha1Header,
    settings.testMode,
  );
  return post<FileVersion>(transport, target, headers, prepared, settings);
}

export async function postPart(
  transport: Transport,
  target: UploadTarget,
  partNumber: number,
  prepared: PreparedBody,
  settings: AttemptSettings,
  encryption?: CustomerKey,
): Promise<Part> {
  const headers = partUploadHeaders(
    partNumber,
    target.authorizationToken,
    prepared.sha1Header,
    settings.testMode,
    encryption,
  );
  return post<Part>(transport, target, headers, prepared, settings);
}

async function post<T>(
  transport: Transport,
  target: UploadTarget,
  headers: Record<string, string>,
  prepared: PreparedBody,
  settings: AttemptSettings,
): Promise<T> {
  const { payload } = prepared;
  const progress = settings.onProgress;
  const response = await transport.send(target.uploadUrl, {
    method: 'POST',
    // A streamed body has no length of its own: state it, or fetch would send it chunked.
    headers: progress ? { ...headers, 'Content-Length': String(byteLength(payload)) } : headers,
    body: progress ? withUploadProgress(payload, progress) : payload,
    timeout: settings.timeout,
    ...(settings.signal ? { signal: settings.signal } : {}),
  });
  if (!response.ok) throw await errorFromResponse(response);
  return readJson<T>(response, settings.signal);
}

/**
 * Where upload targets come from and go back to. `acquire` must hand out a target no other request
 * is using (B2 answers concurrent use with 400 auth_token_limit).
 */
export interface UploadTargetSource<T extends UploadTarget = UploadTarget> {
  acquire(signal?: AbortSignal): Promise<T>;
  /** The upload succeeded (or never started): the target may serve the next upload (serially). */
  release(target: T): void;
  /** The upload failed on this target: never use it again. */
  discard(target: T): void;
}

/** What the loop does after a failed attempt, with the server's Retry-After when it sent one. */
export type RetryDecision = UploadDecision & { retryAfterSeconds?: number | undefined };

/**
 * Where a caller plugs its own waiting into the loop. The SDK's engine uses them for pause (an
 * interrupted attempt runs again on resume, uncounted) and for being offline (a failure without an
 * answer waits for the network, uncounted); with none, the loop is B2's plain retry rule.
 */
export interface UploadRetryHooks {
  /** The signal the next attempt runs under; may wait (e.g. while paused). Default: the loop's signal. */
  attemptSignal?(): Promise<AbortSignal | undefined>;
  /** True when an attempt ended because its signal was interrupted (a pause): run it again, uncounted. */
  interrupted?(signal: AbortSignal | undefined): boolean;
  /** After a retryable failure: true once a wait made it moot (the network is back), so it is not counted. */
  waitedOut?(error: unknown, signal: AbortSignal | undefined): Promise<boolean>;
  /** Classifies a failure. Default: B2Errors by `decideUploadRetry`; anything else ends the loop. */
  decide?(error: unknown): RetryDecision;
}

/** B2's upload rule for B2Errors; anything else is not retried. */
export function decideB2Upload(error: unknown): RetryDecision {
  if (!isB2Error(error)) return { retry: false };
  return { ...decideUploadRetry(error), retryAfterSeconds: error.retryAfterSeconds };
}

/**
 * B2's upload retry rule: try up to `retry.uploadAttempts` attempts, dropping the URL after 408/5xx/network/
 * timeout/expired-or-bad upload token/auth_token_limit and getting a fresh one; 429 keeps its URL and
 * waits; other 4xx fail at once. `attempt` must re-send the body from its first byte (a PreparedBody
 * does). The one loop behind every upload of file or part, in the B2 client and in the SDK's engine
 * (through `hooks`).
 */
export async function withUploadRetries<T extends UploadTarget, R>(
  source: UploadTargetSource<T>,
  attempt: (target: T, signal: AbortSignal | undefined) => Promise<R>,
  retry: Pick<
    ResolvedRetryOptions,
    'uploadAttempts' | 'initialDelayMs' | 'multiplier' | 'maxDelayMs' | 'random' | 'sleep'
  >,
  signal?: AbortSignal,
  hooks: UploadRetryHooks = {},
): Promise<R> {
  const decide = hooks.decide ?? decideB2Upload;
  const interrupted = (attemptSignal: AbortSignal | undefined) => hooks.interrupted?.(attemptSignal) ?? false;
  let target: T | undefined;
  try {
    for (let failures = 0; ;) {
      const attemptSignal = hooks.attemptSignal ? await hooks.attemptSignal() : signal;
      const current: T = target ?? (await source.acquire(attemptSignal));
      target = current;
      if (attemptSignal?.aborted && interrupted(attemptSignal)) {
        // Interrupted while the target was fetched: it was never used, so it stays good.
        target = undefined;
        source.release(current);
        continue;
      }
      let error: unknown;
      try {
        const result = await attempt(current, attemptSignal);
        target = undefined;
        source.release(current);
        return result;
      } catch (thrown) {
        error = thrown;
      }
      if (interrupted(attemptSignal)) {
        // B2 may still be reading the aborted request: the URL is not reused.
        target = undefined;
        source.discard(current);
        continue;
      }
      const decision = decide(error);
      if (!decision.retry) throw error;
      if (decision.dropUrl) {
        target = undefined;
        source.discard(current);
      }
      if (await hooks.waitedOut?.(error, attemptSignal)) continue;
      failures++;
      if (failures >= retry.uploadAttempts) throw error;
      if (!decision.backoff) continue;
      try {
        await retry.sleep(backoffDelay(failures, retry, decision.retryAfterSeconds), attemptSignal);
      } catch (thrown) {
        if (!interrupted(attemptSignal)) throw thrown;
      }
    }
  } finally {
    // Any failure that ends the loop leaves the held target in an unknown state: never reuse it.
    if (target) source.discard(target);
  }
}
