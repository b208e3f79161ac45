/** Process memory read from /proc (Linux): what a process holds now and at its peak. */
import { readFileSync } from 'node:fs';

/** A `kB` field of /proc/<pid>/status in bytes, or undefined when the process is gone. */
export function statusBytes(pid: number | 'self', field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The CPU's SHA extensions as /proc/cpuinfo lists them (x86 `sha_ni`, Arm `sha1`/`sha2`). */
export function shaExtensions(): string {
  try {
    const flags = /^(?:flags|Features)\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '';
    const found = flags.split(/\s+/).filter((flag) => ['sha_ni', 'sha1', 'sha2'].includes(flag));
    return found.length ? found.join(' ') : 'none';
  } catch {
    return 'unknown';
  }
}

/** `model name` of the first CPU, for the results file. */
export function cpuModel(): string {
  try {
    return /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
