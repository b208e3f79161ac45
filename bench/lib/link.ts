/**
 * A slow, far link for the browser: headless Chromium runs in a network namespace of its own, joined
 * to the machine by a veth pair whose two ends are shaped by the kernel (`tc` `tbf`, the same rate
 * each way). Everything the browser reaches (bench page, broker, emulator, tus) it reaches through a
 * SOCKS5 proxy at the far end of the veth (bench/node/link-proxy-child.mjs), which adds the round-trip
 * delay (`netem` is not available here) and notes when each request's bytes go out. The servers
 * stay on 127.0.0.1, unchanged. Needs root (namespaces, tc); without it the scenario is skipped.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from '@playwright/test';
import { chromiumArgs, findChromium } from '../../e2e/chromium.js';

const script = join(dirname(fileURLToPath(import.meta.url)), '..', 'node', 'link-proxy-child.mjs');
const PREFIX = 'b2up-link-';

export interface LinkShape {
  /** Bandwidth each way, in Mbit/s (tbf). */
  rateMbit: number;
  /** Round-trip time added by the proxy, in ms. */
  rttMs: number;
}

/** One HTTP request as the proxy saw it: epoch ms when its head and its first body byte left the browser. */
export interface LinkRequest {
  kind: 'request';
  connection: number;
  target: string;
  method: string;
  path: string;
  headAt: number;
  firstBodyAt?: number;
  /** When the server began its answer (epoch ms, at the server). */
  answeredAt?: number;
}

export interface LinkConnection {
  kind: 'connection';
  connection: number;
  target: string;
  at: number;
}

export interface Link {
  shape: LinkShape;
  /** Chromium, inside the namespace, every request through the shaped, delayed path. */
  browser: Browser;
  /** The front serving the bench page and the broker (`/b2up`) under one origin, as an app does. */
  front: string;
  /** Points the front at the page server and the broker. */
  route(pages: string, broker: string): Promise<void>;
  /** Forgets what the proxy saw so far. */
  reset(): Promise<void>;
  /** Connections and requests since the last reset; request times are when the bytes left the browser. */
  events(): Promise<(LinkRequest | LinkConnection)[]>;
  close(): Promise<void>;
}

const run = (...args: string[]) => execFileSync(args[0]!, args.slice(1), { stdio: 'pipe' });

/** Why a shaped link can't be made here, or undefined when it can. */
export function linkUnavailable(): string | undefined {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return 'needs root and netns';
  try {
    run('ip', 'netns', 'list');
    run('tc', '-V');
  } catch {
    return 'needs root and netns';
  }
  return undefined;
}

/** Namespaces left by a bench that was killed: named after a process that is gone. */
function removeStale() {
  const names = run('ip', 'netns', 'list')
    .toString()
    .split('\n')
    .map((line) => line.split(' ')[0]!)
    .filter((name) => name.startsWith(PREFIX));
  for (const name of names) {
    const pid = Number(name.slice(PREFIX.length));
    if (!existsSync(`/proc/${pid}`)) run('ip', 'netns', 'del', name);
  }
}

export async function openLink(shape: LinkShape): Promise<Link> {
  removeStale();
  const ns = `${PREFIX}${process.pid}`;
  // Interface names are at most 15 bytes; addresses a /30 of 10.213/16 picked by pid.
  const outside = `b2l${process.pid}o`;
  const inside = `b2l${process.pid}i`;
  const subnet = `10.213.${(process.pid >> 6) & 255}`;
  const low = (process.pid & 63) << 2;
  const [hostAddress, nsAddress] = [`${subnet}.${low + 1}`, `${subnet}.${low + 2}`];
  const cleanup = () => {
    try {
      run('ip', 'netns', 'del', ns); // takes the veth pair with it
    } catch {
      // already gone
    }
  };
  // A crash or Ctrl-C must not leave the namespace behind.
  const onSignal = (signal: NodeJS.Signals) => {
    cleanup();
    process.kill(process.pid, signal);
  };
  process.once('exit', cleanup);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const shapeArgs = ['tbf', 'rate', `${shape.rateMbit}mbit`, 'burst', '32kb', 'latency', '20ms'];
  const temp = mkdtempSync(join(tmpdir(), 'b2up-link-'));
  let proxy: ReturnType<typeof spawn> | undefined;
  try {
    run('ip', 'netns', 'add', ns);
    run('ip', 'link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
    run('ip', 'link', 'set', inside, 'netns', ns);
    run('ip', 'addr', 'add', `${hostAddress}/30`, 'dev', outside);
    run('ip', 'link', 'set', outside, 'up');
    run('ip', 'netns', 'exec', ns, 'ip', 'addr', 'add', `${nsAddress}/30`, 'dev', inside);
    run('ip', 'netns', 'exec', ns, 'ip', 'link', 'set', inside, 'up');
    run('ip', 'netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
    // Upload direction: leaving the namespace; download: entering it.
    run('ip', 'netns', 'exec', ns, 'tc', 'qdisc', 'add', 'dev', inside, 'root', ...shapeArgs);
    run('tc', 'qdisc', 'add', 'dev', outside, 'root', ...shapeArgs);

    proxy = spawn(process.execPath, [script, JSON.stringify({ host: hostAddress, rttMs: shape.rttMs })], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const replies = createInterface({ input: proxy.stdout! });
    const waiting: ((line: string) => void)[] = [];
    replies.on('line', (line) => waiting.shift()?.(line));
    const next = () => new Promise<string>((resolve) => waiting.push(resolve));
    const started = JSON.parse(await next()) as { socks: string; front: string };
    const ask = async <T>(command: unknown): Promise<T> => {
      const reply = next();
      proxy!.stdin!.write(`${JSON.stringify(command)}\n`);
      return JSON.parse(await reply) as T;
    };

    // Chromium runs inside the namespace; Playwright talks to it over pipes, which cross it.
    const chrome = findChromium() ?? chromium.executablePath();
    const wrapper = join(temp, 'chromium-in-netns');
    writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${ns} ${chrome} "$@"\n`);
    chmodSync(wrapper, 0o755);
    const browser = await chromium.launch({
      executablePath: wrapper,
      // Loopback too goes through the proxy (Chromium bypasses it by default).
      args: [...chromiumArgs, `--proxy-server=socks5://${started.socks}`, '--proxy-bypass-list=<-loopback>'],
      headless: true,
    });
    const owned = proxy;
    return {
      shape,
      browser,
      front: started.front,
      async route(pages, broker) {
        await ask({ route: { pages, broker, brokerPath: new URL(broker).pathname } });
      },
      async reset() {
        await ask({ reset: true });
      },
      async events() {
        return (await ask<{ events: (LinkRequest | LinkConnection)[] }>({ events: true })).events;
      },
      async close() {
        await browser.close();
        const exited = new Promise((resolve) => owned.once('exit', resolve));
        owned.stdin!.end();
        await exited;
        cleanup();
        rmSync(temp, { recursive: true, force: true });
        process.off('exit', cleanup);
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      },
    };
  } catch (error) {
    proxy?.kill();
    cleanup();
    rmSync(temp, { recursive: true, force: true });
    throw error;
  }
}
