/**
 * The single place that touches ky: one attempt of one HTTP exchange, with every failure turned into
 * a B2Error. ky's own retry is off (retry: 0) because B2's rules need to know *which* URL and
 * token failed, which only the loops in json-call.ts / target-upload.ts / download.ts can know.
 */
import ky, { type KyInstance } from 'ky';
import { B2Error } from './errors.js';
import { abortedError, parseRetryAfter } from './retry.js';
import type { B2ErrorBody } from './wire.js';

export type FetchFunction = (input: Request, init?: RequestInit) => Promise<Response>;

export interface SendOptions {
  method: 'GET' | 'POST' | 'HEAD';
  headers: Record<string, string>;
  /** JSON request body (sets Content-Type: application/json). */
  json?: unknown;
  /**
   * Raw request body; Blob and Uint8Array let fetch send an exact Content-Length (B2 refuses chunked).
   * A stream needs its Content-Length header set by the caller.
   */
  body?: Blob | Uint8Array | ReadableStream<Uint8Array>;
  signal?: AbortSignal;
  /** ms until response headers, or false for none. */
  timeout: number | false;
}

export interface Transport {
  /** One attempt. Resolves with any HTTP response (2xx or not); rejects only with a B2Error. */
  send(url: string, options: SendOptions): Promise<Response>;
}

export function createTransport(fetch: FetchFunction | undefined): Transport {
  const http: KyInstance = ky.create({
    retry: 0,
    throwHttpErrors: false,
    ...(fetch ? { fetch: fetch as typeof globalThis.fetch } : {}),
  });
  return {
    async send(url, { method, headers, json, body, signal, timeout }) {
      if (signal?.aborted) throw abortedError(signal);
      try {
        return await http(url, {
          method,
          headers,
          timeout,
          ...(json === undefined ? {} : { json }),
          ...(body === undefined ? {} : { body: body as BodyInit }),
          ...(signal ? { signal } : {}),
        });
      } catch (error) {
        throw transportError(error, signal);
      }
    },
  };
}

/** Maps what fetch/ky throw (no HTTP response) to the closed set of client codes. */
export function transportError(error: unknown, signal?: AbortSignal): B2Error {
  if (error instanceof B2Error) return error;
  if (signal?.aborted) return abortedError(signal);
  if (error instanceof Error && error.name === 'TimeoutError') {
    return new B2Error({ status: 0, code: 'timeout', message: 'B2 did not answer in time', cause: error });
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new B2Error({
    status: 0,
    code: 'network_error',
    message: `Network failure: ${detail}`,
    cause: error,
  });
}

/**
 * Builds the B2Error of a non-2xx response from B2's `{status, code, message}` body. HEAD responses and
 * some proxies send no body; then the code is derived from the HTTP status so callers still get one.
 */
export async function errorFromResponse(response: Response): Promise<B2Error> {
  const text = await response.text().catch(() => '');
  return errorFromAnswer({
    status: response.status,
    statusText: response.statusText,
    retryAfter: response.headers.get('Retry-After'),
    text,
  });
}

/** An HTTP answer already read, whatever sent the request (fetch here, XHR or node:http in the SDK). */
export interface Answer {
  status: number;
  statusText?: string | undefined;
  /** The Retry-After header, if any. */
  retryAfter?: string | null | undefined;
  text: string;
}

/** The B2Error of a non-2xx answer: B2's own code and message, else ones derived from the status. */
export function errorFromAnswer(answer: Answer): B2Error {
  const retryAfterSeconds = parseRetryAfter(answer.retryAfter ?? null);
  const body = parseErrorBody(answer.text);
  return new B2Error({
    status: answer.status,
    code: body?.code || codeForStatus(answer.status),
    message: body?.message || `HTTP ${answer.status}${answer.statusText ? ` ${answer.statusText}` : ''}`,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  });
}

/** Parses a 2xx JSON body, failing with `invalid_response` rather than a SyntaxError. */
export async function readJson<T>(response: Response, signal?: AbortSignal): Promise<T> {
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    // The connection can still break while the body streams in.
    throw transportError(error, signal);
  }
  return parseJsonAnswer<T>(response.status, text);
}

/** A 2xx answer's JSON object, or an `invalid_response` B2Error. */
export function parseJsonAnswer<T>(status: number, text: string): T {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null) return value as T;
  } catch (cause) {
    throw invalidResponse(status, cause);
  }
  throw invalidResponse(status);
}

function invalidResponse(status: number, cause?: unknown): B2Error {
  return new B2Error({
    status,
    code: 'invalid_response',
    message: 'B2 returned a body that is not JSON',
    cause,
  });
}

function parseErrorBody(text: string): Partial<B2ErrorBody> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const { code, message } = value as Record<string, unknown>;
    return {
      ...(typeof code === 'string' ? { code } : {}),
      ...(typeof message === 'string' ? { message } : {}),
    };
  } catch {
    return undefined;
  }
}

const STATUS_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'access_denied',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  409: 'conflict',
  416: 'range_not_satisfiable',
  429: 'too_many_requests',
  500: 'internal_error',
  503: 'service_unavailable',
};

function codeForStatus(status: number): string {
  return STATUS_CODES[status] ?? (status >= 500 ? 'internal_error' : 'bad_request');
}
