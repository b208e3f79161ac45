/**
 * Test control endpoints under `/__emulator/` for out-of-process tests (e2e, benchmarks). They carry no
 * CORS headers, and any request with an `Origin` header is refused, so a web page the developer happens
 * to visit cannot poke the emulator (cross-origin POSTs always carry Origin).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorContext } from './context.js';
import { isFaultConfigError } from './faults/config.js';
import type { LifecycleReport } from './lifecycle.js';

export interface ControlHooks {
  expireAccountTokens(): void;
  runLifecycle(): LifecycleReport;
  setCustomUploadTimestamps(allowed: boolean): void;
  info(): Record<string, unknown>;
}

function reply(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(value));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1_000_000) throw new Error('control request body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text.trim() ? JSON.parse(text) : {};
}

const fail = (res: ServerResponse, status: number, code: string, message: string) =>
  reply(res, status, { status, code, message });

export async function handleControl(
  ctx: EmulatorContext,
  hooks: ControlHooks,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (req.headers.origin !== undefined) {
    req.resume();
    return fail(res, 403, 'access_denied', 'control endpoints refuse browser (Origin) requests');
  }
  const route = `${req.method} ${path}`;
  let body: unknown = {};
  try {
    if (req.method === 'POST') body = await readJson(req);
    else req.resume();
  } catch {
    return fail(res, 400, 'bad_json', 'Request body is not valid JSON');
  }
  switch (route) {
    case 'GET info':
      return reply(res, 200, hooks.info());
    case 'GET counters':
      return reply(res, 200, ctx.counters.snapshot());
    case 'POST counters/reset':
      ctx.counters.reset();
      return reply(res, 200, ctx.counters.snapshot());
    case 'GET clock':
      return reply(res, 200, { now: ctx.clock.now() });
    case 'POST clock/advance': {
      const ms = (body as { ms?: unknown }).ms;
      if (typeof ms !== 'number' || !Number.isFinite(ms))
        return fail(res, 400, 'bad_request', 'ms must be a number');
      ctx.clock.advance(ms);
      // Moving the clock is how a test lets days pass, so the lifecycle pass runs with it.
      return reply(res, 200, { now: ctx.clock.now(), lifecycle: hooks.runLifecycle() });
    }
    case 'POST lifecycle/run':
      return reply(res, 200, hooks.runLifecycle());
    case 'POST account': {
      const allowed = (body as { customUploadTimestamps?: unknown }).customUploadTimestamps;
      if (typeof allowed !== 'boolean')
        return fail(res, 400, 'bad_request', 'customUploadTimestamps must be a boolean');
      hooks.setCustomUploadTimestamps(allowed);
      return reply(res, 200, { customUploadTimestamps: allowed });
    }
    case 'POST tokens/expire':
      hooks.expireAccountTokens();
      return reply(res, 200, { expired: true });
    case 'GET faults':
      return reply(res, 200, ctx.faults.state());
    case 'GET faults/history':
      return reply(res, 200, ctx.faults.history());
    case 'POST faults/release':
      return reply(res, 200, { released: ctx.faults.release() });
    case 'POST faults/clear':
      ctx.faults.clear();
      return reply(res, 200, ctx.faults.state());
    case 'POST faults':
      try {
        return reply(res, 200, ctx.faults.configure(body));
      } catch (error) {
        if (isFaultConfigError(error)) return fail(res, 400, 'bad_request', error.message);
        throw error;
      }
    default:
      return fail(res, 404, 'not_found', `no control endpoint ${route}`);
  }
}
