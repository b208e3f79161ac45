import { B2Error } from '../b2/errors.js';
import { parseRetryAfter } from '../b2/retry.js';
import type { B2ErrorBody, Part } from '../b2/wire.js';
import type { PartTarget } from './broker-client.js';
import { HEX_DIGITS_AT_END } from '../b2/wire.js';
import type { Send, SendHashed, SendResponse } from './transport.js';

interface PartRequestBase {
  target: PartTarget;
  partNumber: number;
  signal?: AbortSignal;
  onProgress?: (loaded: number) => void;
  /** See SendRequest.stallTimeoutMs. */
  stallTimeoutMs?: number;
}

export interface SendPartRequest extends PartRequestBase {
  body: Blob;
  sha1: string;
  send: Send;
}

export interface SendPartHashingRequest extends PartRequestBase {
  file: Blob;
  start: number;
  end: number;
  sendHashed: SendHashed;
}

function partHeaders(request: PartRequestBase, sha1: string): Record<string, string> {
  return {
    Authorization: request.target.authorizationToken,
    'X-Bz-Part-Number': String(request.partNumber),
    'X-Bz-Content-Sha1': sha1,
  };
}

/**
 * One b2_upload_part request straight to B2. Throws a B2Error carrying B2's own
 * status and code (or status 0 when no answer came), which `decideUploadRetry` classifies.
 */
export async function sendPart(request: SendPartRequest): Promise<Part> {
  const response = await request.send({
    url: request.target.uploadUrl,
    method: 'POST',
    headers: partHeaders(request, request.sha1),
    body: request.body,
    signal: request.signal,
    onProgress: request.onProgress,
    stallTimeoutMs: request.stallTimeoutMs,
  });
  return partFrom(response, request.sha1);
}

/**
 * The same request with the SHA-1 computed while the bytes go out and appended after them
 * (`hex_digits_at_end`), so each byte is read once. B2 checks the trailing digits
 * against what it received, exactly as it checks a SHA-1 header.
 */
export async function sendPartHashing(request: SendPartHashingRequest): Promise<Part> {
  const response = await request.sendHashed({
    url: request.target.uploadUrl,
    method: 'POST',
    headers: partHeaders(request, HEX_DIGITS_AT_END),
    file: request.file,
    start: request.start,
    end: request.end,
    signal: request.signal,
    onProgress: request.onProgress,
    stallTimeoutMs: request.stallTimeoutMs,
  });
  return partFrom(response, response.sha1);
}

function partFrom(response: SendResponse, sha1: string): Part {
  if (response.status === 200) {
    const part = parseJson<Part>(response.text);
    if (part && part.contentSha1 === sha1) return part;
    throw new B2Error({
      status: 200,
      code: 'invalid_response',
      message: 'B2 answered with an unexpected part',
    });
  }
  const body = parseJson<Partial<B2ErrorBody>>(response.text);
  const retryAfterSeconds = parseRetryAfter(response.headers['retry-after'] ?? null);
  throw new B2Error({
    status: response.status,
    code: typeof body?.code === 'string' ? body.code : `http_${response.status}`,
    message: typeof body?.message === 'string' ? body.message : `B2 answered ${response.status}`,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  });
}

function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
