import { B2Error } from '../b2/errors.js';
import { parseRetryAfter } from '../b2/retry.js';
import type { B2ErrorBody, Part } from '../b2/wire.js';
import type { PartTarget } from './broker-client.js';
import type { Send } from './transport.js';

export interface SendPartRequest {
  target: PartTarget;
  partNumber: number;
  body: Blob;
  sha1: string;
  send: Send;
  signal?: AbortSignal;
  onProgress?: (loaded: number) => void;
  /** See SendRequest.stallTimeoutMs. */
  stallTimeoutMs?: number;
}

/**
 * One b2_upload_part request straight to B2 (reference §2.10). Throws a B2Error carrying B2's own
 * status and code (or status 0 when no answer came), which `decideUploadRetry` classifies.
 */
export async function sendPart(request: SendPartRequest): Promise<Part> {
  const response = await request.send({
    url: request.target.uploadUrl,
    method: 'POST',
    headers: {
      Authorization: request.target.authorizationToken,
      'X-Bz-Part-Number': String(request.partNumber),
      'X-Bz-Content-Sha1': request.sha1,
    },
    body: request.body,
    signal: request.signal,
    onProgress: request.onProgress,
    stallTimeoutMs: request.stallTimeoutMs,
  });
  if (response.status === 200) {
    const part = parseJson<Part>(response.text);
    if (part && part.contentSha1 === request.sha1) return part;
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
