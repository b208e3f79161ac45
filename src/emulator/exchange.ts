/**
 * One request and its response, with the emulator's bookkeeping in one place: body bytes counted per
 * endpoint, the injected fault applied on the real socket, CORS headers added, and B2's JSON error body.
 */
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiVersion } from '../b2/wire.js';
import type { EmulatorContext } from './context.js';
import { B2Failure, badRequest } from './errors.js';
import type { EndpointName } from './faults/endpoints.js';
import type { Fault } from './faults/kinds.js';

/** Thrown inside a handler when the connection is gone (client abort or an injected reset). */
export class ConnectionGone extends Error {
  override readonly name = 'ConnectionGone';
}

const JSON_HEADERS = {
  'Content-Type': 'application/json;charset=UTF-8',
  'Cache-Control': 'max-age=0, no-cache, no-store',
};

/** JSON request bodies are small; a cap keeps a hostile client from filling memory. */
const MAX_JSON_BYTES = 4 * 1024 * 1024;

export class Exchange {
  /** Headers every response of this exchange carries (CORS). */
  readonly extraHeaders: Record<string, string> = {};

  constructor(
    readonly ctx: EmulatorContext,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly url: URL,
    readonly version: ApiVersion,
    readonly endpoint: EndpointName | undefined,
    readonly fault: Fault | undefined,
  ) {}

  header(name: string): string | undefined {
    const v = this.req.headers[name.toLowerCase()];
    return Array.isArray(v) ? v.join(', ') : v;
  }

  /** The base URL clients reached us on: apiUrl, downloadUrl and upload URLs all point here. */
  get baseUrl(): string {
    const host = this.req.headers.host ?? `${this.req.socket.localAddress}:${this.req.socket.localPort}`;
    return `http://${host}`;
  }

  /** The socket is gone (Node detaches it from the request once destroyed, hence the null check). */
  get gone(): boolean {
    return this.req.socket?.destroyed ?? true;
  }

  destroy(): void {
    this.req.socket?.destroy();
    this.res.destroy();
  }

  /** The request body, chunk by chunk: counted per endpoint, cut short by a `reset_mid_body` fault. */
  async *body(): AsyncGenerator<Buffer> {
    const cutAt = this.fault?.kind === 'reset_mid_body' ? this.fault.afterBytes : Number.POSITIVE_INFINITY;
    let received = 0;
    try {
      for await (const raw of this.req) {
        let chunk = raw as Buffer;
        if (received + chunk.length >= cutAt) chunk = chunk.subarray(0, Math.max(0, cutAt - received));
        received += chunk.length;
        if (this.endpoint && chunk.length) this.ctx.counters.bytes(this.endpoint, chunk.length);
        if (chunk.length) yield chunk;
        if (received >= cutAt) break;
      }
    } catch (error) {
      throw new ConnectionGone('client connection closed mid-body', { cause: error });
    }
    // A body shorter than afterBytes is cut at its end: the fault still means "no response, nothing stored".
    if (this.fault?.kind === 'reset_mid_body') {
      this.destroy();
      throw new ConnectionGone('injected reset_mid_body');
    }
    if (!this.req.complete) throw new ConnectionGone('client connection closed mid-body');
  }

  /** Reads a JSON object from the body (POST) or the query string (GET), `null` fields dropped. */
  async params(): Promise<Record<string, unknown>> {
    if (this.req.method === 'GET' || this.req.method === 'HEAD') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of this.url.searchParams) out[k] = parseQueryValue(v);
      return out;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of this.body()) {
      size += chunk.length;
      if (size > MAX_JSON_BYTES) throw badRequest('request body too large');
      chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    if (text.trim() === '') return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new B2Failure(400, 'bad_json', 'Request body is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new B2Failure(400, 'bad_json', 'Request body must be a JSON object');
    }
    // B2 treats an explicit null like an absent field.
    return Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== null));
  }

  sendJson(status: number, value: unknown): Promise<void> {
    return this.send(status, JSON_HEADERS, Buffer.from(JSON.stringify(value)));
  }

  sendFailure(failure: B2Failure): Promise<void> {
    const body = { status: failure.status, code: failure.code, message: failure.message };
    const headers = { ...JSON_HEADERS, 'Content-Type': 'application/json;charset=utf-8', ...failure.headers };
    return this.send(failure.status, headers, Buffer.from(JSON.stringify(body)));
  }

  /**
   * Writes the response. Unread request body is drained first so the client, still sending, sees the
   * answer rather than a reset. A `reset_after_store` fault drops the socket here instead.
   */
  async send(
    status: number,
    headers: Record<string, string>,
    body?: Buffer | AsyncIterable<Buffer>,
  ): Promise<void> {
    if (this.gone || this.res.headersSent) return;
    if (this.fault?.kind === 'reset_after_store') {
      this.destroy();
      return;
    }
    if (this.fault?.kind === 'reset_mid_body') {
      // The handler answered without reading the body (e.g. a GET): read up to the cut, then drop.
      await this.consume();
      this.destroy();
      return;
    }
    await this.drain();
    if (this.gone) return;
    if (this.endpoint) this.ctx.counters.response(this.endpoint, status);
    this.res.writeHead(status, { ...headers, ...this.extraHeaders });
    if (this.req.method === 'HEAD' || body === undefined) {
      this.res.end();
      return;
    }
    if (Buffer.isBuffer(body)) {
      this.res.end(body);
      return;
    }
    try {
      for await (const chunk of body) {
        // A reader that went away never drains: stop (the generator's return closes the file).
        if (!this.res.write(chunk)) {
          // Whichever event wins, the other listener must go, or every slow write leaks one.
          const settled = new AbortController();
          await Promise.race([
            once(this.res, 'drain', { signal: settled.signal }),
            once(this.res, 'close', { signal: settled.signal }),
          ]).finally(() => settled.abort());
        }
        if (this.res.destroyed) return;
      }
      this.res.end();
    } catch {
      // Mid-stream failure: the status is already out, so all we can do is cut the connection.
      this.destroy();
    }
  }

  private async consume(): Promise<void> {
    try {
      for await (const _ of this.body()) {
        // discard
      }
    } catch {
      // ConnectionGone is the expected end here
    }
  }

  private async drain(): Promise<void> {
    if (this.req.readableEnded || this.req.destroyed) return;
    this.req.resume();
    await Promise.race([once(this.req, 'end'), once(this.req, 'close')]).catch(() => undefined);
  }
}

/** Query values stay strings (params.ts coerces numbers and booleans); JSON arrays/objects are parsed. */
function parseQueryValue(v: string): unknown {
  if (/^[[{]/.test(v)) {
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  }
  return v;
}
