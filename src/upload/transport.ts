import { B2Error } from '../b2/errors.js';

/**
 * Sends one Blob body and reports upload progress. Browsers: XMLHttpRequest, the only API with
 * upload progress over HTTP/1.1 (fetch can't stream request bodies there), and a Blob body lets the
 * browser stream the bytes from disk instead of copying them into JS memory. Node: fetch, with
 * progress reported once the body is sent.
 */
export interface SendRequest {
  url: string;
  method: 'POST' | 'PUT';
  headers: Record<string, string>;
  body: Blob;
  signal?: AbortSignal | undefined;
  onProgress?: ((loaded: number) => void) | undefined;
}

export interface SendResponse {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  text: string;
}

// No HTTP answer at all (a reset, a refused connection, a timeout, an abort) is a B2Error with
// status 0 and a client code, the same shape the B2 client's retry rules already classify.
function noAnswer(code: 'network_error' | 'timeout' | 'aborted', message: string): B2Error {
  return new B2Error({ status: 0, code, message });
}

export type Send = (request: SendRequest) => Promise<SendResponse>;

export function defaultSend(): Send {
  return typeof XMLHttpRequest === 'function' ? sendWithXhr : sendWithFetch;
}

function sendWithXhr(request: SendRequest): Promise<SendResponse> {
  return new Promise((resolve, reject) => {
    if (request.signal?.aborted) return reject(noAnswer('aborted', 'aborted before sending'));
    const xhr = new XMLHttpRequest();
    xhr.open(request.method, request.url);
    for (const [name, value] of Object.entries(request.headers)) xhr.setRequestHeader(name, value);
    const onAbort = () => xhr.abort();
    request.signal?.addEventListener('abort', onAbort, { once: true });
    const settle = () => request.signal?.removeEventListener('abort', onAbort);
    if (request.onProgress) {
      const onProgress = request.onProgress;
      xhr.upload.onprogress = (event) => onProgress(event.loaded);
    }
    xhr.onload = () => {
      settle();
      resolve({
        status: xhr.status,
        headers: parseHeaders(xhr.getAllResponseHeaders()),
        text: xhr.responseText,
      });
    };
    xhr.onerror = () => {
      settle();
      reject(noAnswer('network_error', `network error sending to ${new URL(request.url).host}`));
    };
    xhr.ontimeout = () => {
      settle();
      reject(noAnswer('timeout', 'request timed out'));
    };
    xhr.onabort = () => {
      settle();
      reject(noAnswer('aborted', 'request aborted'));
    };
    xhr.send(request.body);
  });
}

async function sendWithFetch(request: SendRequest): Promise<SendResponse> {
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: request.signal ?? null,
    });
  } catch (error) {
    if (request.signal?.aborted) throw noAnswer('aborted', 'request aborted');
    throw noAnswer('network_error', `network error: ${(error as Error).message}`);
  }
  request.onProgress?.(request.body.size);
  let text: string;
  try {
    text = await response.text();
  } catch {
    throw noAnswer(
      request.signal?.aborted ? 'aborted' : 'network_error',
      'connection lost reading the answer',
    );
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return { status: response.status, headers, text };
}

function parseHeaders(raw: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of raw.trim().split(/[\r\n]+/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}
