/**
 * createBroker: the server side of b2up as a Fetch handler (Request → Response), so it mounts on
 * node:http, Express, Hono, Deno, Bun or an edge runtime. Nothing here imports Node-only modules.
 */
import { type B2Client, createB2Client } from '../b2/client.js';
import { createBodyGate } from './body-gate.js';
import type { BrokerContext } from './context.js';
import { type DownloadUrl, type DownloadUrlOptions, mintDownloadUrl } from './download-url.js';
import { corsHeaders, decideOrigin, preflightHeaders } from './cors.js';
import { BrokerConfigError, Refusal } from './errors.js';
import { isRefusal, json, refusalResponse } from './http.js';
import {
  type BrokerB2Client,
  type BrokerB2Key,
  type BrokerOptions,
  resolveBrokerOptions,
} from './options.js';
import { checkKey, createReadiness } from './readiness.js';
import { route, routePath } from './router.js';
import { decideS3Mode } from './s3/mode.js';
import { createTokenSigner } from './token.js';

/** The broker: call it with a Request; `ready()` says whether it can serve. */
export interface Broker {
  (request: Request): Promise<Response>;
  /**
   * Authorizes with B2 and checks the key (bucket-restricted, no writeKeys, right bucket and
   * capabilities). Rejects with BrokerConfigError saying why; until it succeeds requests answer 503.
   * Called by the first request anyway; await it at start-up to fail fast.
   */
  ready(): Promise<void>;
  /**
   * A link that downloads `fileName` from the (private) bucket for a short while, for a user your
   * app has decided may read it. The key needs `shareFiles`; B2's refusal rejects as a B2Error.
   */
  downloadUrl(fileName: string, options?: DownloadUrlOptions): Promise<DownloadUrl>;
}

export function createBroker(userOptions: BrokerOptions): Broker {
  const options = resolveBrokerOptions(userOptions);
  const b2 = options.b2;
  const client = b2Client(b2);
  const tokens = createTokenSigner(options.secret);
  const bodies = createBodyGate(options.bodiesPerUser);
  const ready = createReadiness(async () => {
    const target = await checkKey(client, {
      bucket: b2.bucket,
      defaultPrefix: options.name ? null : options.prefix,
      unsafeAllowUnrestrictedKey: options.unsafeAllowUnrestrictedKey,
    });
    const key = 'client' in b2 && b2.client ? undefined : b2;
    const s3 = await decideS3Mode({
      key,
      region: key?.s3Region,
      s3ApiUrl: target.s3ApiUrl,
      bucketName: target.bucketName,
      capabilities: target.capabilities,
      probeKey: `${target.namePrefix ?? options.prefix}b2up-s3-probe`,
      fetch: key?.fetch ?? ((request) => fetch(request)),
      now: options.now(),
    });
    return { target, s3 };
  });

  const context = async (): Promise<BrokerContext> => {
    try {
      return { options, client, tokens, bodies, ...(await ready()) };
    } catch (error) {
      const reason = error instanceof BrokerConfigError ? error.message : 'The broker could not start.';
      throw new Refusal(503, 'unavailable', `The broker is not ready: ${reason}`, { retryAfterSeconds: 30 });
    }
  };

  const handle = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const origin = decideOrigin(request, url, options.corsOrigins);
    if (origin.kind === 'denied') {
      return refusalResponse(
        new Refusal(403, 'origin_not_allowed', `Origin ${origin.origin} may not call this broker.`),
      );
    }
    if (request.method === 'OPTIONS') {
      const headers = origin.kind === 'allowed' ? preflightHeaders(origin.origin) : {};
      return new Response(null, { status: 204, headers });
    }
    const response = await answer(request, url);
    if (origin.kind === 'allowed') {
      for (const [name, value] of Object.entries(corsHeaders(origin.origin)))
        response.headers.set(name, value);
    }
    return response;
  };

  const answer = async (request: Request, url: URL): Promise<Response> => {
    try {
      const path = routePath(url.pathname, options.basePath);
      if (path === undefined) throw new Refusal(404, 'not_found', 'No such broker call.');
      const handler = route(request.method, path);
      return await handler(await context(), request);
    } catch (error) {
      if (isRefusal(error)) return refusalResponse(error);
      // An app hook or a bug: report it to the operator, never echo it (it may quote secrets).
      options.onError(error, request);
      return json({ status: 500, code: 'unavailable', message: 'The broker failed unexpectedly.' }, 500);
    }
  };

  return Object.assign(handle, {
    ready: async () => {
      await ready();
    },
    downloadUrl: async (fileName: string, downloadOptions: DownloadUrlOptions = {}) =>
      mintDownloadUrl(client, (await ready()).target, b2.bucket, fileName, downloadOptions, options.now),
  });
}

function b2Client(b2: BrokerB2Key | BrokerB2Client): B2Client {
  if ('client' in b2 && b2.client) return b2.client;
  const key = b2;
  return createB2Client({
    applicationKeyId: key.applicationKeyId,
    applicationKey: key.applicationKey,
    ...(key.realm ? { realm: key.realm } : {}),
    ...(key.fetch ? { fetch: key.fetch } : {}),
    ...(key.retry ? { retry: key.retry } : {}),
  });
}
