/**
 * How one part's bytes reach storage: the seam between the engine's one retry/URL loop
 * (`withUploadRetries` over an upload-URL pool, the same the B2 client uses) and a transport.
 * `b2PartPort` speaks b2_upload_part over the platform's sender: XHR with progress and a stall
 * timer in browsers, Node's hashing sender. Another storage API is another port.
 */
import { B2Error } from '../b2/errors.js';
import { errorFromAnswer, parseJsonAnswer } from '../b2/http.js';
import type { UploadTarget } from '../b2/target-upload.js';
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
    async send(attempt) {
      const common = {
        url: attempt.target.uploadUrl,
        method: 'POST' as const,
        signal: attempt.signal,
        onProgress: attempt.onProgress,
        stallTimeoutMs: attempt.stallTimeoutMs,
      };
      const headers = (sha1: string) =>
        partUploadHeaders(attempt.partNumber, attempt.target.authorizationToken, sha1);
      if (attempt.sha1 === undefined && sendHashed) {
        const { file, start, end } = attempt;
        const response = await sendHashed({
          ...common,
          headers: headers(HEX_DIGITS_AT_END),
          file,
          start,
          end,
        });
        return storedSha1(response, response.sha1);
      }
      if (attempt.sha1 === undefined) throw new TypeError('a part without a SHA-1 needs a hashing sender');
      const body = attempt.file.slice(attempt.start, attempt.end);
      return storedSha1(await send({ ...common, headers: headers(attempt.sha1), body }), attempt.sha1);
    },
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
