import { describe, expect, it } from 'vitest';
import { B2Error } from '../../src/b2/errors.js';
import {
  backoffDelay,
  decideCallRetry,
  decideUploadRetry,
  parseRetryAfter,
  resolveRetryOptions,
} from '../../src/b2/retry.js';

const error = (status: number, code: string) => new B2Error({ status, code, message: code });

describe('decideUploadRetry', () => {
  it.each([
    [503, 'service_unavailable'],
    [500, 'internal_error'],
    [502, 'bad_gateway'],
    [408, 'request_timeout'],
    [0, 'network_error'],
    [0, 'timeout'],
  ])('%i %s: new URL after backoff', (status, code) => {
    expect(decideUploadRetry(error(status, code))).toEqual({ retry: true, dropUrl: true, backoff: true });
  });

  it.each([
    [401, 'expired_auth_token'],
    [401, 'bad_auth_token'],
    [400, 'auth_token_limit'],
  ])('%i %s: new URL at once', (status, code) => {
    expect(decideUploadRetry(error(status, code))).toEqual({ retry: true, dropUrl: true, backoff: false });
  });

  it('429 keeps the URL and backs off', () => {
    expect(decideUploadRetry(error(429, 'too_many_requests'))).toEqual({
      retry: true,
      dropUrl: false,
      backoff: true,
    });
  });

  it.each([
    [400, 'bad_request'],
    [401, 'unauthorized'],
    [403, 'cap_exceeded'],
    [404, 'not_found'],
    [0, 'aborted'],
  ])('%i %s: fails at once', (status, code) => {
    expect(decideUploadRetry(error(status, code))).toEqual({ retry: false });
  });
});

describe('decideCallRetry', () => {
  it('renews an expired or bad account token once', () => {
    expect(decideCallRetry(error(401, 'expired_auth_token'), false)).toBe('reauthorize');
    expect(decideCallRetry(error(401, 'bad_auth_token'), false)).toBe('reauthorize');
    expect(decideCallRetry(error(401, 'expired_auth_token'), true)).toBe('fail');
  });

  it('fails at once on 401 unauthorized and other 4xx', () => {
    expect(decideCallRetry(error(401, 'unauthorized'), false)).toBe('fail');
    expect(decideCallRetry(error(400, 'bad_request'), false)).toBe('fail');
    expect(decideCallRetry(error(400, 'auth_token_limit'), false)).toBe('fail');
    expect(decideCallRetry(error(416, 'range_not_satisfiable'), false)).toBe('fail');
    expect(decideCallRetry(error(0, 'aborted'), false)).toBe('fail');
  });

  it('backs off on 429, 408, 5xx and transport failures', () => {
    for (const [status, code] of [
      [429, 'too_many_requests'],
      [408, 'request_timeout'],
      [500, 'internal_error'],
      [503, 'service_unavailable'],
      [0, 'network_error'],
      [0, 'timeout'],
    ] as const) {
      expect(decideCallRetry(error(status, code), false)).toBe('backoff');
    }
  });
});

describe('backoffDelay', () => {
  const options = { initialDelayMs: 1000, multiplier: 1.5, maxDelayMs: 64_000 };

  it('grows exponentially with equal jitter', () => {
    expect(backoffDelay(1, { ...options, random: () => 0 })).toBe(500);
    expect(backoffDelay(1, { ...options, random: () => 0.999999 })).toBe(1000);
    expect(backoffDelay(3, { ...options, random: () => 0.5 })).toBe(Math.round(2250 * 0.75));
  });

  it('is capped at maxDelayMs', () => {
    expect(backoffDelay(50, { ...options, random: () => 0.999999 })).toBe(64_000);
  });

  it('never comes back before Retry-After', () => {
    expect(backoffDelay(1, { ...options, random: () => 0 }, 30)).toBe(30_000);
    expect(backoffDelay(20, { ...options, random: () => 1 }, 2)).toBe(64_000);
  });

  it('parses integer-second Retry-After only', () => {
    expect(parseRetryAfter('7')).toBe(7);
    expect(parseRetryAfter(' 12 ')).toBe(12);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT')).toBeUndefined();
    expect(parseRetryAfter('-1')).toBeUndefined();
  });

  it('defaults follow b2sdk', () => {
    const resolved = resolveRetryOptions();
    expect(resolved).toMatchObject({
      maxAttempts: 5,
      uploadAttempts: 5,
      initialDelayMs: 1000,
      multiplier: 1.5,
      maxDelayMs: 64_000,
    });
  });
});
