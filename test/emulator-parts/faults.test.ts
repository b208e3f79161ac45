import { describe, expect, it } from 'vitest';
import { createClock } from '../../src/emulator/clock.js';
import { isFaultConfigError } from '../../src/emulator/faults/config.js';
import { ENDPOINT_NAMES, type EndpointName } from '../../src/emulator/faults/endpoints.js';
import { createFaultInjector, type FaultInjector } from '../../src/emulator/faults/injector.js';
import { type Fault, faultFromShorthand } from '../../src/emulator/faults/kinds.js';
import { mulberry32 } from '../../src/emulator/faults/random.js';

const none = {};

/** Asks the injector about `n` requests to `endpoint` and returns what it answered, as short strings. */
function drive(
  faults: FaultInjector,
  endpoint: EndpointName,
  n: number,
  headers: Record<string, string> = {},
) {
  return Array.from({ length: n }, () => describe1(faults.next(endpoint, headers)));
}

function describe1(fault: Fault | undefined): string {
  if (!fault) return '-';
  return fault.kind === 'status' ? `${fault.status} ${fault.code}` : fault.kind;
}

describe('shorthands', () => {
  it("map to B2's own status and code", () => {
    expect(faultFromShorthand('503')).toMatchObject({
      kind: 'status',
      status: 503,
      code: 'service_unavailable',
    });
    expect(faultFromShorthand('500')).toMatchObject({ status: 500, code: 'internal_error' });
    expect(faultFromShorthand('408')).toMatchObject({ status: 408, code: 'request_timeout' });
    expect(faultFromShorthand('429')).toMatchObject({
      status: 429,
      code: 'too_many_requests',
      retryAfterSeconds: 1,
    });
    expect(faultFromShorthand('expired_token')).toMatchObject({ status: 401, code: 'expired_auth_token' });
    expect(faultFromShorthand('cap_exceeded')).toMatchObject({ status: 403, code: 'cap_exceeded' });
    expect(faultFromShorthand('reset')).toEqual({ kind: 'reset' });
    expect(faultFromShorthand('reset_mid_body')).toEqual({ kind: 'reset_mid_body', afterBytes: 1024 });
    expect(faultFromShorthand('stall')).toEqual({ kind: 'stall', ms: 10_000 });
    expect(faultFromShorthand('reset_after_store')).toEqual({ kind: 'reset_after_store' });
  });

  it('name every endpoint of the wire contract once', () => {
    expect(new Set(ENDPOINT_NAMES).size).toBe(ENDPOINT_NAMES.length);
    expect(ENDPOINT_NAMES).toContain('b2_finish_large_file');
    expect(ENDPOINT_NAMES).toContain('b2_download_file_by_name');
  });
});

