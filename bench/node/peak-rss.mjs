// What a bench child reports about itself: peak resident set size and CPU time.

// Peak resident set size of this process (VmHWM from /proc/self/status), in bytes.
import { readFileSync } from 'node:fs';

export function peakRss() {
  const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}

/** CPU seconds this process has used so far (user + system). */
export function cpuSeconds() {
  const { userCPUTime, systemCPUTime } = process.resourceUsage();
  return (userCPUTime + systemCPUTime) / 1e6;
}
