/**
 * The `X-Bz-Test-Mode` request header, as the real service honours it: `force_cap_exceeded`,
 * `fail_some_uploads` and `expire_some_account_authorization_tokens`.
 * "Some" is a seeded draw, so a run is reproducible.
 */
import { DOWNLOAD_ENDPOINTS, type EndpointName, isJsonOperation, UPLOAD_ENDPOINTS } from './endpoints.js';
import { type Fault, statusFault } from './kinds.js';
import { mulberry32 } from './random.js';

/** How "some" the X-Bz-Test-Mode modes are. */
export interface TestModeOptions {
  /** Default 1. */
  seed?: number;
  /** Share of covered requests that fail under fail_some_uploads / expire_some_…; default 0.25. */
  rate?: number;
}

export const TEST_MODE_DEFAULTS = { seed: 1, rate: 0.25 } as const;

export interface TestModes {
  readonly seed: number;
  readonly rate: number;
  /** The fault the request's test-mode header asks for, if any; draws from the seeded generator. */
  faultFor(endpoint: EndpointName, headers: Record<string, string | undefined>): Fault | undefined;
}

export function createTestModes(
  seed: number = TEST_MODE_DEFAULTS.seed,
  rate: number = TEST_MODE_DEFAULTS.rate,
): TestModes {
  const random = mulberry32(seed);
  const some = (kind: Parameters<typeof statusFault>[0]) => (random() < rate ? statusFault(kind) : undefined);
  return {
    seed,
    rate,
    faultFor(endpoint, headers) {
      const mode = headerValue(headers, 'x-bz-test-mode')?.trim();
      const isUpload = UPLOAD_ENDPOINTS.includes(endpoint);
      // "Cap exceeded conditions are forced" on upload calls: every one, no draw.
      if (mode === 'force_cap_exceeded') return isUpload ? statusFault('cap_exceeded') : undefined;
      if (mode === 'fail_some_uploads' && isUpload) return some('503');
      if (mode === 'expire_some_account_authorization_tokens' && usesAccountToken(endpoint, headers)) {
        return some('expired_token');
      }
      return undefined;
    },
  };
}

/** Account tokens ride on every JSON call, and on downloads when the caller sends one (private buckets). */
function usesAccountToken(endpoint: EndpointName, headers: Record<string, string | undefined>): boolean {
  if (isJsonOperation(endpoint)) return true;
  return DOWNLOAD_ENDPOINTS.includes(endpoint) && headerValue(headers, 'authorization') !== undefined;
}

function headerValue(headers: Record<string, string | undefined>, lowerName: string): string | undefined {
  if (headers[lowerName] !== undefined) return headers[lowerName];
  for (const [name, value] of Object.entries(headers)) if (name.toLowerCase() === lowerName) return value;
  return undefined;
}