describe('one-shot rules', () => {
  it('fire once by default, only on their endpoints, then serve normally', () => {
    const faults = createFaultInjector();
    faults.add({ endpoints: ['b2_upload_part'], fault: '503' });
    expect(drive(faults, 'b2_upload_file', 1)).toEqual(['-']);
    expect(drive(faults, 'b2_upload_part', 3)).toEqual(['503 service_unavailable', '-', '-']);
  });

  it('are FIFO per endpoint, honour count and skip', () => {
    const faults = createFaultInjector();
    faults.add({ endpoints: ['b2_upload_part'], fault: '500', count: 2 });
    faults.add({ endpoints: ['b2_upload_part'], fault: 'reset' });
    faults.add({ endpoints: ['b2_get_upload_part_url'], fault: '429', skip: 2 });
    expect(drive(faults, 'b2_upload_part', 4)).toEqual([
      '500 internal_error',
      '500 internal_error',
      'reset',
      '-',
    ]);
    expect(drive(faults, 'b2_get_upload_part_url', 4)).toEqual(['-', '-', '429 too_many_requests', '-']);
  });

  it('skip counts every matching request, even ones an earlier rule faulted', () => {
    const faults = createFaultInjector();
    faults.add({ fault: '503' });
    faults.add({ fault: '408', skip: 1 });
    expect(drive(faults, 'b2_list_buckets', 3)).toEqual([
      '503 service_unavailable',
      '408 request_timeout',
      '-',
    ]);
  });

  it('without endpoints apply to all; the remover disarms', () => {
    const faults = createFaultInjector();
    const remove = faults.add({ fault: 'stall', count: Number.POSITIVE_INFINITY });
    expect(drive(faults, 'b2_authorize_account', 1)).toEqual(['stall']);
    expect(drive(faults, 'b2_download_file_by_id', 1)).toEqual(['stall']);
    expect(faults.state().rules).toEqual([
      { endpoints: 'all', fault: { kind: 'stall', ms: 10_000 }, remaining: 'forever', skip: 0 },
    ]);
    remove();
    remove();
    expect(drive(faults, 'b2_authorize_account', 2)).toEqual(['-', '-']);
  });

  it('accept full faults', () => {
    const faults = createFaultInjector();
    faults.add({ fault: { kind: 'reset_mid_body', afterBytes: 7 } });
    faults.add({
      fault: {
        kind: 'status',
        status: 503,
        code: 'service_unavailable',
        message: 'busy',
        retryAfterSeconds: 3,
      },
    });
    expect(faults.next('b2_upload_file', none)).toEqual({ kind: 'reset_mid_body', afterBytes: 7 });
    expect(faults.next('b2_upload_file', none)).toEqual({
      kind: 'status',
      status: 503,
      code: 'service_unavailable',
      message: 'busy',
      retryAfterSeconds: 3,
    });
  });

  it('refuse bad input with a typed error', () => {
    const faults = createFaultInjector();
    const codeOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return isFaultConfigError(e) ? e.code : 'other';
      }
      return 'none';
    };
    expect(codeOf(() => faults.add({ fault: 'teapot' as '503' }))).toBe('unknown_fault');
    expect(codeOf(() => faults.add({ fault: '503', endpoints: ['b2_nope' as EndpointName] }))).toBe(
      'unknown_endpoint',
    );
    expect(codeOf(() => faults.add({ fault: '503', count: 0 }))).toBe('bad_value');
    expect(codeOf(() => faults.add({ fault: '503', skip: -1 }))).toBe('bad_value');
    expect(codeOf(() => faults.add({ fault: { kind: 'stall' } as Fault }))).toBe('bad_value');
    expect(faults.state().rules).toEqual([]);
  });
});

