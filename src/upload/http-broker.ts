import ky, { HTTPError, type KyInstance } from 'ky';
import { encodeB2 } from '../b2/encoding.js';
import { BROKER_ERROR_CODES, UPLOAD_TOKEN_HEADER } from '../protocol.js';
import { isB2Error } from '../b2/errors.js';
import {
  type BrokerClient,
  type BrokerConfig,
  BrokerError,
  type BrokerErrorCode,
  type PartTarget,
  type S3PartUrl,
  type SmallFileRequest,
  type StartedUpload,
  type StoredPart,
  type UploadResult,
  type UploadSession,
} from './broker-client.js';
import { createCallBatcher, type Settled } from './call-batcher.js';
import { createSlots } from './slots.js';
import { defaultSend, type Send } from './transport.js';

export interface HttpBrokerOptions {
  /** Extra headers on every call, e.g. the app's own `Authorization`. Default none. */
  headers?: () => Record<string, string> | Promise<Record<string, string>>;
  /** Cookies with each call: `same-origin` (default) or `include` for a broker on another origin. */
  credentials?: RequestCredentials;
  /** Retries of one broker call on 408/429/5xx/network errors. Default 5. */
  retries?: number;
  /** A fetch to use instead of the global one. */
  fetch?: typeof fetch;
  /** Sends the small-file body; defaults to XMLHttpRequest in browsers, fetch in Node. */
  send?: Send;
}

const KNOWN_CODES = new Set<string>(BROKER_ERROR_CODES);

/**
 * Small files presigned and not yet sent, at most, per client. A presigned URL's lifetime (15
 * minutes by default) runs from its signing, and a browser sends 6 requests at a time to one host:
 * with every picked file presigned at once, the others wait in the browser's queue, and on a slow
 * link the last ones start after their URL expired. 24 keeps 6 sending and more signed behind them;
 * freed places are refilled 12 at a time, so their presigns share a call.
 */
const PRESIGNED_AHEAD = 24;
const PRESIGN_REFILL = 12;

/** Speaks docs/broker-protocol.md to a broker at `baseUrl` (absolute, or relative to the page). */
export function createHttpBrokerClient(baseUrl: string, options: HttpBrokerOptions = {}): BrokerClient {
  const base = resolveBase(baseUrl);
  const send = options.send ?? defaultSend();
  const http: KyInstance = ky.create({
    prefixUrl: base,
    credentials: options.credentials ?? 'same-origin',
    timeout: 60_000,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    retry: {
      limit: options.retries ?? 5,
      // Every protocol call is safe to repeat (finish answers the same result twice; a repeated
      // start at worst leaves an unfinished large file that cancel or B2's lifecycle rules clean up).
      methods: ['get', 'post', 'delete'],
      statusCodes: [408, 429, 500, 503, 504],
      afterStatusCodes: [429, 503],
      backoffLimit: 30_000,
      jitter: true,
      retryOnTimeout: true,
    },
    hooks: {
      beforeRequest: [
        async (request) => {
          for (const [name, value] of Object.entries((await options.headers?.()) ?? {})) {
            request.headers.set(name, value);
          }
        },
      ],
    },
  });

  const withToken = (session: UploadSession) => ({ [UPLOAD_TOKEN_HEADER]: session.token });
  const path = (session: UploadSession, rest = '') =>
    `uploads/${encodeURIComponent(session.uploadId)}${rest}`;

  async function call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw await toBrokerError(error);
    }
  }

  async function sendOrUnavailable(request: Parameters<Send>[0]) {
    try {
      return await send(request);
    } catch (error) {
      if (isB2Error(error) && error.code === 'aborted') throw error;
      throw new BrokerError(0, 'unavailable', (error as Error).message, undefined, { cause: error });
    }
  }

  // GET /config's answer, once seen: a broker that announces `smallFileBatchMax` takes batches.
  let batchMax = 0;

  type PresignItem = ReturnType<typeof presignFields>;
  const presignMany = createCallBatcher<PresignItem, PresignedFile>(
    (files) => batchCall('files/presign', { files }),
    () => batchMax,
  );
  const confirmMany = createCallBatcher<UploadSession, UploadResult>(
    (uploads) =>
      batchCall('files/confirm', { uploads: uploads.map(({ uploadId, token }) => ({ uploadId, token })) }),
    () => batchMax,
  );

  const presignedAhead = createSlots(PRESIGNED_AHEAD, PRESIGN_REFILL);

  /** One batch call; each item answers its result or `{error}` as a single call would have. */
  async function batchCall<O>(route: string, json: Record<string, unknown>): Promise<Settled<O>[]> {
    const body = await call(() =>
      http.post(route, { json }).json<{ results: (O | { error: ItemError })[] }>(),
    );
    return body.results.map((result) =>
      typeof result === 'object' && result !== null && 'error' in result
        ? { ok: false, error: itemError(result.error) }
        : { ok: true, value: result },
    );
  }

  /**
   * POST /files/presign, the PUT straight to B2 with exactly the signed headers, then
   * POST /files/{id}/confirm, where the broker checks what B2 stored. Several files uploading at
   * once share their presign and confirm calls (docs/broker-protocol.md, batches).
   */
  async function uploadPresigned(request: SmallFileRequest, md5: string): Promise<UploadResult> {
    const signal = request.signal;
    const fields = presignFields(request, md5);
    const release = await presignedAhead.acquire(signal);
    let presigned: PresignedFile;
    try {
      presigned =
        batchMax > 0
          ? await presignMany(fields, signal)
          : await call(() => http.post('files/presign', { json: fields, signal }).json<PresignedFile>());
      const response = await sendOrUnavailable({
        url: presigned.put.url,
        method: 'PUT',
        headers: presigned.put.headers,
        body: request.file,
        signal,
        onProgress: request.onProgress,
      });
      if (response.status !== 200) throw errorFromS3(response.status);
    } finally {
      release();
    }
    if (batchMax > 0) return confirmMany(presigned, signal);
    return call(() =>
      http
        .post(`files/${encodeURIComponent(presigned.uploadId)}/confirm`, {
          headers: withToken(presigned),
          signal,
        })
        .json<UploadResult>(),
    );
  }

  return {
    id: base,
    config: (signal) =>
      call(async () => {
        const answer = await http.get('config', { signal }).json<BrokerConfig>();
        batchMax = answer.smallFileBatchMax ?? 0;
        return answer;
      }),
    whoami: (signal) => call(() => http.get('whoami', { signal }).json<{ user: string }>()),

    async uploadSmall(request) {
      if (request.md5 !== undefined) return uploadPresigned(request, request.md5);
      const extra = (await options.headers?.()) ?? {};
      const response = await sendOrUnavailable({
        url: `${base}files`,
        method: 'POST',
        headers: {
          ...extra,
          'Content-Type': request.contentType || 'application/octet-stream',
          'X-B2up-Name': encodeB2(request.name),
          'X-B2up-Content-Sha1': request.sha1,
          'X-B2up-Last-Modified': String(request.lastModified),
          'X-B2up-Info': encodeB2(JSON.stringify(request.info)),
        },
        body: request.file,
        signal: request.signal,
        onProgress: request.onProgress,
      });
      if (response.status >= 200 && response.status < 300) return JSON.parse(response.text) as UploadResult;
      throw errorFromBody(response.status, response.text, response.headers['retry-after']);
    },

    start: (request, signal) =>
      call(() => http.post('uploads', { json: request, signal }).json<StartedUpload>()),

    partTargets: (session, count, signal) =>
      call(async () => {
        const body = await http
          .post(path(session, '/part-urls'), { json: { count }, headers: withToken(session), signal })
          .json<{ targets: PartTarget[] }>();
        return body.targets;
      }),

    s3PartUrls: (session, partNumbers, signal) =>
      call(async () => {
        const body = await http
          .post(path(session, '/s3-part-urls'), {
            json: { partNumbers },
            headers: withToken(session),
            signal,
          })
          .json<{ parts: S3PartUrl[] }>();
        return body.parts;
      }),

    listParts: (session, signal) =>
      call(async () => {
        const body = await http
          .get(path(session, '/parts'), { headers: withToken(session), signal })
          .json<{ parts: StoredPart[] }>();
        return body.parts;
      }),

    finish: (session, partSha1Array, signal) =>
      call(() =>
        http
          .post(path(session, '/finish'), { json: { partSha1Array }, headers: withToken(session), signal })
          .json<UploadResult>(),
      ),

    cancel: (session, signal) =>
      call(async () => {
        await http.delete(path(session), { headers: withToken(session), signal });
      }),
  };
}

