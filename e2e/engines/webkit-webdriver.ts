/**
 * Driver for WebKitGTK (Safari's engine) through its WebDriver server, `WebKitWebDriver`, driving
 * `MiniBrowser` (Debian: webkit2gtk-driver) — a classic W3C WebDriver session, spoken with
 * selenium-webdriver. MiniBrowser needs an X display: without $DISPLAY one Xvfb is started here.
 *
 * Each session is a browser of its own (fresh storage); its tabs are WebDriver windows, and every
 * command first switches to the window it is for, one command at a time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { Builder, Key, type WebDriver, type WebElement } from 'selenium-webdriver';
import {
  answerTrappedPicker,
  type ElementFinder,
  type Engine,
  type PageFunction,
  type Session,
  type Tab,
} from './driver.js';

export interface WebKitBuild {
  driver: string;
  browser: string;
}

export async function webkitWebDriverEngine(build: WebKitBuild): Promise<Engine> {
  const display = process.env.DISPLAY ? undefined : await startXvfb();
  const env = { ...process.env, ...(display ? { DISPLAY: display.name } : {}) };
  const port = await freePort();
  const server = spawn(build.driver, [`--port=${port}`, '--host=local'], { env, stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  try {
    await untilListening(url, server);
  } catch (error) {
    server.kill();
    display?.process.kill();
    throw error;
  }
  const capabilities = {
    browserName: 'MiniBrowser',
    'webkitgtk:browserOptions': { binary: build.browser, args: ['--automation'] },
  };
  const open = () => new Builder().usingServer(url).withCapabilities(capabilities).build();
  // MiniBrowser reports the WebKitGTK version it runs on.
  const probe = await open();
  const version = String((await probe.getCapabilities()).get('browserVersion'));
  await probe.quit();
  return {
    name: 'webkit',
    description: `WebKitGTK ${version} (MiniBrowser ${build.browser}) via WebDriver (${build.driver})`,
    async newSession() {
      const driver = await open();
      await driver.manage().setTimeouts({ script: 180_000, pageLoad: 60_000 });
      return webkitSession(driver);
    },
    async close() {
      server.kill();
      display?.process.kill();
    },
  };
}

function webkitSession(driver: WebDriver): Session {
  // WebDriver has one current window per session: commands queue up and each switches first.
  let queue: Promise<unknown> = Promise.resolve();
  let current = '';
  const inWindow = <T>(handle: string, command: () => Promise<T>): Promise<T> => {
    const run = queue.then(async () => {
      if (handle && current !== handle) await driver.switchTo().window(handle);
      if (handle) current = handle;
      return command();
    });
    queue = run.catch(() => undefined);
    return run;
  };
  let first = true;
  return {
    async newTab() {
      const handle = await inWindow(current, async () => {
        // A session starts with one window: the first tab is that one.
        if (!first) await driver.switchTo().newWindow('window');
        first = false;
        current = await driver.getWindowHandle();
        return current;
      });
      return webkitTab(driver, (command) => inWindow(handle, command));
    },
    // WebDriver has no network emulation; a spec cuts the network another way (see its helper).
    close: () => driver.quit(),
  };
}

const KEYS = { Tab: Key.TAB, Enter: Key.ENTER, Space: Key.SPACE } as const;

function webkitTab(driver: WebDriver, inWindow: <T>(command: () => Promise<T>) => Promise<T>): Tab {
  // The answer crosses as JSON text: WebDriver would turn undefined fields into null, which
  // Playwright and BiDi keep as undefined.
  const evaluate = <R, A>(fn: PageFunction<A, R>, arg?: A) =>
    inWindow(async () => {
      const answer = await driver.executeAsyncScript<{ json?: string | null } | { error: string }>(
        `const done = arguments[arguments.length - 1];
         Promise.resolve(arguments[0]).then(${String(fn)}).then(
           (value) => done({ json: value === undefined ? null : JSON.stringify(value) }),
           (error) => done({ error: String((error && error.stack) || error) }));`,
        arg ?? null,
      );
      if ('error' in answer) throw new Error(`in the page: ${answer.error}`);
      return (answer.json == null ? undefined : JSON.parse(answer.json)) as R;
    });
  const element = <A>(find: ElementFinder<A>, arg?: A) =>
    driver
      .executeScript<WebElement | null>(`return (${String(find)})(arguments[0]);`, arg ?? null)
      .then((found) => {
        if (!found) throw new Error(`no element from ${String(find)}`);
        return found;
      });
  const tab: Tab = {
    goto: (url) => inWindow(() => driver.get(url)),
    reload: () => inWindow(() => driver.navigate().refresh()),
    evaluate,
    setFiles: (find, paths, arg) =>
      inWindow(async () => (await element(find, arg)).sendKeys(paths.join('\n'))),
    pickFiles: (open, paths) => answerTrappedPicker(tab, open, paths),
    click: (find, arg) => inWindow(async () => (await element(find, arg)).click()),
    press: (key) => inWindow(() => driver.actions().sendKeys(KEYS[key]).perform()),
    screenshot: (path) => inWindow(async () => writeFile(path, await driver.takeScreenshot(), 'base64')),
    close: () => inWindow(() => driver.close()),
  };
  return tab;
}

/** An Xvfb on a display number it picks itself (-displayfd), so parallel runs never collide. */
async function startXvfb(): Promise<{ name: string; process: ChildProcess }> {
  const xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  const number = await new Promise<string>((resolve, reject) => {
    let text = '';
    xvfb.stdio[3]!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(text.trim());
    });
    xvfb.once('error', reject);
    xvfb.once('exit', (code) => reject(new Error(`Xvfb exited (${code}) before it was ready`)));
  });
  return { name: `:${number}`, process: xvfb };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function untilListening(url: string, server: ChildProcess): Promise<void> {
  let exited = false;
  server.once('exit', () => (exited = true));
  for (let i = 0; i < 200 && !exited; i++) {
    const ready = await fetch(`${url}/status`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`WebKitWebDriver did not start on ${url}`);
}