describe('seeded schedule', () => {
  const sequence = (seed: number, n: number) => {
    const faults = createFaultInjector();
    faults.schedule({ seed, rate: 0.3, kinds: ['503', '500', 'reset', '429'] });
    return drive(faults, 'b2_upload_part', n);
  };

  it('is deterministic for a seed and request order, and differs between seeds', () => {
    const a = sequence(42, 200);
    expect(sequence(42, 200)).toEqual(a);
    expect(sequence(43, 200)).not.toEqual(a);
    expect(new Set(a)).toEqual(
      new Set(['-', '503 service_unavailable', '500 internal_error', 'reset', '429 too_many_requests']),
    );
  });

  it('honours the rate over many draws', () => {
    for (const rate of [0.05, 0.3, 0.7]) {
      const faults = createFaultInjector();
      faults.schedule({ seed: 7, rate, kinds: ['503'] });
      const hits = drive(faults, 'b2_upload_file', 10_000).filter((x) => x !== '-').length;
      expect(Math.abs(hits / 10_000 - rate)).toBeLessThan(0.02);
    }
    const never = createFaultInjector();
    never.schedule({ seed: 1, rate: 0, kinds: ['503'] });
    expect(drive(never, 'b2_upload_file', 500).every((x) => x === '-')).toBe(true);
    const always = createFaultInjector();
    always.schedule({ seed: 1, rate: 1, kinds: ['408'] });
    expect(drive(always, 'b2_upload_file', 500).every((x) => x === '408 request_timeout')).toBe(true);
  });

  it('spreads faults over the kinds', () => {
    const faults = createFaultInjector();
    faults.schedule({ seed: 3, rate: 1, kinds: ['503', 'reset', 'stall', 'expired_token'] });
    const tally = new Map<string, number>();
    for (const x of drive(faults, 'b2_upload_part', 4000)) tally.set(x, (tally.get(x) ?? 0) + 1);
    expect(tally.size).toBe(4);
    for (const n of tally.values()) expect(Math.abs(n / 4000 - 0.25)).toBeLessThan(0.03);
  });

  it('covers only its endpoints, and is not shifted by one-shot rules', () => {
    const plain = createFaultInjector();
    plain.schedule({ seed: 9, rate: 0.5, kinds: ['503'], endpoints: ['b2_upload_part'] });
    const withRule = createFaultInjector();
    withRule.schedule({ seed: 9, rate: 0.5, kinds: ['503'], endpoints: ['b2_upload_part'] });
    withRule.add({ fault: 'reset', endpoints: ['b2_upload_part'] });
    expect(drive(plain, 'b2_list_parts', 50).every((x) => x === '-')).toBe(true);
    const a = drive(plain, 'b2_upload_part', 100);
    const b = drive(withRule, 'b2_upload_part', 100);
    expect(b[0]).toBe('reset');
    expect(b.slice(1)).toEqual(a.slice(1));
  });

  it('replaces the previous schedule; the stop function ends it', () => {
    const faults = createFaultInjector();
    faults.schedule({ seed: 1, rate: 1, kinds: ['500'] });
    const stop = faults.schedule({ seed: 1, rate: 1, kinds: ['408'] });
    expect(drive(faults, 'b2_list_buckets', 2)).toEqual(['408 request_timeout', '408 request_timeout']);
    stop();
    expect(drive(faults, 'b2_list_buckets', 2)).toEqual(['-', '-']);
  });

  it('mulberry32 gives the same numbers for the same seed, in [0, 1)', () => {
    const a = mulberry32(123);
    const b = mulberry32(123);
    for (let i = 0; i < 1000; i++) {
      const x = a();
      expect(x).toBe(b());
      expect(x >= 0 && x < 1).toBe(true);
    }
  });
});

describe('X-Bz-Test-Mode', () => {
  it('fail_some_uploads: some (not all) upload calls get 503, other calls none, reproducibly', () => {
    const headers = { 'x-bz-test-mode': 'fail_some_uploads' };
    const run = () => {
      const faults = createFaultInjector();
      return [
        ...drive(faults, 'b2_upload_file', 500, headers),
        ...drive(faults, 'b2_upload_part', 500, headers),
      ];
    };
    const results = run();
    const failed = results.filter((x) => x === '503 service_unavailable').length;
    expect(results.every((x) => x === '-' || x === '503 service_unavailable')).toBe(true);
    expect(failed).toBeGreaterThan(150);
    expect(failed).toBeLessThan(350);
    expect(run()).toEqual(results);
    expect(drive(createFaultInjector(), 'b2_get_upload_url', 200, headers).every((x) => x === '-')).toBe(
      true,
    );
  });

  it('expire_some_account_authorization_tokens: some account-token calls get 401 expired_auth_token', () => {
    const headers = { 'X-Bz-Test-Mode': 'expire_some_account_authorization_tokens' };
    const faults = createFaultInjector();
    const results = drive(faults, 'b2_list_file_names', 1000, headers);
    const expired = results.filter((x) => x === '401 expired_auth_token').length;
    expect(expired).toBeGreaterThan(150);
    expect(expired).toBeLessThan(350);
    // Uploads carry upload tokens and authorize carries the key: not account tokens.
    expect(drive(faults, 'b2_upload_file', 200, headers).every((x) => x === '-')).toBe(true);
    expect(drive(faults, 'b2_authorize_account', 200, headers).every((x) => x === '-')).toBe(true);
    expect(drive(faults, 'b2_download_file_by_name', 200, headers).every((x) => x === '-')).toBe(true);
    const authed = drive(faults, 'b2_download_file_by_name', 200, { ...headers, authorization: 'tok' });
    expect(authed).toContain('401 expired_auth_token');
  });

  it('force_cap_exceeded: every upload call gets 403 cap_exceeded', () => {
    const headers = { 'x-bz-test-mode': 'force_cap_exceeded' };
    const faults = createFaultInjector();
    expect(drive(faults, 'b2_upload_part', 50, headers).every((x) => x === '403 cap_exceeded')).toBe(true);
    expect(drive(faults, 'b2_upload_file', 50, headers).every((x) => x === '403 cap_exceeded')).toBe(true);
    expect(drive(faults, 'b2_list_buckets', 50, headers).every((x) => x === '-')).toBe(true);
  });

  it('ignores unknown modes; the rate and seed are configurable', () => {
    const faults = createFaultInjector();
    expect(
      drive(faults, 'b2_upload_file', 100, { 'x-bz-test-mode': 'explode' }).every((x) => x === '-'),
    ).toBe(true);
    faults.configure({ testModes: { seed: 5, rate: 1 } });
    expect(drive(faults, 'b2_upload_file', 20, { 'x-bz-test-mode': 'fail_some_uploads' })).toEqual(
      Array(20).fill('503 service_unavailable'),
    );
  });
});

