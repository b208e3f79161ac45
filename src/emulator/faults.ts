/**
 * Fault injection for tests: what the emulator does *instead of* serving a request.
 * Three sources, asked in this order on every request (the first that answers wins):
 *   1. one-shot rules (`add`), FIFO per endpoint — "the next 2 part uploads get 503";
 *   2. the `X-Bz-Test-Mode` header, as the real service honours it;
 *   3. a seeded random schedule (`schedule`) — "10% of all requests fail, reproducibly".
 * Sources 2 and 3 draw from their own seeded generators on every request they cover, even when an earlier
 * source already answered, so adding a one-shot rule never shifts the random sequence that follows.
 * The server applies each Fault on the real socket; this module only decides.
 */
import type { JsonOperation } from '../b2/wire.js';
import type { Clock } from './clock.js';

export type EndpointName =
  | 'b2_authorize_account'
  | JsonOperation
  | 'b2_upload_file'
  | 'b2_upload_part'
  | 'b2_download_file_by_id'
  | 'b2_download_file_by_name';

export type Fault =
  | { kind: 'status'; status: number; code: string; message: string; retryAfterSeconds?: number }
  /** Destroy the socket before reading the body. */
  | { kind: 'reset' }
  /** Read that many body bytes, then destroy the socket. */
  | { kind: 'reset_mid_body'; afterBytes: number }
  /** Hold the request that long, then destroy the socket without a response. */
  | { kind: 'stall'; ms: number }
  /** Handle fully (bytes stored), then destroy the socket instead of responding. */
  | { kind: 'reset_after_store' };

// A Record, not an array, so adding an operation to wire.ts fails to compile until it is listed here.
const JSON_OPERATIONS: Record<JsonOperation, true> = {
  b2_create_bucket: true,
  b2_list_buckets: true,
  b2_update_bucket: true,
  b2_delete_bucket: true,
  b2_get_upload_url: true,
  b2_start_large_file: true,
  b2_get_upload_part_url: true,
  b2_list_parts: true,
  b2_list_unfinished_large_files: true,
  b2_finish_large_file: true,
  b2_cancel_large_file: true,
  b2_copy_part: true,
  b2_copy_file: true,
  b2_list_file_names: true,
  b2_list_file_versions: true,
  b2_get_file_info: true,
  b2_hide_file: true,
  b2_delete_file_version: true,
  b2_get_download_authorization: true,
  b2_create_key: true,
  b2_list_keys: true,
  b2_delete_key: true,
};

export const UPLOAD_ENDPOINTS: readonly EndpointName[] = ['b2_upload_file', 'b2_upload_part'];
export const DOWNLOAD_ENDPOINTS: readonly EndpointName[] = [
  'b2_download_file_by_id',
  'b2_download_file_by_name',
];
export const ENDPOINT_NAMES: readonly EndpointName[] = [
  'b2_authorize_account',
  ...(Object.keys(JSON_OPERATIONS) as JsonOperation[]),
  ...UPLOAD_ENDPOINTS,
  ...DOWNLOAD_ENDPOINTS,
];

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

/** Defaults of the socket-level shorthands. */
export const FAULT_DEFAULTS = {
  /** 'reset_mid_body' reads this many body bytes first. */
  resetAfterBytes: 1024,
  /** 'stall' holds the request this long before dropping it. */
  stallMs: 10_000,
} as const;

export type FaultKindShorthand =
  keyof typeof STATUS_FAULTS | 'reset' | 'reset_mid_body' | 'stall' | 'reset_after_store';

export const FAULT_KIND_SHORTHANDS: readonly FaultKindShorthand[] = [
  ...(Object.keys(STATUS_FAULTS) as (keyof typeof STATUS_FAULTS)[]),
  'reset',
  'reset_mid_body',
  'stall',
  'reset_after_store',
];

/** One-shot rule: the next `count` matching requests (after letting `skip` through) get `fault`. */
export interface FaultRule {
  /** Endpoints it applies to; default every endpoint. */
  endpoints?: EndpointName[];
  fault: Fault | FaultKindShorthand;
  /** How many requests get the fault; default 1. `Infinity` (JS only) = until removed. */
  count?: number;
  /** Matching requests to let through first, counted from when the rule is added; default 0. */
  skip?: number;
}

/** Seeded random faults: each matching request fails with probability `rate`, kind chosen at random. */
export interface FaultSchedule {
  seed: number;
  /** 0..1: the share of matching requests that get a fault. */
  rate: number;
  kinds: (FaultKindShorthand | Fault)[];
  /** Default every endpoint. */
  endpoints?: EndpointName[];
}

