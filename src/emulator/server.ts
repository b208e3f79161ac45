/**
 * The request pipeline: route → count → fault → CORS → method check → auth → handler, with every
 * failure answered as B2's JSON error. createEmulatorServer() returns the bare Node handler, so the
 * emulator can be embedded in another server; index.ts wraps it in listen().
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JsonOperation } from '../b2/wire.js';
import { verifyAccountToken } from './auth.js';
import type { EmulatorContext } from './context.js';
import { type ControlHooks, handleControl } from './control.js';
import { corsScope, preflightHeaders, responseCorsHeaders } from './cors.js';
import { type B2Code, B2Failure } from './errors.js';
import { ConnectionGone, Exchange } from './exchange.js';
import type { Fault } from './faults/kinds.js';
import { createBucket, deleteBucket, listBuckets, updateBucket } from './ops/buckets.js';
import { downloadById, downloadByName } from './ops/download.js';
import { copyFile, deleteFileVersion, getDownloadAuthorization, getFileInfo, hideFile } from './ops/files.js';
import { authorizeAccount, createKey, deleteKey, listKeys } from './ops/keys.js';
import {
  cancelLargeFile,
  copyPart,
  finishLargeFile,
  listParts,
  listUnfinishedLargeFiles,
  startLargeFile,
} from './ops/large.js';
import { listFileNames, listFileVersions } from './ops/listing.js';
import { updateFileLegalHold, updateFileRetention } from './ops/retention.js';
import type { JsonHandler } from './ops/types.js';
import { getUploadPartUrl, getUploadUrl, uploadFile, uploadPart } from './ops/upload.js';
import { endpointOf, methodsOf, parseRoute, type Route } from './routes.js';
import { isS3Path } from './s3/route.js';
import { serveS3 } from './s3/serve.js';

const JSON_HANDLERS: Record<JsonOperation, JsonHandler> = {
  b2_create_bucket: createBucket,
  b2_list_buckets: listBuckets,
  b2_update_bucket: updateBucket,
  b2_delete_bucket: deleteBucket,
  b2_get_upload_url: getUploadUrl,
  b2_start_large_file: startLargeFile,
  b2_get_upload_part_url: getUploadPartUrl,
  b2_list_parts: listParts,
  b2_list_unfinished_large_files: listUnfinishedLargeFiles,
  b2_finish_large_file: finishLargeFile,
  b2_cancel_large_file: cancelLargeFile,
  b2_copy_part: copyPart,
  b2_copy_file: copyFile,
  b2_list_file_names: listFileNames,
  b2_list_file_versions: listFileVersions,
  b2_get_file_info: getFileInfo,
  b2_hide_file: hideFile,
  b2_delete_file_version: deleteFileVersion,
  b2_update_file_retention: updateFileRetention,
  b2_update_file_legal_hold: updateFileLegalHold,
  b2_get_download_authorization: getDownloadAuthorization,
  b2_create_key: createKey,
  b2_list_keys: listKeys,
  b2_delete_key: deleteKey,
};

export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

function flatHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function sendBare(res: ServerResponse, status: number, code: string, message: string, headers = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json;charset=utf-8', ...headers });
  res.end(JSON.stringify({ status, code, message }));
}

async function dispatch(x: Exchange, route: Route): Promise<void> {
  switch (route.kind) {
    case 'authorize':
      return authorizeAccount(x);
    case 'json': {
      const grant = verifyAccountToken(x.ctx, x.header('authorization'));
      const params = await x.params();
      const result = await JSON_HANDLERS[route.op](x, params, grant);
      return x.sendJson(200, result);
    }
    case 'upload_file':
      return uploadFile(x, route.bucketId, route.urlId);
    case 'upload_part':
      return uploadPart(x, route.fileId, route.urlId);
    case 'download_by_id':
      return downloadById(x);
    case 'download_by_name':
      return downloadByName(x, route.bucket, route.name);
    default:
      throw new B2Failure(404, 'not_found', 'unknown endpoint');
  }
}

function preflight(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  route: Route,
  url: URL,
): void {
  req.resume();
  const origin = req.headers.origin;
  const method = req.headers['access-control-request-method'];
  const scope = corsScope(ctx, route, url);
  const requested = (req.headers['access-control-request-headers'] ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const headers =
    origin && method && scope ? preflightHeaders(scope, route, origin, method, requested) : undefined;
  if (!headers) {
    // B2's denial is unconfirmed; we answer 403 with no Access-Control-* headers.
    sendBare(res, 403, 'access_denied', 'CORS preflight denied by the bucket corsRules');
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Length': '0' });
  res.end();
}

/** Applies a socket-level fault that answers nothing (reset, stall); true when the request is gone. */
function dropped(req: IncomingMessage, fault: Fault | undefined): boolean {
  if (fault?.kind === 'reset') {
    req.socket.destroy();
    return true;
  }
  if (fault?.kind === 'stall') {
    // Hold the request, then drop it without an answer; unref so a stall never keeps Node alive.
    setTimeout(() => req.socket.destroy(), fault.ms).unref();
    return true;
  }
  return false;
}

export function createRequestHandler(ctx: EmulatorContext, hooks: ControlHooks): NodeHandler {
  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    if (isS3Path(req.url ?? '/')) return serveS3(ctx, req, res, url, (fault) => dropped(req, fault));
    const route = parseRoute(url.pathname);
    if (route.kind === 'control') return handleControl(ctx, hooks, route.path, req, res);
    if (req.method === 'OPTIONS') return preflight(ctx, req, res, route, url);
    const endpoint = endpointOf(route);
    if (!endpoint) {
      req.resume();
      return sendBare(res, 404, 'not_found', `Unknown path: ${url.pathname}`);
    }
    ctx.counters.request(endpoint);
    const fault = ctx.faults.next(endpoint, flatHeaders(req));
    if (fault?.kind === 'hold') {
      // A race a test wants to win deterministically: the request waits here, then runs as usual.
      await ctx.faults.hold();
      if (req.socket.destroyed) return;
    }
    if (dropped(req, fault)) return;
    const version = 'version' in route ? route.version : 'v2';
    const x = new Exchange(ctx, req, res, url, version, endpoint, fault);
    const origin = req.headers.origin;
    const scope = origin ? corsScope(ctx, route, url) : undefined;
    if (origin && scope) Object.assign(x.extraHeaders, responseCorsHeaders(scope, origin));
    try {
      if (fault?.kind === 'status') {
        const headers: Record<string, string> =
          fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {};
        // The injector speaks B2's codes (faults.ts builds them from the documented error table).
        throw new B2Failure(fault.status, fault.code as B2Code, fault.message, headers);
      }
      if (!methodsOf(route).includes(req.method ?? '')) {
        throw new B2Failure(405, 'method_not_allowed', `Method ${req.method} is not allowed`);
      }
      await dispatch(x, route);
    } catch (error) {
      if (error instanceof ConnectionGone || x.gone) return;
      if (error instanceof B2Failure) return x.sendFailure(error);
      console.error('[b2up emulator] internal error', error);
      return x.sendFailure(new B2Failure(500, 'internal_error', 'An internal error occurred'));
    }
  };
  return (req, res) => {
    serve(req, res).catch((error) => {
      console.error('[b2up emulator] request failed', error);
      if (!res.headersSent) sendBare(res, 500, 'internal_error', 'An internal error occurred');
      else res.destroy();
    });
  };
}
