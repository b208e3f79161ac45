/**
 * b2_authorize_account: the request, the normalisation of its three response shapes, and the
 * session that shares one account token between concurrent calls and renews it at most once per
 * expiry, however many callers notice the expiry at the same time.
 */

import { B2Error } from './errors.js';
import { errorFromResponse, readJson, type Transport } from './http.js';
import { backoffDelay, decideCallRetry, type ResolvedRetryOptions } from './retry.js';
import type { ApiVersion, AuthorizeResponse, AuthorizeResponseV2, Capability } from './wire.js';

/** What b2_authorize_account grants, the same whatever API version answered. */
export interface Authorization {
  accountId: string;
  /** Account token for JSON calls and downloads; valid up to 24 h. */
  authorizationToken: string;
  apiUrl: string;
  downloadUrl: string;
  s3ApiUrl: string;
  recommendedPartSize: number;
  absoluteMinimumPartSize: number;
  allowed: {
    capabilities: Capability[];
    /** Buckets the key is restricted to; null when it may use every bucket. */
    buckets: { id: string; name: string | null }[] | null;
    /** File-name prefix the key is restricted to; null for none. */
    namePrefix: string | null;
  };
}

/** Normalises the v1/v2 (top-level `allowed`), v3 (flat `storageApi`) and v4 (`storageApi.allowed`) shapes. */
export function normaliseAuthorization(raw: AuthorizeResponse): Authorization {
  const common = { accountId: raw.accountId, authorizationToken: raw.authorizationToken };
  if (!('apiInfo' in raw)) {
    const v2: AuthorizeResponseV2 = raw;
    return {
      ...common,
      ...endpoints(v2),
      allowed: {
        capabilities: v2.allowed.capabilities,
        buckets: v2.allowed.bucketId ? [{ id: v2.allowed.bucketId, name: v2.allowed.bucketName }] : null,
        namePrefix: v2.allowed.namePrefix ?? null,
      },
    };
  }
  const storage = raw.apiInfo.storageApi;
  if ('allowed' in storage && storage.allowed) {
    return {
      ...common,
      ...endpoints(storage),
      allowed: {
        capabilities: storage.allowed.capabilities,
        buckets: storage.allowed.buckets ?? null,
        namePrefix: storage.allowed.namePrefix ?? null,
      },
    };
  }
  // v3: the key's restriction is flattened into storageApi.
  const v3 = storage as Extract<typeof storage, { bucketId: string | null }>;
  return {
    ...common,
    ...endpoints(v3),
    allowed: {
      capabilities: v3.capabilities,
      buckets: v3.bucketId ? [{ id: v3.bucketId, name: v3.bucketName }] : null,
      namePrefix: v3.namePrefix ?? null,
    },
  };
}

type Endpoints = Pick<
  Authorization,
  'apiUrl' | 'downloadUrl' | 's3ApiUrl' | 'recommendedPartSize' | 'absoluteMinimumPartSize'
>;

function endpoints(source: Endpoints): Endpoints {
  return {
    apiUrl: source.apiUrl,
    downloadUrl: source.downloadUrl,
    s3ApiUrl: source.s3ApiUrl,
    recommendedPartSize: source.recommendedPartSize,
    absoluteMinimumPartSize: source.absoluteMinimumPartSize,
  };
}

export interface AuthorizeSettings {
  realm: string;
  apiVersion: ApiVersion;
  applicationKeyId: string;
  applicationKey: string;
  timeout: number | false;
  retry: ResolvedRetryOptions;
}

/** GET {realm}/b2api/vN/b2_authorize_account with Basic credentials; backs off on 429/5xx/network. */
export async function requestAuthorization(
  transport: Transport,
  settings: AuthorizeSettings,
): Promise<Authorization> {
  const url = `${trimSlash(settings.realm)}/b2api/${settings.apiVersion}/b2_authorize_account`;
  const headers = { Authorization: basicAuth(settings.applicationKeyId, settings.applicationKey) };
  for (let attempt = 1; ; attempt++) {
    let error: B2Error;
    try {
      const response = await transport.send(url, { method: 'GET', headers, timeout: settings.timeout });
      if (response.ok) return normaliseAuthorization(await readJson<AuthorizeResponse>(response));
      error = await errorFromResponse(response);
    } catch (thrown) {
      if (!(thrown instanceof B2Error)) throw thrown;
      error = thrown;
    }
    // Bad credentials come back as 401 (unauthorized or bad_auth_token): never retried here.
    if (decideCallRetry(error, true) !== 'backoff' || attempt >= settings.retry.maxAttempts) throw error;
    await settings.retry.sleep(backoffDelay(attempt, settings.retry, error.retryAfterSeconds));
  }
}

/** Shares one account token between concurrent callers. */
export interface AuthSession {
  /** The current authorization, authorizing first if there is none yet. */
  current(): Promise<Authorization>;
  /**
   * A fresh authorization replacing `stale` (whose token B2 rejected as expired/bad). Callers that
   * saw the same stale token share one b2_authorize_account; a caller whose stale token was already
   * replaced gets the replacement without another request.
   */
  renew(stale: Authorization): Promise<Authorization>;
}

export function createAuthSession(authorize: () => Promise<Authorization>): AuthSession {
  let latest: Authorization | undefined;
  let pending: Promise<Authorization> | undefined;

  const start = (): Promise<Authorization> => {
    pending ??= authorize().then(
      (authorization) => {
        latest = authorization;
        pending = undefined;
        return authorization;
      },
      (error: unknown) => {
        pending = undefined;
        throw error;
      },
    );
    return pending;
  };

  return {
    current: () => (latest ? Promise.resolve(latest) : start()),
    renew(stale) {
      if (latest && latest.authorizationToken !== stale.authorizationToken) return Promise.resolve(latest);
      return start();
    },
  };
}

function basicAuth(keyId: string, key: string): string {
  // btoa takes Latin-1; go through UTF-8 bytes so any key text is encoded as B2 expects.
  const bytes = new TextEncoder().encode(`${keyId}:${key}`);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
