/** CPU time of processes: a child by its pid (/proc, Linux), and all of Chromium's (CDP). */
import { readFileSync } from 'node:fs';
import type { Browser } from '@playwright/test';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** User + system CPU seconds a process used so far (/proc/<pid>/stat), or undefined when it is gone. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of all Chromium's processes (browser, renderers, GPU, network and other utility
 * processes) since this call, from CDP `SystemInfo.getProcessInfo`. A process that started since
 * counts whole; one that exited since is missed (keep pages open while measuring).
 */
export async function chromiumCpu(browser: Browser): Promise<() => Promise<number>> {
  const read = async () => {
    const session = await browser.newBrowserCDPSession();
    try {
      const { processInfo } = (await session.send('SystemInfo.getProcessInfo')) as {
        processInfo: { id: number; cpuTime: number }[];
      };
      return new Map(processInfo.map((p) => [p.id, p.cpuTime]));
    } finally {
      await session.detach();
    }
  };
  const start = await read();
  return async () => {
    let seconds = 0;
    for (const [id, cpu] of await read()) seconds += cpu - (start.get(id) ?? 0);
    return seconds;
  };
}
