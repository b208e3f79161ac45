/**
 * One headless Chromium for the whole run (the e2e suite's binary and flags), the bench page, and a
 * dev stack (emulator + broker) per scenario whose CORS lets that page upload.
 */
import { type Browser, type CDPSession, chromium, type Page } from '@playwright/test';
import { chromiumArgs, findChromium } from '../../e2e/chromium.js';
import type { BenchPageApi } from '../page/main.js';
import { type PageServer, startPageServer } from './page-server.js';
import { type BenchStack, startBenchStack } from './stack.js';
import { statusBytes } from './procfs.js';

declare global {
  interface Window {
    bench: BenchPageApi;
  }
}

export interface BenchBrowser {
  browser: Browser;
  pages: PageServer;
  /** A fresh page on the bench page with `path` set on its file input. */
  open(path: string): Promise<Page>;
  /** A fresh emulator + broker that accepts uploads from the bench page. */
  stack(): Promise<BenchStack>;
  close(): Promise<void>;
}

export async function startBenchBrowser(): Promise<BenchBrowser> {
  const pages = await startPageServer();
  const browser = await chromium.launch({
    executablePath: findChromium(),
    args: chromiumArgs,
    headless: true,
  });
  return {
    browser,
    pages,
    async open(path) {
      const page = await browser.newPage();
      await page.goto(`${pages.origin}/index.html`);
      await page.waitForFunction(() => window.bench?.ready === true);
      await page.setInputFiles('#file-input', path);
      return page;
    },
    stack: () =>
      startBenchStack({
        origins: [pages.origin],
        broker: { limits: { startsPerMinute: Number.POSITIVE_INFINITY } },
      }),
    async close() {
      await browser.close();
      await pages.close();
    },
  };
}

/** Peak memory seen while sampling: the renderer's RSS and the page's JS heap, in bytes. */
export interface MemoryPeak {
  baseRss: number;
  peakRss: number;
  baseHeap: number;
  peakHeap: number;
  samples: number;
  /** Renderer RSS every `seriesEveryMs`, from the first sample: ms since sampling began, bytes. */
  series: { ms: number; rss: number }[];
}

/**
 * Samples the renderer processes' RSS (/proc/<pid>/status; pids from CDP SystemInfo) and the page's
 * JSHeapUsedSize (CDP Performance.getMetrics) every `everyMs` until `stop()`, keeping one RSS
 * sample every `seriesEveryMs` as a time series.
 */
export async function sampleMemory(browser: Browser, page: Page, everyMs = 100, seriesEveryMs = 10_000) {
  const browserSession = await browser.newBrowserCDPSession();
  const { processInfo } = (await browserSession.send('SystemInfo.getProcessInfo')) as {
    processInfo: { type: string; id: number }[];
  };
  await browserSession.detach();
  const renderers = processInfo.filter((p) => p.type === 'renderer').map((p) => p.id);
  const session: CDPSession = await page.context().newCDPSession(page);
  await session.send('Performance.enable');
  const rss = () => renderers.reduce((sum, pid) => sum + (statusBytes(pid, 'VmRSS') ?? 0), 0);
  const heap = async () => {
    const { metrics } = await session.send('Performance.getMetrics');
    return metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0;
  };
  const peak: MemoryPeak = {
    baseRss: rss(),
    peakRss: 0,
    baseHeap: await heap(),
    peakHeap: 0,
    samples: 0,
    series: [],
  };
  const t0 = Date.now();
  peak.peakRss = peak.baseRss;
  peak.peakHeap = peak.baseHeap;
  let busy = false;
  const sample = async () => {
    if (busy) return;
    busy = true;
    try {
      const now = rss();
      peak.peakRss = Math.max(peak.peakRss, now);
      const ms = Date.now() - t0;
      if (ms >= peak.series.length * seriesEveryMs) peak.series.push({ ms, rss: now });
      peak.peakHeap = Math.max(peak.peakHeap, await heap());
      peak.samples++;
    } catch {
      // The page may be navigating; the next sample will do.
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void sample(), everyMs);
  return {
    /** The renderer processes sampled, and their RSS now. */
    renderers,
    rss,
    async stop(): Promise<MemoryPeak> {
      clearInterval(timer);
      await session.detach().catch(() => undefined);
      return peak;
    },
  };
}
