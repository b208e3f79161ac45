/**
 * How one part's bytes reach storage: the seam between the engine's one retry/URL loop
 * (`withUploadRetries` over an upload-URL pool, the same the B2 client uses) and a transport.
 * `b2PartPort` speaks b2_upload_part over the platform's sender: XHR with progress and a stall
 * timer in browsers, Node's hashing sender. Another storage API is another port: `s3PartPort`
 * sends presigned S3 UploadPart requests through the same senders.
 */
import { B2Error } from '../b2/errors.js';
import { errorFromAnswer, parseJsonAnswer } from '../b2/http.js';
import { decideB2Upload, type RetryDecision, type UploadTarget } from '../b2/target-upload.js';
import { partUploadHeaders } from '../b2/upload-headers.js';
import { HEX_DIGITS_AT_END, type Part } from '../b2/wire.js';
import type { Send, SendHashed, SendResponse } from './transport.js';

/** One attempt to send part `partNumber` (bytes `start`..`end` of `file`) to one target. */
export interface PartAttempt {
  target: UploadTarget;
  partNumber: number;
  file: Blob;
  start: number;
  end: number;
  /** The part's SHA-1, hashed ahead; undefined when the port hashes on the way out. */
  sha1: string | undefined;
  signal: AbortSignal | undefined;
  onProgress: (loaded: number) => void;
  /** See SendRequest.stallTimeoutMs. */
  stallTimeoutMs: number;
}

export interface PartPort {
  /** True when the port hashes each part as it sends it: the engine then hashes nothing ahead. */
  readonly hashesOnTheWay: boolean;
  /** How the retry loop classifies this port's failures (`UploadRetryHooks.decide`). */
  decide(error: unknown): RetryDecision;
  /**
   * Resolves with the part's SHA-1 as the server stored it. Rejects with a B2Error (B2's status
   * and code, or status 0 when no answer came), which the retry loop classifies.
   */
  send(attempt: PartAttempt): Promise<string>;
}

/**
 * b2_upload_part straight to B2. Where the platform streams request bodies (`sendHashed`, Node),
 * the SHA-1 is computed on the way out and appended after the bytes (`hex_digits_at_end`), so each
 * byte is read once; B2 checks the trailing digits exactly as it checks a SHA-1 header.
 */
export function b2PartPort(send: Send, sendHashed?: SendHashed): PartPort {
  return {
    hashesOnTheWay: sendHashed !== undefined,
    decide: decideB2Upload,
    async send(attempt) {
      const { response, sha1 } = await sendPart(
        attempt,
        {
          method: 'POST',
          headers: (sha1) =>
            partUploadHeaders(
              attempt.partNumber,
              attempt.target.authorizationToken,
              sha1 ?? HEX_DIGITS_AT_END,
            ),
          appendSha1: true,
        },
        send,
        sendHashed,
      );
      return storedSha1(response, sha1);
    },
  };
}

/** How a port sends a part's bytes; `headers` gets undefined when the SHA-1 is hashed on the way. */
export interface PartRequest {
  method: 'POST' | 'PUT';
  headers: (sha1: string | undefined) => Record<string, string>;
  appendSha1: boolean;
}

/**
 * Sends the attempt's bytes: with `sendHashed` (hashing them on the way out) when no SHA-1 was
 * hashed ahead, else with `send`. Resolves with the answer and the SHA-1 of the bytes sent.
 */
export async function sendPart(
  attempt: PartAttempt,
  request: PartRequest,
  send: Send,
  sendHashed: SendHashed | undefined,
): Promise<{ response: SendResponse; sha1: string }> {
  const common = {
    url: attempt.target.uploadUrl,
    method: request.method,
    signal: attempt.signal,
    onProgress: attempt.onProgress,
    stallTimeoutMs: attempt.stallTimeoutMs,
  };
  const { file, start, end } = attempt;
  if (attempt.sha1 === undefined && sendHashed) {
    const response = await sendHashed({
      ...common,
      headers: request.headers(undefined),
      file,
      start,
      end,
      appendSha1: request.appendSha1,
    });
    return { response, sha1: response.sha1 };
  }
  if (attempt.sha1 === undefined) throw new TypeError('a part without a SHA-1 needs a hashing sender');
  const body = file.slice(start, end);
  return {
    response: await send({ ...common, headers: request.headers(attempt.sha1), body }),
    sha1: attempt.sha1,
  };
}

/** B2's answer to one part, read by the same rules as every other B2 answer (b2/http.ts). */
function storedSha1(response: SendResponse, sha1: string): string {
  if (response.status !== 200) {
    throw errorFromAnswer({
      status: response.status,
      retryAfter: response.headers['retry-after'],
      text: response.text,
    });
  }
  const part = parseJsonAnswer<Part>(response.status, response.text);
  if (part.contentSha1 === sha1) return part.contentSha1;
  throw new B2Error({
    status: 200,
    code: 'invalid_response',
    message: 'B2 answered with an unexpected part',
  });
}