/** How "some" the X-Bz-Test-Mode modes are. */
export interface TestModeOptions {
  /** Default 1. */
  seed?: number;
  /** Share of covered requests that fail under fail_some_uploads / expire_some_…; default 0.25. */
  rate?: number;
}

/** The JSON body of `POST /__emulator/faults`; every field optional, applied in this order. */
export interface FaultConfig {
  /** Drop all rules, the schedule and the history first. */
  clear?: boolean;
  rules?: FaultRule[];
  /** A schedule replaces the current one; `null` stops it. */
  schedule?: FaultSchedule | null;
  testModes?: TestModeOptions;
}

export interface InjectedFault {
  /** 1-based index of the request among all the injector was asked about. */
  request: number;
  endpoint: EndpointName;
  kind: Fault['kind'];
  /** For kind 'status'. */
  status?: number;
  code?: string;
  source: 'rule' | 'test_mode' | 'schedule';
  /** Clock time (ms since epoch) when it was injected. */
  at: number;
}

/** JSON-serialisable view of what is armed (for `GET /__emulator/faults`). */
export interface FaultsState {
  rules: { endpoints: EndpointName[] | 'all'; fault: Fault; remaining: number | 'forever'; skip: number }[];
  schedule: { seed: number; rate: number; kinds: Fault[]; endpoints: EndpointName[] | 'all' } | null;
  testModes: { seed: number; rate: number };
  injected: number;
}

export interface FaultInjector {
  /** Called by the server once per request after routing: what to do to it; undefined = serve normally. */
  next(endpoint: EndpointName, headers: Record<string, string | undefined>): Fault | undefined;
  /** Arms a one-shot rule; returns a function that disarms it (safe to call twice). */
  add(rule: FaultRule): () => void;
  /** Starts (or replaces) the random schedule; returns a function that stops it. */
  schedule(schedule: FaultSchedule): () => void;
  /** Drops rules, schedule and history; test modes return to their defaults. */
  clear(): void;
  /** Applies a JSON config (validated; throws FaultConfigError) and returns the resulting state. */
  configure(json: unknown): FaultsState;
  state(): FaultsState;
  /** Faults injected so far, oldest first (the last 10,000). */
  history(): InjectedFault[];
}

export type FaultConfigErrorCode = 'unknown_endpoint' | 'unknown_fault' | 'bad_value';

