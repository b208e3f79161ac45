/**
 * Driver for the engines Playwright launches itself: Chromium (its own build or the system one),
 * and Firefox or WebKit where Playwright's builds are installed (`npx playwright install`).
 */
import type { Browser, BrowserContext, BrowserType, Page } from '@playwright/test';
import type { ElementFinder, Engine, EngineName, PageFunction, Session, Tab } from './driver.js';

export async function playwrightEngine(
  name: EngineName,
  type: BrowserType,
  launch: Parameters<BrowserType['launch']>[0],
  build: string,
): Promise<Engine> {
  const browser: Browser = await type.launch({ headless: true, ...launch });
  return {
    name,
    description: `${name} ${browser.version()} (${build}) via Playwright`,
    async newSession() {
      const context = await browser.newContext();
      return playwrightSession(context);
    },
    close: () => browser.close(),
  };
}

function playwrightSession(context: BrowserContext): Session {
  return {
    newTab: async () => playwrightTab(await context.newPage()),
    setOffline: (offline) => context.setOffline(offline),
    close: () => context.close(),
  };
}

const KEYS = { Tab: 'Tab', Enter: 'Enter', Space: ' ' } as const;

function playwrightTab(page: Page): Tab {
  // Playwright starts catching file pickers when the first listener is added, asynchronously; a
  // key press has no actionability wait to cover that, so catch them from the start.
  page.on('filechooser', () => undefined);
  const element = async <A>(find: ElementFinder<A>, arg?: A) => {
    const handle = (await page.evaluateHandle(find as (arg: unknown) => Element, arg as unknown)).asElement();
    if (!handle) throw new Error(`no element from ${String(find)}`);
    return handle;
  };
  return {
    goto: async (url) => void (await page.goto(url)),
    reload: async () => void (await page.reload()),
    // Playwright's evaluate takes the same kind of function; its types unbox handles, which we never pass.
    evaluate: <R, A>(fn: PageFunction<A, R>, arg?: A) =>
      page.evaluate<R, unknown>(fn as (arg: unknown) => R, arg),
    setFiles: async (find, paths, arg) => (await element(find, arg)).setInputFiles(paths),
    async pickFiles(open, paths) {
      // Playwright catches the native picker itself: the page runs untouched.
      const chooser = page.waitForEvent('filechooser');
      await open();
      await (await chooser).setFiles(paths);
    },
    click: async (find, arg) => (await element(find, arg)).click(),
    press: (key) => page.keyboard.press(KEYS[key]),
    screenshot: async (path) => void (await page.screenshot({ path, fullPage: true })),
    close: () => page.close(),
  };
}
