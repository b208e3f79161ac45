/**
 * Download requests with B2's download retry rules: back off on 5xx/network, renew an
 * expired account token, never retry 404/416. Retries cover getting the response headers only.
 */
import {
  buildDownloadUrl,
  type DownloadLocator,
  type DownloadOptions,
  type DownloadResponse,
  downloadHeaders,
  type HeadResponse,
  parseDownloadHeaders,
} from './download-request.js';
import { B2Error } from './errors.js';
import { errorFromResponse } from './http.js';
import { type CallContext, withAccountRetries } from './json-call.js';
import { withDownloadProgress } from './progress.js';

export interface Downloader {
  get(locator: DownloadLocator, options?: DownloadOptions): Promise<DownloadResponse>;
  head(locator: DownloadLocator, options?: DownloadOptions): Promise<HeadResponse>;
}

export function createDownloader(context: CallContext): Downloader {
  const fetchDownload = (method: 'GET' | 'HEAD', locator: DownloadLocator, options: DownloadOptions) => {
    const explicitToken = options.authorization;
    let headRenewed = false;
    return withAccountRetries(
      context,
      async (authorization) => {
        const token = explicitToken === undefined ? authorization.authorizationToken : explicitToken;
        const url = buildDownloadUrl(authorization.downloadUrl, locator, {
          apiVersion: context.apiVersion,
          ...(options.overrides ? { overrides: options.overrides } : {}),
        });
        const response = await context.transport.send(url, {
          method,
          headers: downloadHeaders(token, options),
          timeout: context.timeout,
          ...(options.signal ? { signal: options.signal } : {}),
        });
        if (response.ok) return response;
        const canAskAgain = explicitToken === undefined && !headRenewed && context.retry.maxAttempts > 1;
        if (method === 'HEAD' && response.status === 401 && canAskAgain) {
          // A HEAD answer has no body, so its 401 can't say `expired_auth_token`. Like b2sdk
          // (B2 docs, "Handling errors"), take it for an expired account token once: re-authorize and
          // ask again. A second 401 is a real `unauthorized`.
          headRenewed = true;
          throw new B2Error({ status: 401, code: 'expired_auth_token', message: 'HEAD 401 without a code' });
        }
        throw await errorFromResponse(response);
      },
      { signal: options.signal, usesAccountToken: explicitToken === undefined },
    );
  };

  return {
    async get(locator, options = {}) {
      const response = await fetchDownload('GET', locator, options);
      const file = parseDownloadHeaders(response.headers);
      const body =
        response.body ?? new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
      return {
        status: response.status,
        file,
        headers: response.headers,
        body: options.onProgress ? withDownloadProgress(body, file.contentLength, options.onProgress) : body,
      };
    },
    async head(locator, options = {}) {
      const response = await fetchDownload('HEAD', locator, options);
      return {
        status: response.status,
        file: parseDownloadHeaders(response.headers),
        headers: response.headers,
      };
    },
  };
}
