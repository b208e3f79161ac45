/**
 * A new version's uploadTimestamp: now, in whole seconds (as recorded from the real service), or the
 * custom upload timestamp the client sent. B2 honours custom timestamps only on accounts where the
 * feature was enabled (https://www.backblaze.com/apidocs/b2-upload-file), and never in the future;
 * the emulator's account has it off until `customUploadTimestamps: true` (option or control endpoint).
 * The error codes follow Backblaze's TypeScript SDK (B2's own are unconfirmed).
 */
import type { EmulatorContext } from './context.js';
import { B2Failure } from './errors.js';

export function uploadTimestamp(ctx: EmulatorContext, now: number, custom: number | undefined): number {
  if (custom === undefined) return Math.floor(now / 1000) * 1000;
  if (!ctx.account().customUploadTimestamps) {
    throw new B2Failure(
      400,
      'custom_timestamp_not_allowed',
      'Custom upload timestamps are not enabled for this account',
    );
  }
  if (!Number.isSafeInteger(custom) || custom < 0 || custom > now) {
    throw new B2Failure(
      400,
      'custom_timestamp_invalid',
      'A custom upload timestamp must not be in the future',
    );
  }
  return custom;
}
