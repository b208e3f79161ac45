import { describe, expect, it } from 'vitest';
import { createCounters } from '../../src/emulator/counters.js';

describe('createCounters', () => {
  it('counts requests, bytes, statuses and token conflicts per endpoint and in totals', () => {
    const counters = createCounters();
    counters.request('b2_upload_part');
    counters.bytes('b2_upload_part', 1000);
    counters.bytes('b2_upload_part', 24);
    counters.response('b2_upload_part', 200);
    counters.request('b2_upload_part');
    counters.tokenConflict('b2_upload_part');
    counters.response('b2_upload_part', 400);
    counters.request('b2_list_parts');
    counters.response('b2_list_parts', 200);

    const snap = counters.snapshot();
    expect(snap.endpoints.b2_upload_part).toEqual({
      requests: 2,
      bytesReceived: 1024,
      statuses: { '200': 1, '400': 1 },
      tokenConflicts: 1,
    });
    expect(snap.endpoints.b2_list_parts).toEqual({
      requests: 1,
      bytesReceived: 0,
      statuses: { '200': 1 },
      tokenConflicts: 0,
    });
    expect(snap.endpoints.b2_upload_file).toBeUndefined();
    expect(snap.totals).toEqual({
      requests: 3,
      bytesReceived: 1024,
      statuses: { '200': 2, '400': 1 },
      tokenConflicts: 1,
    });
    expect(counters.get('b2_upload_file')).toEqual({
      requests: 0,
      bytesReceived: 0,
      statuses: {},
      tokenConflicts: 0,
    });
  });

  it('hands out JSON-serialisable copies that later requests do not change', () => {
    const counters = createCounters();
    counters.request('b2_authorize_account');
    counters.response('b2_authorize_account', 200);
    const snap = counters.snapshot();
    counters.request('b2_authorize_account');
    counters.response('b2_authorize_account', 401);
    expect(snap.endpoints.b2_authorize_account?.requests).toBe(1);
    expect(snap.totals.statuses).toEqual({ '200': 1 });
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
    expect(counters.get('b2_authorize_account').statuses).toEqual({ '200': 1, '401': 1 });
  });

  it('reset starts from zero', () => {
    const counters = createCounters();
    counters.request('b2_upload_file');
    counters.bytes('b2_upload_file', 5);
    counters.reset();
    expect(counters.snapshot()).toEqual({
      endpoints: {},
      totals: { requests: 0, bytesReceived: 0, statuses: {}, tokenConflicts: 0 },
    });
  });

  it('refuses a negative or non-finite byte count', () => {
    const counters = createCounters();
    expect(() => counters.bytes('b2_upload_file', -1)).toThrow(RangeError);
    expect(() => counters.bytes('b2_upload_file', Number.NaN)).toThrow(RangeError);
    expect(counters.snapshot().totals.bytesReceived).toBe(0);
  });
});
