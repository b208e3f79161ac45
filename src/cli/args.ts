/**
 * Small argument readers shared by the broker and cors commands: every bad value becomes a UsageError
 * (exit 2, printed with the command's help) that names the flag.
 */
import { UsageError } from './command.js';

/** Runs an argv parse (node:util parseArgs), turning its errors into UsageError (exit 2). */
export function asUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

export function integerFlag(flag: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} needs a whole number in ${min}..${max}, got ${JSON.stringify(text)}`);
  }
  return n;
}

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** Bytes as a whole number with an optional unit: `1048576`, `50MB`, `2GiB` (decimal and binary units). */
export function byteSizeFlag(flag: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined;
  const n = match && unit !== undefined ? Math.round(Number(match[1]) * unit) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(
      `${flag} needs a size in bytes such as 1048576, 50MB or 2GiB, got ${JSON.stringify(text)}`,
    );
  }
  return n;
}

/**
 * An origin as B2 CORS rules and the broker's CORS take it: `https://app.example.com` (no path; a
 * trailing slash is dropped). With `patterns`, also B2's forms `*`, `https` and `https://*.example.com`.
 */
export function originFlag(text: string, { patterns = false } = {}): string {
  const trimmed = text.trim().replace(/\/+$/, '');
  if (patterns && (trimmed === '*' || /^[a-z][a-z0-9+.-]*$/i.test(trimmed) || isWildcardOrigin(trimmed))) {
    return trimmed;
  }
  let url: URL | undefined;
  try {
    url = new URL(trimmed);
  } catch {
    url = undefined;
  }
  if (!url || url.origin === 'null' || url.origin !== trimmed.toLowerCase()) {
    throw new UsageError(
      `--origin wants an origin such as https://app.example.com, got ${JSON.stringify(text)}`,
    );
  }
  return url.origin;
}

/** True for an origin pattern with one `*` in the host, e.g. `https://*.example.com`. */
export function isWildcardOrigin(origin: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/]*\*[^/]*$/i.test(origin) && origin.split('*').length === 2;
}
