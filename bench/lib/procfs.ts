/** Process memory read from /proc (Linux): what a process holds now and at its peak. */
import { readdirSync, readFileSync } from 'node:fs';

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

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ: 100 on every Linux build). */
const USER_HZ = 100;

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime, in seconds. */
  cpuSeconds: number;
}

function procStat(pid: number): ProcStat | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `comm` is in parentheses and may hold spaces; the fields after it are fixed.
    const close = line.lastIndexOf(')');
    const fields = line.slice(close + 2).split(' ');
    return {
      pid,
      ppid: Number(fields[1]),
      comm: line.slice(line.indexOf('(') + 1, close),
      cpuSeconds: (Number(fields[11]) + Number(fields[12])) / USER_HZ,
    };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds (user + system) used so far by the live descendants of `root` whose command name
 * matches, e.g. every Chromium process Playwright started (browser, renderers, GPU, network and
 * storage services). A process that exits between two readings takes its time with it, so read
 * around work during which the browser keeps its processes.
 */
export function treeCpuSeconds(root: number, match: RegExp): number {
  const all = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => procStat(Number(name)))
    .filter((stat): stat is ProcStat => stat !== undefined);
  const children = new Map<number, ProcStat[]>();
  for (const stat of all) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat]);
  let seconds = 0;
  const walk = (pid: number) => {
    for (const child of children.get(pid) ?? []) {
      if (match.test(child.comm)) seconds += child.cpuSeconds;
      walk(child.pid);
    }
  };
  walk(root);
  return seconds;
}

/** CPU seconds (user + system) used so far by one process. */
export const processCpuSeconds = (pid: number): number => procStat(pid)?.cpuSeconds ?? 0;
