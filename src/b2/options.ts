/** Options of createB2Client, declared and defaulted once. */
import type { FetchFunction } from './http.js';
import { type ResolvedRetryOptions, type RetryOptions, resolveRetryOptions } from './retry.js';
import type { ApiVersion, TestMode } from './wire.js';

export interface B2ClientOptions {
  /** Application key id (the account id works for the master key). Required. */
  applicationKeyId: string;
  /** Application key secret. Required. Keep it on a server: a browser should get upload targets instead. */
  applicationKey: string;
  /** Base URL of b2_authorize_account. Default 'https://api.backblazeb2.com'. */
  realm?: string;
  /** API version in every path; all three authorize shapes are understood either way. Default 'v4'. */
  apiVersion?: ApiVersion;
  /** fetch implementation (for tests, proxies, or older runtimes). Default globalThis.fetch. */
  fetch?: FetchFunction;
  /** ms to wait for response headers of JSON calls, authorize and downloads; false for none. Default 60000. */
  timeout?: number | false;
  /** ms to wait for response headers of uploads, counted from the start of the body; false for none. Default false. */
  uploadTimeout?: number | false;
  /** Retry tuning (attempts, backoff, injectable sleep and random). Defaults: see RetryOptions. */
  retry?: RetryOptions;
  /** X-Bz-Test-Mode sent on every call but authorize, to make the real service inject failures. Default none. */
  testMode?: TestMode;
}

export interface ResolvedClientOptions {
  applicationKeyId: string;
  applicationKey: string;
  realm: string;
  apiVersion: ApiVersion;
  fetch: FetchFunction | undefined;
  timeout: number | false;
  uploadTimeout: number | false;
  retry: ResolvedRetryOptions;
  testMode: TestMode | undefined;
}

export function resolveClientOptions(options: B2ClientOptions): ResolvedClientOptions {
  if (!options.applicationKeyId || !options.applicationKey) {
    throw new TypeError('applicationKeyId and applicationKey are required');
  }
  return {
    applicationKeyId: options.applicationKeyId,
    applicationKey: options.applicationKey,
    realm: options.realm ?? 'https://api.backblazeb2.com',
    apiVersion: options.apiVersion ?? 'v4',
    fetch: options.fetch,
    timeout: options.timeout ?? 60_000,
    uploadTimeout: options.uploadTimeout ?? false,
    retry: resolveRetryOptions(options.retry),
    testMode: options.testMode,
  };
}
