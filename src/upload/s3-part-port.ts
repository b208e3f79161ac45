/**
 * A part sent by presigned S3 UploadPart (`PUT`, the part's bytes alone): the S3 transport's side
 * of the one part path. B2 answers S3 with S3's XML errors; they become B2Errors with the HTTP
 * status and S3's `<Code>`, so the same retry loop classifies them: 5xx, 408, 429 and no answer
 * are retried as on B2's part URLs, an expired URL is swapped for a fresh one at once, and any
 * other refusal (400 BadDigest, 403 SignatureDoesNotMatch, 404 NoSuchUpload) fails.
 *
 * S3 answers a part with its MD5 as ETag, never a SHA-1: the SHA-1 this port resolves with is the
 * one the client computed (ahead in a worker, or on the way out in Node). The broker compares
 * each with the SHA-1 B2 computed for that part before it completes the upload, and the broker
 * reads the ETags itself, so the bucket's CORS rule needn't expose them for this path.
 */
import { B2Error, isB2Error } from '../b2/errors.js';
import { parseRetryAfter } from '../b2/retry.js';
import { decideB2Upload, type RetryDecision } from '../b2/target-upload.js';
import { type PartPort, sendPart } from './part-port.js';
import type { Send, SendHashed, SendResponse } from './transport.js';

export function s3PartPort(send: Send, sendHashed?: SendHashed): PartPort {
  return {
    hashesOnTheWay: sendHashed !== undefined,
    decide: decideS3Part,
    async send(attempt) {
      // Everything the URL needs is signed into it; Content-Length is the part's size.
      const { response, sha1 } = await sendPart(
        attempt,
        { method: 'PUT', headers: () => ({}), appendSha1: false },
        send,
        sendHashed,
      );
      if (response.status === 200) return sha1;
      throw s3PartError(response);
    },
  };
}

/** An S3 error answer as a B2Error: HTTP status, S3's `<Code>` and `<Message>`, Retry-After. */
export function s3PartError(response: SendResponse): B2Error {
  const retryAfterSeconds = parseRetryAfter(response.headers['retry-after'] ?? null);
  return new B2Error({
    status: response.status,
    code: xmlText(response.text, 'Code') ?? `http_${response.status}`,
    message: xmlText(response.text, 'Message') ?? `B2's S3 API answered ${response.status}`,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  });
}

/**
 * An expired presigned URL is no fault of the part: fetch a fresh URL and send again at once. B2
 * says so with 403 UnauthorizedAccess "Request has expired given timestamp…" (AWS: AccessDenied
 * "Request has expired"), so the message is what tells it apart from a signature that doesn't
 * match. Everything else follows B2's upload rule.
 */
export function decideS3Part(error: unknown): RetryDecision {
  if (isB2Error(error) && error.status === 403 && /request has expired/i.test(error.message)) {
    return { retry: true, dropUrl: true, backoff: false };
  }
  return decideB2Upload(error);
}

/**
 * A leaf element's text in S3's flat error document (`<Error><Code>…</Code><Message>…</Message>`).
 * Two known leaves of a fixed shape: a regular expression reads them without shipping an XML
 * parser to browsers.
 */
function xmlText(xml: string, element: string): string | undefined {
  const match = new RegExp(`<${element}>([^<]*)</${element}>`).exec(xml);
  return match ? unescapeXml(match[1]!) : undefined;
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp);/g, (_, name: string) => XML_ENTITIES[name]!);
}

const XML_ENTITIES: Record<string, string> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };
