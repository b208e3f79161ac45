/**
 * Driver for a stock Firefox (Debian's firefox-esr, or any release build) over WebDriver BiDi with
 * puppeteer-core. Playwright can only drive its own patched Firefox builds.
 */
import type { Browser, BrowserContext, ElementHandle, Page } from 'puppeteer-core';
import puppeteer from 'puppeteer-core';
import {
  answerTrappedPicker,
  type ElementFinder,
  type Engine,
  type PageFunction,
  type Session,
  type Tab,
} from './driver.js';

export async function firefoxBidiEngine(executablePath: string): Promise<Engine> {
  const browser: Browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath,
    headless: true,
    // Uploads go to 127.0.0.1 only; keep Firefox from phoning home on a closed machine.
    extraPrefsFirefox: {
      'network.captive-portal-service.enabled': false,
      'app.update.enabled': false,
      'browser.safebrowsing.malware.enabled': false,
      'browser.safebrowsing.phishing.enabled': false,
    },
  });
  return {
    name: 'firefox',
    description: `${await browser.version()} (${executablePath}) via WebDriver BiDi (puppeteer-core)`,
    newSession: async () => firefoxSession(await browser.createBrowserContext()),
    close: () => browser.close(),
  };
}

function firefoxSession(context: BrowserContext): Session {
  const tabs: Page[] = [];
  return {
    async newTab() {
      const page = await context.newPage();
      tabs.push(page);
      return firefoxTab(page);
    },
    async setOffline(offline) {
      for (const page of tabs) if (!page.isClosed()) await page.setOfflineMode(offline);
    },
    close: () => context.close(),
  };
}

const KEYS = { Tab: 'Tab', Enter: 'Enter', Space: ' ' } as const;

function firefoxTab(page: Page): Tab {
  const element = async <A>(find: ElementFinder<A>, arg?: A) => {
    const handle = (await page.evaluateHandle(find as (arg: unknown) => Element, arg)).asElement();
    if (!handle) throw new Error(`no element from ${String(find)}`);
    return handle as ElementHandle<Element>;
  };
  const tab: Tab = {
    goto: async (url) => void (await page.goto(url)),
    reload: async () => void (await page.reload()),
    evaluate: <R, A>(fn: PageFunction<A, R>, arg?: A) =>
      page.evaluate(fn as (arg: unknown) => R, arg) as Promise<R>,
    async setFiles(find, paths, arg) {
      const input = (await element(find, arg)) as ElementHandle<HTMLInputElement>;
      // BiDi's input.setFiles leaves the input alone when the new files look equal to the ones it
      // holds; after a reload Firefox restores the last pick, so another file with the same name,
      // size and date would never arrive. A user's picker has no such shortcut: start empty.
      await input.evaluate((el) => (el.value = ''));
      await input.uploadFile(...paths);
    },
    pickFiles: (open, paths) => answerTrappedPicker(tab, open, paths),
    click: async (find, arg) => (await element(find, arg)).click(),
    press: (key) => page.keyboard.press(KEYS[key]),
    screenshot: async (path) => void (await page.screenshot({ path: path, fullPage: true })),
    close: () => page.close(),
  };
  return tab;
}
