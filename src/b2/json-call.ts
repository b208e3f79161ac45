/**
 * One JSON operation with B2's retry rules for non-upload calls: renew the
 * account token once on expired/bad token, back off on 429/408/5xx/network, fail on anything else.
 */
import { type Authorization, type AuthSession, trimSlash } from './auth.js';
import { B2Error } from './errors.js';
import { errorFromResponse, readJson, type Transport } from './http.js';
import { backoffDelay, decideCallRetry, type ResolvedRetryOptions } from './retry.js';
import { type ApiVersion, Header, type JsonOperation, type ResponseOf, type TestMode } from './wire.js';

/** Everything a call needs from its client, resolved once. */
export interface CallContext {
  transport: Transport;
  session: AuthSession;
  apiVersion: ApiVersion;
  timeout: number | false;
  retry: ResolvedRetryOptions;
  testMode: TestMode | undefined;
}

/**
 * Runs a request that depends on the account authorization (URL and token), retrying as B2 says.
 * `attempt` performs one exchange; it is called again with a renewed authorization after an expired
 * token, or with the same one after a backoff.
 */
export async function withAccountRetries<T>(
  context: CallContext,
  attempt: (authorization: Authorization) => Promise<T>,
  { signal, usesAccountToken = true }: { signal?: AbortSignal | undefined; usesAccountToken?: boolean } = {},
): Promise<T> {
  let authorization = await context.session.current();
  // A caller-supplied token (e.g. a download authorization) cannot be fixed by re-authorizing.
  let reauthorized = !usesAccountToken;
  for (let attemptNumber = 1; ; attemptNumber++) {
    let error: B2Error;
    try {
      return await attempt(authorization);
    } catch (thrown) {
      if (!(thrown instanceof B2Error)) throw thrown;
      error = thrown;
    }
    const decision = decideCallRetry(error, reauthorized);
    if (decision === 'fail' || attemptNumber >= context.retry.maxAttempts) throw error;
    if (decision === 'reauthorize') {
      authorization = await context.session.renew(authorization);
      reauthorized = true;
    } else {
      await context.retry.sleep(backoffDelay(attemptNumber, context.retry, error.retryAfterSeconds), signal);
    }
  }
}

/** POST {apiUrl}/b2api/vN/<op> with the account token; `build` fills in fields such as accountId. */
export function callJson<Op extends JsonOperation>(
  context: CallContext,
  operation: Op,
  build: (authorization: Authorization) => unknown,
  signal?: AbortSignal,
): Promise<ResponseOf<Op>> {
  return withAccountRetries(
    context,
    async (authorization) => {
      const response = await context.transport.send(
        `${trimSlash(authorization.apiUrl)}/b2api/${context.apiVersion}/${operation}`,
        {
          method: 'POST',
          headers: accountHeaders(authorization.authorizationToken, context.testMode),
          json: build(authorization),
          timeout: context.timeout,
          ...(signal ? { signal } : {}),
        },
      );
      if (!response.ok) throw await errorFromResponse(response);
      return readJson<ResponseOf<Op>>(response, signal);
    },
    { signal },
  );
}

export function accountHeaders(token: string, testMode: TestMode | undefined): Record<string, string> {
  return testMode ? { Authorization: token, [Header.testMode]: testMode } : { Authorization: token };
}
