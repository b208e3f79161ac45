/**
 * Proof that the emulator speaks B2, not a dialect of our own, in another language too:
 * Backblaze's own Python SDK (b2sdk, Debian's `python3-b2sdk`, installed by .ci/run) runs its
 * ordinary flow against it — authorize, bucket, small and large uploads (b2sdk picks the
 * large-file path by itself), list, download by id and name, hide, delete.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';

const python = process.env.B2UP_PYTHON ?? '/usr/bin/python3';
const script = fileURLToPath(new URL('./b2sdk_client.py', import.meta.url));

const HOW =
  "install Debian/Ubuntu's python3-b2sdk (apt-get install -y python3-b2sdk; .ci/run does), " +
  'or point B2UP_PYTHON at a python3 with b2sdk 1.x';

function hasB2sdk(): boolean {
  if (!existsSync(python)) return false;
  try {
    execFileSync(python, ['-c', 'import b2sdk.v2'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// In CI this suite must run (CI installs b2sdk). On a developer's machine without b2sdk it says
// why it did not run instead of failing `npm test` over a Python package.
const available = hasB2sdk();
if (!available && process.env.CI) throw new Error(`b2sdk is required in CI: ${HOW}`);
if (!available) console.warn(`b2sdk compatibility suite not run: ${HOW}`);

describe.runIf(available)('b2sdk (Python) against the emulator', () => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator({ minPartSize: 100_000, recommendedPartSize: 200_000 });
  });

  afterAll(async () => {
    await emulator?.close();
  });

  it('runs the whole flow unchanged', async () => {
    const { stdout } = await promisify(execFile)(
      python,
      [script, emulator.url, emulator.keyId, emulator.key, 'b2sdk-compat'],
      {
        timeout: 60_000,
      },
    );
    const seen = JSON.parse(stdout) as Record<string, unknown>;
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
