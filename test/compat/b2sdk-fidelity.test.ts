/**
 * b2sdk (Python) using B2's features beyond plain uploads against the emulator: lifecycle rules with
 * nulls written back as read, SSE-C uploads/downloads/copies, copies that change encryption, Object
 * Lock (bucket default retention, retention and legal hold on upload, updates, refused deletes) and
 * unfinished large files in the version listing. The script prints what b2sdk saw; we check it here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { b2sdkAvailable, runB2sdk } from './b2sdk-runner.js';

describe.runIf(b2sdkAvailable)('b2sdk (Python): encryption, Object Lock, lifecycle, versions', () => {
  let emulator: Emulator;
  let seen: Record<string, unknown>;

  beforeAll(async () => {
    // Small parts so b2sdk takes the large-file path for the 450 kB SSE-C upload.
    emulator = await startEmulator({ minPartSize: 100_000, recommendedPartSize: 200_000 });
    seen = await runB2sdk('b2sdk_fidelity.py', [emulator.url, emulator.keyId, emulator.key]);
  });

  afterAll(async () => {
    await emulator?.close();
  });

  it('writes lifecycle rules with null fields back as it read them', () => {
    expect(seen.lifecycleRules).toEqual([
      { fileNamePrefix: '', daysFromHidingToDeleting: 1, daysFromUploadingToHiding: null },
      { fileNamePrefix: 'tmp/', daysFromHidingToDeleting: null, daysFromUploadingToHiding: 7 },
    ]);
  });

  it('uses SSE-C end to end and gets its SSE-C key error without the right key', () => {
    expect(seen).toMatchObject({
      ssecMode: 'SSE-C',
      ssecWithKey: 'customer-keyed bytes',
      ssecByName: 'customer-keyed bytes',
      ssecWithoutKey: 'SSECKeyError',
      ssecWrongKey: 'SSECKeyError',
    });
    expect(seen.ssecLargeSha1).toBe(seen.ssecLargeExpected);
    expect(emulator.counters.snapshot().endpoints.b2_upload_part?.requests ?? 0).toBeGreaterThanOrEqual(2);
  });

  it('copies into SSE-B2 and SSE-C as b2_copy_file is asked', () => {
    expect(seen).toMatchObject({
      copyToSseB2: 'SSE-B2',
      copyToSseB2Bytes: 'customer-keyed bytes',
      copyToSseC: 'SSE-C',
      copyToSseCWithoutKey: 'SSECKeyError',
    });
  });

  it('applies Object Lock: default retention, upload lock fields, updates and refused deletes', () => {
    expect(seen).toMatchObject({
      bucketDefaultRetention: { mode: 'governance', period: { duration: 1, unit: 'days' } },
      defaultRetentionMode: 'governance',
      uploadRetention: ['governance', true],
      uploadLegalHold: 'on',
      deleteWhileHeld: 'AccessDenied',
      legalHoldOff: 'off',
      deleteWhileRetained: 'AccessDenied',
      shortenWithoutBypass: 'RetentionWriteError',
      clearedWithBypass: null,
      afterClear: [null, 'off'],
      deletedAfterClear: [],
    });
  });

  it('sees an unfinished large file as a "start" version and cancels it by deleting that row', () => {
    expect(seen.staleActions).toEqual(['start']);
    expect(seen.unfinishedAfterCleanup).toEqual([]);
  });
});