describe('configure, history, clear', () => {
  it('applies a JSON config as the control endpoint passes it', () => {
    const faults = createFaultInjector();
    const body = JSON.parse(
      JSON.stringify({
        rules: [
          { endpoints: ['b2_upload_part'], fault: '503', count: 2 },
          {
            endpoints: ['b2_finish_large_file'],
            fault: { kind: 'status', status: 500, code: 'internal_error', message: 'x' },
          },
        ],
        schedule: { seed: 11, rate: 1, kinds: ['reset'], endpoints: ['b2_list_parts'] },
      }),
    );
    const state = faults.configure(body);
    expect(state.rules).toHaveLength(2);
    expect(state.schedule).toMatchObject({ seed: 11, rate: 1, endpoints: ['b2_list_parts'] });
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
    expect(drive(faults, 'b2_upload_part', 3)).toEqual([
      '503 service_unavailable',
      '503 service_unavailable',
      '-',
    ]);
    expect(drive(faults, 'b2_finish_large_file', 1)).toEqual(['500 internal_error']);
    expect(drive(faults, 'b2_list_parts', 1)).toEqual(['reset']);
    expect(faults.configure({ schedule: null }).schedule).toBeNull();
    expect(drive(faults, 'b2_list_parts', 1)).toEqual(['-']);
  });

  it('applies nothing when any part of a config is bad', () => {
    const faults = createFaultInjector();
    const attempt = (json: unknown) => {
      try {
        faults.configure(json);
        return 'applied';
      } catch (e) {
        return isFaultConfigError(e) ? e.code : 'other';
      }
    };
    expect(attempt({ rules: [{ fault: '503' }], schedule: { seed: 1, rate: 2, kinds: ['503'] } })).toBe(
      'bad_value',
    );
    expect(attempt({ rules: [{ fault: '503' }, { fault: '999' }] })).toBe('unknown_fault');
    expect(attempt({ schedule: { seed: 1, rate: 0.5, kinds: [] } })).toBe('bad_value');
    expect(attempt('503')).toBe('bad_value');
    expect(attempt(null)).toBe('bad_value');
    expect(faults.state().rules).toEqual([]);
    expect(faults.state().schedule).toBeNull();
  });

  it('records what it injected, with the request index and clock time', () => {
    let real = 5_000;
    const clock = createClock(() => real);
    const faults = createFaultInjector({ clock });
    faults.add({ endpoints: ['b2_upload_part'], fault: '429' });
    faults.next('b2_list_buckets', none);
    faults.next('b2_upload_part', none);
    real = 6_000;
    clock.advance(1_000);
    faults.next('b2_upload_file', { 'x-bz-test-mode': 'force_cap_exceeded' });
    expect(faults.history()).toEqual([
      {
        request: 2,
        endpoint: 'b2_upload_part',
        kind: 'status',
        status: 429,
        code: 'too_many_requests',
        source: 'rule',
        at: 5_000,
      },
      {
        request: 3,
        endpoint: 'b2_upload_file',
        kind: 'status',
        status: 403,
        code: 'cap_exceeded',
        source: 'test_mode',
        at: 7_000,
      },
    ]);
    expect(faults.state().injected).toBe(2);
  });

  it('clear drops rules, schedule, history and restores test-mode defaults', () => {
    const faults = createFaultInjector();
    faults.add({ fault: '503', count: 5 });
    faults.schedule({ seed: 1, rate: 1, kinds: ['500'] });
    faults.configure({ testModes: { seed: 2, rate: 1 } });
    faults.next('b2_upload_file', none);
    faults.clear();
    expect(faults.history()).toEqual([]);
    expect(faults.state()).toEqual({
      rules: [],
      schedule: null,
      testModes: { seed: 1, rate: 0.25 },
      injected: 0,
      held: 0,
    });
    expect(drive(faults, 'b2_upload_file', 3)).toEqual(['-', '-', '-']);
  });

  it('configure with clear resets first, then applies', () => {
    const faults = createFaultInjector();
    faults.add({ fault: '503', count: 5 });
    faults.configure({ clear: true, rules: [{ fault: 'reset_after_store', endpoints: ['b2_upload_file'] }] });
    expect(drive(faults, 'b2_upload_file', 2)).toEqual(['reset_after_store', '-']);
  });
});

