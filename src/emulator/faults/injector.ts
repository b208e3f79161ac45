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
import type { Clock } from '../clock.js';
import {
  type ArmedRule,
  type ArmedSchedule,
  type FaultRule,
  type FaultSchedule,
  parseConfig,
  parseRule,
  parseSchedule,
} from './config.js';
import type { EndpointName } from './endpoints.js';
import type { Fault } from './kinds.js';
import { createTestModes } from './test-modes.js';

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
  /** Requests held by a 'hold' fault now, waiting for `release()`. */
  held: number;
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
  /** Called by the server for a 'hold' fault: settles when a test calls `release()`. */
  hold(): Promise<void>;
  /** Lets every held request go on to be served; returns how many there were. */
  release(): number;
}

export interface FaultInjectorOptions {
  /** Stamps `history()` entries; default real time. */
  clock?: Clock;
}

const HISTORY_LIMIT = 10_000;

export function createFaultInjector(options: FaultInjectorOptions = {}): FaultInjector {
  const now = () => (options.clock ? options.clock.now() : Date.now());
  let rules: ArmedRule[] = [];
  let armedSchedule: ArmedSchedule | undefined;
  let testModes = createTestModes();
  let injected: InjectedFault[] = [];
  let requestCount = 0;
  let held: (() => void)[] = [];

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
    if (!(s.spread ? spreadHit(s.spread, s.random) : s.random() < s.rate)) return undefined;
    return s.kinds[Math.floor(s.random() * s.kinds.length)];
  };

  const injector: FaultInjector = {
    next(endpoint, headers) {
      requestCount++;
      const byRule = fromRules(endpoint);
      const byTestMode = testModes.faultFor(endpoint, headers);
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
      injector.release();
      rules = [];
      armedSchedule = undefined;
      testModes = createTestModes();
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
      held: held.length,
    }),
    history: () => injected.map((e) => ({ ...e })),
    hold: () => new Promise<void>((resolve) => held.push(resolve)),
    release() {
      const waiting = held;
      held = [];
      for (const resolve of waiting) resolve();
      return waiting.length;
    },
  };
  return injector;
}

/** Whether this request is the one of its block that fails (a new block draws where its fault falls). */
function spreadHit(spread: { every: number; index: number; at: number }, random: () => number): boolean {
  if (!Number.isFinite(spread.every)) return false;
  if (spread.index % spread.every === 0) spread.at = Math.floor(random() * spread.every);
  const hit = spread.index % spread.every === spread.at;
  spread.index += 1;
  return hit;
}