/** A fault config that cannot be applied; the control endpoint answers it with 400 bad_request. */
export class FaultConfigError extends Error {
  override readonly name = 'FaultConfigError';
  constructor(
    readonly code: FaultConfigErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isFaultConfigError(error: unknown): error is FaultConfigError {
  return error instanceof Error && error.name === 'FaultConfigError';
}

export interface FaultInjectorOptions {
  /** Stamps `history()` entries; default real time. */
  clock?: Clock;
}

const HISTORY_LIMIT = 10_000;
const TEST_MODE_DEFAULTS = { seed: 1, rate: 0.25 };

interface ArmedRule {
  endpoints: ReadonlySet<EndpointName> | undefined;
  fault: Fault;
  remaining: number;
  skip: number;
}

interface ArmedSchedule {
  random: () => number;
  rate: number;
  kinds: Fault[];
  endpoints: ReadonlySet<EndpointName> | undefined;
  seed: number;
}

export function createFaultInjector(options: FaultInjectorOptions = {}): FaultInjector {
  const now = () => (options.clock ? options.clock.now() : Date.now());
  let rules: ArmedRule[] = [];
  let armedSchedule: ArmedSchedule | undefined;
  let testModes = { ...TEST_MODE_DEFAULTS, random: mulberry32(TEST_MODE_DEFAULTS.seed) };
  let injected: InjectedFault[] = [];
  let requestCount = 0;

  const fromRules = (endpoint: EndpointName): Fault | undefined => {
    let chosen: ArmedRule | undefined;
    for (const rule of rules) {
      if (rule.endpoints && !rule.endpoints.has(endpoint)) continue;
      // Every matching rule sees the request; skips count down whether or not another rule fires.
      if (rule.skip > 0) rule.skip--;
      else chosen ??= rule;
    }
    if (!chosen) return undefined;
    chosen.remaining--;
    if (chosen.remaining <= 0) rules = rules.filter((r) => r !== chosen);
    return chosen.fault;
  };

  const fromSchedule = (endpoint: EndpointName): Fault | undefined => {
    const s = armedSchedule;
    if (!s || (s.endpoints && !s.endpoints.has(endpoint))) return undefined;
    if (s.random() >= s.rate) return undefined;
    return s.kinds[Math.floor(s.random() * s.kinds.length)];
  };

  const fromTestMode = (endpoint: EndpointName, headers: Record<string, string | undefined>) => {
    const mode = headerValue(headers, 'x-bz-test-mode')?.trim();
    const isUpload = UPLOAD_ENDPOINTS.includes(endpoint);
    if (mode === 'force_cap_exceeded') {
      // "Cap exceeded conditions are forced" on upload calls: every one, no draw.
      return isUpload ? statusFault('cap_exceeded') : undefined;
    }
    if (mode === 'fail_some_uploads' && isUpload) {
      return testModes.random() < testModes.rate ? statusFault('503') : undefined;
    }
    if (mode === 'expire_some_account_authorization_tokens' && usesAccountToken(endpoint, headers)) {
      return testModes.random() < testModes.rate ? statusFault('expired_token') : undefined;
    }
    return undefined;
  };

  const injector: FaultInjector = {
    next(endpoint, headers) {
      requestCount++;
      const byRule = fromRules(endpoint);
      const byTestMode = fromTestMode(endpoint, headers);
      const bySchedule = fromSchedule(endpoint);
      const fault = byRule ?? byTestMode ?? bySchedule;
      if (!fault) return undefined;
      const source = byRule ? 'rule' : byTestMode ? 'test_mode' : 'schedule';
      const entry: InjectedFault = { request: requestCount, endpoint, kind: fault.kind, source, at: now() };
      if (fault.kind === 'status') Object.assign(entry, { status: fault.status, code: fault.code });
      injected.push(entry);
      if (injected.length > HISTORY_LIMIT) injected = injected.slice(-HISTORY_LIMIT);
      return fault;
    },
    add(rule) {
      const armed = parseRule(rule);
      rules.push(armed);
      return () => {
        rules = rules.filter((r) => r !== armed);
      };
    },
    schedule(schedule) {
      const armed = parseSchedule(schedule);
      armedSchedule = armed;
      return () => {
        if (armedSchedule === armed) armedSchedule = undefined;
      };
    },
    clear() {
      rules = [];
      armedSchedule = undefined;
      testModes = { ...TEST_MODE_DEFAULTS, random: mulberry32(TEST_MODE_DEFAULTS.seed) };
      injected = [];
    },
    configure(json) {
      const config = parseConfig(json);
      if (config.clear) injector.clear();
      if (config.testModes) testModes = config.testModes;
      for (const rule of config.rules) rules.push(rule);
      if (config.schedule === null) armedSchedule = undefined;
      else if (config.schedule) armedSchedule = config.schedule;
      return injector.state();
    },
    state: () => ({
      rules: rules.map((r) => ({
        endpoints: r.endpoints ? [...r.endpoints] : 'all',
        fault: r.fault,
        remaining: Number.isFinite(r.remaining) ? r.remaining : 'forever',
        skip: r.skip,
      })),
      schedule: armedSchedule
        ? {
            seed: armedSchedule.seed,
            rate: armedSchedule.rate,
            kinds: armedSchedule.kinds,
            endpoints: armedSchedule.endpoints ? [...armedSchedule.endpoints] : 'all',
          }
        : null,
      testModes: { seed: testModes.seed, rate: testModes.rate },
      injected: injected.length,
    }),
    history: () => injected.map((e) => ({ ...e })),
  };
  return injector;
}

/** The full Fault a shorthand stands for, with B2's real status, code and message. */
export function faultFromShorthand(kind: FaultKindShorthand): Fault {
  switch (kind) {
    case 'reset':
    case 'reset_after_store':
      return { kind };
    case 'reset_mid_body':
      return { kind, afterBytes: FAULT_DEFAULTS.resetAfterBytes };
    case 'stall':
      return { kind, ms: FAULT_DEFAULTS.stallMs };
    default:
      return statusFault(kind);
  }
}

function statusFault(kind: keyof typeof STATUS_FAULTS): Fault {
  return { kind: 'status', ...STATUS_FAULTS[kind] };
}

/** Account tokens ride on every JSON call, and on downloads when the caller sends one (private buckets). */
function usesAccountToken(endpoint: EndpointName, headers: Record<string, string | undefined>): boolean {
  if (endpoint in JSON_OPERATIONS) return true;
  return DOWNLOAD_ENDPOINTS.includes(endpoint) && headerValue(headers, 'authorization') !== undefined;
}

function headerValue(headers: Record<string, string | undefined>, lowerName: string): string | undefined {
  if (headers[lowerName] !== undefined) return headers[lowerName];
  for (const [name, value] of Object.entries(headers)) if (name.toLowerCase() === lowerName) return value;
  return undefined;
}

/** mulberry32: a tiny, well-mixed 32-bit PRNG; the same seed gives the same sequence on every platform. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

// ---------------------------------------------------------------------------------------------
// Validation: JS callers and the HTTP control endpoint share it, so a typo fails loudly, not silently.

function parseConfig(json: unknown) {
  const o = asObject(json, 'fault config');
  const rules = o.rules === undefined ? [] : asArray(o.rules, 'rules').map(parseRule);
  const schedule = o.schedule === undefined || o.schedule === null ? o.schedule : parseSchedule(o.schedule);
  let modes: (typeof TEST_MODE_DEFAULTS & { random: () => number }) | undefined;
  if (o.testModes !== undefined) {
    const t = asObject(o.testModes, 'testModes');
    const seed =
      t.seed === undefined ? TEST_MODE_DEFAULTS.seed : asInteger(t.seed, 'testModes.seed', -(2 ** 31));
    const rate = t.rate === undefined ? TEST_MODE_DEFAULTS.rate : asRate(t.rate, 'testModes.rate');
    modes = { seed, rate, random: mulberry32(seed) };
  }
  return { clear: o.clear === true, rules, schedule, testModes: modes };
}

function parseRule(input: unknown): ArmedRule {
  const o = asObject(input, 'rule');
  const count = o.count === undefined ? 1 : o.count;
  if (count !== Number.POSITIVE_INFINITY) asInteger(count, 'rule.count', 1);
  return {
    endpoints: parseEndpoints(o.endpoints),
    fault: parseFault(o.fault),
    remaining: count as number,
    skip: o.skip === undefined ? 0 : asInteger(o.skip, 'rule.skip', 0),
  };
}

function parseSchedule(input: unknown): ArmedSchedule {
  const o = asObject(input, 'schedule');
  const seed = asInteger(o.seed, 'schedule.seed', -(2 ** 31));
  const kinds = asArray(o.kinds, 'schedule.kinds').map(parseFault);
  if (kinds.length === 0)
    throw new FaultConfigError('bad_value', 'schedule.kinds must name at least one fault');
  return {
    random: mulberry32(seed),
    rate: asRate(o.rate, 'schedule.rate'),
    kinds,
    endpoints: parseEndpoints(o.endpoints),
    seed,
  };
}

function parseEndpoints(input: unknown): ReadonlySet<EndpointName> | undefined {
  if (input === undefined || input === null) return undefined;
  const names = asArray(input, 'endpoints');
  for (const name of names) {
    if (!ENDPOINT_NAMES.includes(name as EndpointName)) {
      throw new FaultConfigError('unknown_endpoint', `unknown endpoint ${JSON.stringify(name)}`);
    }
  }
  return new Set(names as EndpointName[]);
}

function parseFault(input: unknown): Fault {
  if (typeof input === 'string') {
    if (!FAULT_KIND_SHORTHANDS.includes(input as FaultKindShorthand)) {
      throw new FaultConfigError(
        'unknown_fault',
        `unknown fault ${JSON.stringify(input)}; one of ${FAULT_KIND_SHORTHANDS.join(', ')}`,
      );
    }
    return faultFromShorthand(input as FaultKindShorthand);
  }
  const o = asObject(input, 'fault');
  switch (o.kind) {
    case 'status': {
      const fault: Fault = {
        kind: 'status',
        status: asInteger(o.status, 'fault.status', 400, 599),
        code: asString(o.code, 'fault.code'),
        message: o.message === undefined ? '' : asString(o.message, 'fault.message'),
      };
      if (o.retryAfterSeconds !== undefined) {
        fault.retryAfterSeconds = asInteger(o.retryAfterSeconds, 'fault.retryAfterSeconds', 0);
      }
      return fault;
    }
    case 'reset':
    case 'reset_after_store':
      return { kind: o.kind };
    case 'reset_mid_body':
      return { kind: o.kind, afterBytes: asInteger(o.afterBytes, 'fault.afterBytes', 0) };
    case 'stall':
      return { kind: o.kind, ms: asInteger(o.ms, 'fault.ms', 0) };
    default:
      throw new FaultConfigError('unknown_fault', `unknown fault kind ${JSON.stringify(o.kind)}`);
  }
}

function asObject(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new FaultConfigError('bad_value', `${what} must be an object`);
  }
  return v as Record<string, unknown>;
}

function asArray(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new FaultConfigError('bad_value', `${what} must be an array`);
  return v;
}

function asString(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new FaultConfigError('bad_value', `${what} must be a string`);
  return v;
}

function asInteger(v: unknown, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new FaultConfigError('bad_value', `${what} must be an integer in ${min}..${max}, got ${String(v)}`);
  }
  return v;
}

function asRate(v: unknown, what: string): number {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
    throw new FaultConfigError('bad_value', `${what} must be a number in 0..1, got ${String(v)}`);
  }
  return v;
}