function presignFields(request: SmallFileRequest, md5: string) {
  return {
    name: request.name,
    size: request.file.size,
    contentType: request.contentType || 'application/octet-stream',
    lastModified: request.lastModified,
    info: request.info,
    sha1: request.sha1,
    md5,
  };
}

/** A refused item of a batch answer. */
interface ItemError {
  status: number;
  code: string;
  message: string;
  retryAfterSeconds?: number;
}

function itemError(error: ItemError): BrokerError {
  const code: BrokerErrorCode = KNOWN_CODES.has(error.code)
    ? (error.code as BrokerErrorCode)
    : error.status >= 500
      ? 'unavailable'
      : 'bad_request';
  return new BrokerError(error.status, code, error.message, error.retryAfterSeconds);
}

/** POST /files/presign's answer. */
interface PresignedFile extends UploadSession {
  fileName: string;
  put: { url: string; headers: Record<string, string>; expiresAt: number };
}

/**
 * B2 refused the presigned PUT: 5xx is worth another try (with a fresh URL); anything else (an
 * expired URL, a signature that doesn't match what was sent) is final.
 */
function errorFromS3(status: number): BrokerError {
  return status >= 500 || status === 408 || status === 429
    ? new BrokerError(status, 'unavailable', `B2 answered the upload with ${status}`)
    : new BrokerError(status, 'b2_error', `B2 refused the presigned upload (${status})`);
}

function resolveBase(baseUrl: string): string {
  const absolute =
    typeof location !== 'undefined' ? new URL(baseUrl, location.href).href : new URL(baseUrl).href;
  return absolute.endsWith('/') ? absolute : `${absolute}/`;
}

async function toBrokerError(error: unknown): Promise<unknown> {
  if (error instanceof HTTPError) {
    const text = await error.response.text().catch(() => '');
    return errorFromBody(error.response.status, text, error.response.headers.get('retry-after') ?? undefined);
  }
  if (error instanceof Error && error.name === 'AbortError') return error;
  if (error instanceof Error)
    return new BrokerError(0, 'unavailable', error.message, undefined, { cause: error });
  return error;
}

function errorFromBody(status: number, text: string, retryAfter: string | undefined): BrokerError {
  let code: BrokerErrorCode = status >= 500 ? 'unavailable' : 'bad_request';
  let message = `broker answered ${status}`;
  try {
    const body = JSON.parse(text) as { code?: string; message?: string };
    if (body.code && KNOWN_CODES.has(body.code)) code = body.code as BrokerErrorCode;
    if (body.message) message = body.message;
  } catch {
    // A proxy's HTML error page: keep the status-derived code.
  }
  const seconds = retryAfter === undefined ? undefined : Number.parseInt(retryAfter, 10);
  return new BrokerError(status, code, message, Number.isFinite(seconds) ? seconds : undefined);
}
