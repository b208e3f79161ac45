/**
 * A Chromium this suite launches itself, on a persistent profile (user-data-dir), so it can be
 * killed like a crash (SIGKILL to the process we spawned, nothing else) and started again on the
 * same profile, with whatever IndexedDB managed to write before the kill.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type Browser, type BrowserContext, chromium } from '@playwright/test';
import { chromiumArgs, findChromium } from '../chromium.js';

export interface ProfileBrowser {
  browser: Browser;
  context: BrowserContext;
  /** SIGKILL: no unload, no flush, like a crash or a power cut. */
  kill(): Promise<void>;
  close(): Promise<void>;
}

export async function launchOnProfile(userDataDir: string): Promise<ProfileBrowser> {
  const executable = findChromium() ?? chromium.executablePath();
  const child: ChildProcess = spawn(
    executable,
    [
      ...chromiumArgs,
      '--headless=new',
      `--user-data-dir=${userDataDir}`,
      '--remote-debugging-port=0',
      '--remote-debugging-address=127.0.0.1',
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const endpoint = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`Chromium did not start: ${text}`)), 30_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', () => reject(new Error(`Chromium exited at start: ${text}`)));
  });
  child.stderr?.resume();
  // isLocal: the browser shares our file system, so setInputFiles hands it paths, not bytes.
  const browser = await chromium.connectOverCDP(endpoint, { isLocal: true });
  const context = browser.contexts()[0] ?? (await browser.newContext());
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    browser,
    context,
    async kill() {
      child.kill('SIGKILL');
      await exited;
      await browser.close().catch(() => undefined);
    },
    async close() {
      await browser.close().catch(() => undefined);
      child.kill('SIGTERM');
      await exited;
    },
  };
}
