/**
 * What the emulator can do instead of serving a request, and the one-word shorthands tests use for
 * the common cases (each with B2's own status, code and message).
 */

export type Fault =
  | { kind: 'status'; status: number; code: string; message: string; retryAfterSeconds?: number }
  /** Destroy the socket before reading the body. */
  | { kind: 'reset' }
  /** Read that many body bytes, then destroy the socket. */
  | { kind: 'reset_mid_body'; afterBytes: number }
  /** Hold the request that long, then destroy the socket without a response. */
  | { kind: 'stall'; ms: number }
  /** Handle fully (bytes stored), then destroy the socket instead of responding. */
  | { kind: 'reset_after_store' }
  /** Hold the request, body unread, until the test calls `release()`; then serve it normally. */
  | { kind: 'hold' };

/** B2's own status, code and message for each fault a test can name in one word. */
const STATUS_FAULTS = {
  '503': { status: 503, code: 'service_unavailable', message: 'Service Unavailable' },
  '500': { status: 500, code: 'internal_error', message: 'An internal error occurred' },
  '408': { status: 408, code: 'request_timeout', message: 'The request timed out' },
  // B2 sends Retry-After (integer seconds) with 429; clients must wait that long.
  '429': { status: 429, code: 'too_many_requests', message: 'Too many requests', retryAfterSeconds: 1 },
  expired_token: { status: 401, code: 'expired_auth_token', message: 'Authorization token has expired' },
  bad_auth_token: { status: 401, code: 'bad_auth_token', message: 'Invalid authorization token' },
  cap_exceeded: { status: 403, code: 'cap_exceeded', message: 'Cannot upload files, storage cap exceeded.' },
} as const;

export type StatusFaultName = keyof typeof STATUS_FAULTS;

/** Defaults of the socket-level shorthands. */
export const FAULT_DEFAULTS = {
  /** 'reset_mid_body' reads this many body bytes first. */
  resetAfterBytes: 1024,
  /** 'stall' holds the request this long before dropping it. */
  stallMs: 10_000,
} as const;

export type FaultKindShorthand =
  StatusFaultName | 'reset' | 'reset_mid_body' | 'stall' | 'reset_after_store' | 'hold';

export const FAULT_KIND_SHORTHANDS: readonly FaultKindShorthand[] = [
  ...(Object.keys(STATUS_FAULTS) as StatusFaultName[]),
  'reset',
  'reset_mid_body',
  'stall',
  'reset_after_store',
  'hold',
];

/** The full Fault a shorthand stands for, with B2's real status, code and message. */
export function faultFromShorthand(kind: FaultKindShorthand): Fault {
  switch (kind) {
    case 'reset':
    case 'reset_after_store':
    case 'hold':
      return { kind };
    case 'reset_mid_body':
      return { kind, afterBytes: FAULT_DEFAULTS.resetAfterBytes };
    case 'stall':
      return { kind, ms: FAULT_DEFAULTS.stallMs };
    default:
      return statusFault(kind);
  }
}

export function statusFault(kind: StatusFaultName): Fault {
  return { kind: 'status', ...STATUS_FAULTS[kind] };
}
