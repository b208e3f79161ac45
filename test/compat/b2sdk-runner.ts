/**
 * Running a Python script that drives the emulator with Backblaze's own SDK (b2sdk, Debian's
 * `python3-b2sdk`, installed by .ci/run). In CI the suites must run; on a developer's machine without
 * b2sdk they say why they did not run instead of failing `npm test` over a Python package.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const python = process.env.B2UP_PYTHON ?? '/usr/bin/python3';

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

export const b2sdkAvailable = hasB2sdk();
if (!b2sdkAvailable && process.env.CI) throw new Error(`b2sdk is required in CI: ${HOW}`);
if (!b2sdkAvailable) console.warn(`b2sdk compatibility suites not run: ${HOW}`);

/** Runs `script` (next to this file) with `args`; returns the one JSON object it printed. */
export async function runB2sdk(script: string, args: string[]): Promise<Record<string, unknown>> {
  const path = fileURLToPath(new URL(`./${script}`, import.meta.url));
  const { stdout } = await promisify(execFile)(python, [path, ...args], { timeout: 60_000 });
  return JSON.parse(stdout) as Record<string, unknown>;
}
