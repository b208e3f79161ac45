import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { isB2Error } from '../../src/b2/index.js';
import { isBrokerConfigError } from '../../src/broker/index.js';
import { isUsageError } from '../../src/cli/command.js';
import { isFaultConfigError } from '../../src/emulator/faults/config.js';
import { isBrokerError, isUploadError } from '../../src/index.js';
import { isHashError } from '../../src/upload/hasher.js';

/**
 * An error built in another realm (as an iframe, a worker or a second copy of the package would):
 * its prototype chain is that realm's Error, so `instanceof` — even `instanceof Error` — is false.
 */
function foreignError(fields: Record<string, unknown>): unknown {
  return runInNewContext('Object.assign(new Error(fields.message ?? "failed"), fields)', { fields });
}

const guards = [
  { guard: isUploadError, fields: { name: 'UploadError', code: 'network', status: 503 } },
  { guard: isBrokerError, fields: { name: 'BrokerError', code: 'unavailable', status: 0 } },
  { guard: isBrokerConfigError, fields: { name: 'BrokerConfigError', code: 'b2_unreachable' } },
  { guard: isFaultConfigError, fields: { name: 'FaultConfigError', code: 'bad_value' } },
  { guard: isB2Error, fields: { name: 'B2Error', code: 'service_unavailable', status: 503 } },
  { guard: isHashError, fields: { name: 'HashError', code: 'worker_failed' } },
  { guard: isUsageError, fields: { name: 'UsageError' } },
];

describe('error guards recognise errors from another realm', () => {
  it('the foreign errors are not instanceof this realm’s Error', () => {
    expect(foreignError({ name: 'UploadError', code: 'network' }) instanceof Error).toBe(false);
  });

  for (const { guard, fields } of guards) {
    it(`${guard.name} accepts a ${fields.name} from node:vm`, () => {
      expect(guard(foreignError(fields))).toBe(true);
    });

    it(`${guard.name} refuses other errors and non-errors`, () => {
      expect(guard(foreignError({ ...fields, name: 'TypeError' }))).toBe(false);
      expect(guard(new Error(String(fields.name)))).toBe(false);
      expect(guard(undefined)).toBe(false);
      expect(guard(String(fields.name))).toBe(false);
    });
  }

  it('guards that promise a code refuse an error of the right name without one', () => {
    for (const { guard, fields } of guards.filter((g) => 'code' in g.fields)) {
      expect(guard(foreignError({ name: fields.name }))).toBe(false);
    }
  });
});
