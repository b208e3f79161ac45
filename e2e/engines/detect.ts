/**
 * Which browser engines this machine can run the cross-engine specs in, and how to drive each:
 * Playwright's own builds where installed (`npx playwright install …`), else the system browsers
 * (Debian: chromium, firefox-esr, webkit2gtk-driver). Nothing is hard-coded beyond the usual install
 * paths; B2UP_CHROMIUM, B2UP_FIREFOX and B2UP_WEBKIT_DRIVER + B2UP_WEBKIT_BROWSER point elsewhere.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, firefox, webkit } from '@playwright/test';
import { chromiumArgs, findChromium } from '../chromium.js';
import type { Engine, EngineName } from './driver.js';

export interface FoundEngine {
  name: EngineName;
  /** Which build and how it is driven, for the run's header. */
  build: string;
  launch(): Promise<Engine>;
}

export interface MissingEngine {
  name: EngineName;
  /** How to get it, as commands a developer can paste. */
  install: string;
}

export const INSTALL: Record<EngineName, string> = {
  chromium:
    'npx playwright install chromium  (Playwright’s build)  or  sudo apt-get install -y chromium  ' +
    'or set B2UP_CHROMIUM=/path/to/chrome',
  firefox:
    'npx playwright install firefox  (Playwright’s build)  or  sudo apt-get install -y firefox-esr  ' +
    '(any stock Firefox ≥ 129, driven over WebDriver BiDi)  or set B2UP_FIREFOX=/path/to/firefox',
  webkit:
    'npx playwright install webkit  (Playwright’s build)  or  sudo apt-get install -y webkit2gtk-driver xvfb  ' +
    '(WebKitWebDriver + MiniBrowser)  or set B2UP_WEBKIT_DRIVER and B2UP_WEBKIT_BROWSER',
};

export function detectEngines(): { found: FoundEngine[]; missing: MissingEngine[] } {
  const found: FoundEngine[] = [];
  const missing: MissingEngine[] = [];
  for (const find of [findChromiumEngine, findFirefoxEngine, findWebKitEngine]) {
    const result = find();
    if ('launch' in result) found.push(result);
    else missing.push(result);
  }
  return { found, missing };
}

function findChromiumEngine(): FoundEngine | MissingEngine {
  let executablePath: string | undefined;
  try {
    executablePath = findChromium();
  } catch {
    return { name: 'chromium', install: INSTALL.chromium };
  }
  return {
    name: 'chromium',
    build: executablePath ?? 'Playwright’s build',
    launch: async () => {
      const { playwrightEngine } = await import('./playwright.js');
      return playwrightEngine(
        'chromium',
        chromium,
        { executablePath, args: chromiumArgs },
        executablePath ?? 'Playwright’s build',
      );
    },
  };
}

function findFirefoxEngine(): FoundEngine | MissingEngine {
  const own = process.env.B2UP_FIREFOX ? undefined : playwrightBuild(() => firefox.executablePath());
  if (own) {
    return {
      name: 'firefox',
      build: 'Playwright’s build',
      launch: async () => (await import('./playwright.js')).playwrightEngine('firefox', firefox, {}, own),
    };
  }
  const stock = firstExisting([
    process.env.B2UP_FIREFOX,
    '/usr/bin/firefox-esr',
    '/usr/bin/firefox',
    onPath('firefox-esr'),
    onPath('firefox'),
  ]);
  if (!stock) return { name: 'firefox', install: INSTALL.firefox };
  return {
    name: 'firefox',
    build: `${stock} over WebDriver BiDi`,
    launch: async () => (await import('./firefox-bidi.js')).firefoxBidiEngine(stock),
  };
}

function findWebKitEngine(): FoundEngine | MissingEngine {
  const own = process.env.B2UP_WEBKIT_DRIVER ? undefined : playwrightBuild(() => webkit.executablePath());
  if (own) {
    return {
      name: 'webkit',
      build: 'Playwright’s build',
      launch: async () => (await import('./playwright.js')).playwrightEngine('webkit', webkit, {}, own),
    };
  }
  const driver = firstExisting([process.env.B2UP_WEBKIT_DRIVER, onPath('WebKitWebDriver')]);
  const browser = firstExisting([
    process.env.B2UP_WEBKIT_BROWSER,
    ...['x86_64-linux-gnu', 'aarch64-linux-gnu'].flatMap((arch) =>
      ['4.1', '4.0', '6.0'].map((api) => `/usr/lib/${arch}/webkit2gtk-${api}/MiniBrowser`),
    ),
    '/usr/libexec/webkit2gtk-4.1/MiniBrowser',
    '/usr/libexec/webkit2gtk-4.0/MiniBrowser',
  ]);
  // MiniBrowser needs a display: an Xvfb when there is no $DISPLAY.
  const display = process.env.DISPLAY || onPath('Xvfb');
  if (!driver || !browser || !display) return { name: 'webkit', install: INSTALL.webkit };
  return {
    name: 'webkit',
    build: `${browser} via ${driver}`,
    launch: async () => (await import('./webkit-webdriver.js')).webkitWebDriverEngine({ driver, browser }),
  };
}

function playwrightBuild(path: () => string): string | undefined {
  try {
    const executable = path();
    return existsSync(executable) ? executable : undefined;
  } catch {
    return undefined;
  }
}

function firstExisting(paths: (string | undefined)[]): string | undefined {
  return paths.find((path): path is string => !!path && existsSync(path));
}

function onPath(command: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
