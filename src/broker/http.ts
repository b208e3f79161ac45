/** Reading requests and writing answers, the same way for every route. */
import { badRequest, Refusal } from './errors.js';

/** JSON request bodies are small (a name, a size, a few info keys, ≤ 10,000 SHA-1s). */
export const MAX_JSON_BYTES = 512 * 1024;

const BASE_HEADERS = {
  'Content-Type': 'application/json; charset=utf-8',
  // Answers hold upload tokens and part URLs: no shared cache may keep them.
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: BASE_HEADERS });
}

/** `{status, code, message}` (+ `b2`), with Retry-After when the refusal has one. */
export function refusalResponse(refusal: Refusal): Response {
  const { extra } = refusal;
  const response = json(refusalBody(refusal), refusal.status);
  if (extra.retryAfterSeconds !== undefined) {
    response.headers.set('Retry-After', String(Math.max(0, Math.ceil(extra.retryAfterSeconds))));
  }
  return response;
}

/** A refusal as the protocol's error body. */
export function refusalBody({ status, code, message, extra }: Refusal) {
  return { status, code, message, ...(extra.b2 ? { b2: extra.b2 } : {}) };
}

/**
 * A JSON body, at most MAX_JSON_BYTES. `Content-Type: application/json` is required: a cross-site
 * form can't send it without a preflight, which the CORS check then refuses.
 */
export async function readJson(request: Request): Promise<Record<string, unknown>> {
  const type = (request.headers.get('Content-Type') ?? '').split(';', 1)[0]?.trim().toLowerCase();
  if (type !== 'application/json') throw badRequest('send the body as Content-Type: application/json');
  const bytes = await readBytes(request, MAX_JSON_BYTES, () => badRequest('the JSON body is too long'));
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw badRequest('the body is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('the body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/**
 * The whole body, stopping as soon as it passes `maxBytes` (the Content-Length header is checked
 * first, but a body may still be longer than it claims on some runtimes).
 */
export async function readBytes(
  request: Request,
  maxBytes: number,
  tooLong: () => Refusal,
): Promise<Uint8Array> {
  const declared = contentLength(request);
  if (declared !== undefined && declared > maxBytes) throw tooLong();
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch {
      // The client (or the server's timeouts) cut the connection mid-body: its request, not a fault here.
      throw badRequest('the request body was cut off');
    }
    const { done, value } = chunk;
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLong();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** The Content-Length header as a number; undefined when absent; 400 when malformed. */
export function contentLength(request: Request): number | undefined {
  const header = request.headers.get('Content-Length');
  if (header === null) return undefined;
  if (!/^\d{1,16}$/.test(header.trim())) throw badRequest('Content-Length is not a byte count');
  return Number(header.trim());
}

export function isRefusal(error: unknown): error is Refusal {
  return error instanceof Refusal;
}
