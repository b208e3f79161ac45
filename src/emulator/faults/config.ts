/**
 * Fault rules, schedules and configs as callers write them, and their validation. JS callers and the
 * HTTP control endpoint share it, so a typo fails loudly, not silently.
 */
import { hasErrorCode } from '../../error-name.js';
import { ENDPOINT_NAMES, type EndpointName } from './endpoints.js';
import { type Fault, FAULT_KIND_SHORTHANDS, type FaultKindShorthand, faultFromShorthand } from './kinds.js';
import { mulberry32 } from './random.js';
import { createTestModes, TEST_MODE_DEFAULTS, type TestModeOptions, type TestModes } from './test-modes.js';

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
  /**
   * true: instead of a draw per request, exactly one fault in every block of round(1/rate) matching
   * requests, at a seeded place in the block. The share is then exact and no run of a block's
   * length goes without its fault, so a suite's "≥ N faults" can't miss by chance. Default false.
   */
  spread?: boolean;
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

/** True for a FaultConfigError from any realm or copy of this package (checks `name`, not the prototype). */
export function isFaultConfigError(error: unknown): error is FaultConfigError {
  return hasErrorCode(error, 'FaultConfigError');
}

/** A validated rule, counting down as it fires. */
export interface ArmedRule {
  endpoints: ReadonlySet<EndpointName> | undefined;
  fault: Fault;
  remaining: number;
  skip: number;
}

/** A validated schedule with its own seeded generator. */
export interface ArmedSchedule {
  random: () => number;
  rate: number;
  kinds: Fault[];
  endpoints: ReadonlySet<EndpointName> | undefined;
  seed: number;
  /** For `spread`: the block length, and where in the current block its fault falls. */
  spread: { every: number; index: number; at: number } | undefined;
}

export interface ParsedConfig {
  clear: boolean;
  rules: ArmedRule[];
  schedule: ArmedSchedule | null | undefined;
  testModes: TestModes | undefined;
}

export function parseConfig(json: unknown): ParsedConfig {
  const o = asObject(json, 'fault config');
  const rules = o.rules === undefined ? [] : asArray(o.rules, 'rules').map(parseRule);
  const schedule = o.schedule === undefined || o.schedule === null ? o.schedule : parseSchedule(o.schedule);
  let testModes: TestModes | undefined;
  if (o.testModes !== undefined) {
    const t = asObject(o.testModes, 'testModes');
    const seed =
      t.seed === undefined ? TEST_MODE_DEFAULTS.seed : asInteger(t.seed, 'testModes.seed', -(2 ** 31));
    const rate = t.rate === undefined ? TEST_MODE_DEFAULTS.rate : asRate(t.rate, 'testModes.rate');
    testModes = createTestModes(seed, rate);
  }
  return { clear: o.clear === true, rules, schedule, testModes };
}

export function parseRule(input: unknown): ArmedRule {
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

export function parseSchedule(input: unknown): ArmedSchedule {
  const o = asObject(input, 'schedule');
  const seed = asInteger(o.seed, 'schedule.seed', -(2 ** 31));
  const kinds = asArray(o.kinds, 'schedule.kinds').map(parseFault);
  if (kinds.length === 0)
    throw new FaultConfigError('bad_value', 'schedule.kinds must name at least one fault');
  const rate = asRate(o.rate, 'schedule.rate');
  if (o.spread !== undefined && typeof o.spread !== 'boolean')
    throw new FaultConfigError('bad_value', 'schedule.spread must be true or false');
  const every = rate > 0 ? Math.max(1, Math.round(1 / rate)) : Number.POSITIVE_INFINITY;
  return {
    random: mulberry32(seed),
    rate,
    kinds,
    endpoints: parseEndpoints(o.endpoints),
    seed,
    spread: o.spread === true ? { every, index: 0, at: 0 } : undefined,
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
    case 'hold':
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