describe('hold', () => {
  it('holds a request until release(), then lets it be served; clear() releases too', async () => {
    const faults = createFaultInjector();
    faults.add({ endpoints: ['b2_finish_large_file'], fault: 'hold', count: 2 });
    expect(drive(faults, 'b2_finish_large_file', 1)).toEqual(['hold']);
    const order: string[] = [];
    const first = faults.hold().then(() => order.push('first'));
    const second = faults.hold().then(() => order.push('second'));
    await Promise.resolve();
    expect(order).toEqual([]);
    expect(faults.state().held).toBe(2);
    expect(faults.release()).toBe(2);
    await Promise.all([first, second]);
    expect(order).toEqual(['first', 'second']);
    const third = faults.hold();
    faults.clear();
    await third;
    expect(faults.state().held).toBe(0);
  });
});

describe('spread schedule', () => {
  it('fails exactly one request per block of 1/rate, at a seeded place, for every seed', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const faults = createFaultInjector();
      faults.schedule({ seed, rate: 0.15, kinds: ['503', '500'], spread: true });
      const outcomes = drive(faults, 'b2_upload_part', 7 * 30);
      for (let block = 0; block < 30; block++) {
        const inBlock = outcomes.slice(block * 7, block * 7 + 7).filter((o) => o !== '-');
        expect(inBlock, `seed ${seed}, block ${block}`).toHaveLength(1);
      }
    }
    const a = createFaultInjector();
    const b = createFaultInjector();
    a.schedule({ seed: 9, rate: 0.1, kinds: ['503'], spread: true });
    b.schedule({ seed: 9, rate: 0.1, kinds: ['503'], spread: true });
    expect(drive(a, 'b2_upload_part', 100)).toEqual(drive(b, 'b2_upload_part', 100));
    const none = createFaultInjector();
    none.schedule({ seed: 1, rate: 0, kinds: ['503'], spread: true });
    expect(drive(none, 'b2_upload_part', 50).every((o) => o === '-')).toBe(true);
    expect(() => none.configure({ schedule: { seed: 1, rate: 0.1, kinds: ['503'], spread: 'yes' } })).toThrow(
      /spread/,
    );
  });
});
