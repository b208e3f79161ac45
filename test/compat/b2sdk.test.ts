/**
 * Proof that the emulator speaks B2, not a dialect of our own, in another language too:
 * Backblaze's own Python SDK (b2sdk, Debian's `python3-b2sdk`, installed by .ci/run) runs its
 * ordinary flow against it — authorize, bucket, small and large uploads (b2sdk picks the
 * large-file path by itself), list, download by id and name, hide, delete.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { b2sdkAvailable, runB2sdk } from './b2sdk-runner.js';

describe.runIf(b2sdkAvailable)('b2sdk (Python) against the emulator', () => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator({ minPartSize: 100_000, recommendedPartSize: 200_000 });
  });

  afterAll(async () => {
    await emulator?.close();
  });

  it('runs the whole flow unchanged', async () => {
    const seen = await runB2sdk('b2sdk_client.py', [
      emulator.url,
      emulator.keyId,
      emulator.key,
      'b2sdk-compat',
    ]);
    const small = 'hello from b2sdk, across languages';
    expect(seen.smallSha1).toBe(createHash('sha1').update(small).digest('hex'));
    expect(seen.smallInfo).toEqual({ origin: 'b2sdk' });
    expect(seen.smallDownloadedById).toBe(small);
    expect(seen.smallDownloadedByName).toBe(small);
    expect(seen.largeDownloadedSha1).toBe(seen.largeSha1Expected);
    // B2 reports "none" for large files: b2sdk really used start/parts/finish.
    expect(seen.largeContentSha1).toBe('none');
    expect(seen.listed).toEqual(['py/large.bin', 'py/small.txt']);
    expect(seen.hiddenAction).toBe('hide');
    expect(seen.afterHide).toEqual(['py/large.bin']);
    expect(seen.remaining).toEqual([]);
    expect(seen.bucketsAfter).toEqual([]);
    const parts = emulator.counters.snapshot().endpoints.b2_upload_part?.requests ?? 0;
    expect(parts).toBeGreaterThanOrEqual(2);
  });
});
