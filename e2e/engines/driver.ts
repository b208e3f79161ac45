/**
 * What a cross-engine spec may ask of a browser. Each engine has a thin driver behind this
 * (./playwright.ts, ./firefox-bidi.ts, ./webkit-webdriver.ts); the specs in e2e/all-engines use
 * nothing else, so one description of a spec runs in Chromium, Firefox and WebKit alike.
 */

export type EngineName = 'chromium' | 'firefox' | 'webkit';

/** A function run in the page. Like Playwright's `page.evaluate`: its source is sent, so it may
 * use only its argument and the page's globals, and must return plain data. */
export type PageFunction<A, R> = (arg: A) => R | Promise<R>;

/** Finds an element in the page (it may sit in a shadow root); sent like a PageFunction. */
export type ElementFinder<A = undefined> = PageFunction<A, Element | null | undefined>;

export interface Tab {
  goto(url: string): Promise<void>;
  reload(): Promise<void>;
  evaluate<R, A = undefined>(fn: PageFunction<A, R>, arg?: A): Promise<R>;
  /** Sets files on the `<input type=file>` that `find` returns (it may sit in a shadow root). */
  setFiles<A>(find: ElementFinder<A>, paths: string[], arg?: A): Promise<void>;
  /**
   * Does `open` (a click or a key press that should open the file picker) and answers the picker
   * with `paths`, as a user choosing files would.
   */
  pickFiles(open: () => Promise<void>, paths: string[]): Promise<void>;
  /** A real click (mouse or the automation's element click) on what `find` returns. */
  click<A>(find: ElementFinder<A>, arg?: A): Promise<void>;
  /** A real key press sent to whatever has focus. */
  press(key: 'Tab' | 'Enter' | 'Space'): Promise<void>;
  screenshot(path: string): Promise<void>;
  close(): Promise<void>;
}

/** One browsing context with its own storage (cookies, IndexedDB, Web Locks); tabs share it. */
export interface Session {
  newTab(): Promise<Tab>;
  /**
   * The browser's own offline switch (navigator.onLine goes false, requests fail at once), where
   * the engine's automation has one; undefined where it has not.
   */
  setOffline?: (offline: boolean) => Promise<void>;
  close(): Promise<void>;
}

export interface Engine {
  name: EngineName;
  /** What drives it and which build, e.g. "Firefox 153.8.0esr (/usr/bin/firefox-esr) over WebDriver BiDi". */
  description: string;
  newSession(): Promise<Session>;
  close(): Promise<void>;
}

/**
 * For engines whose automation can't catch the native file picker: the page's file inputs record
 * the click instead of opening a dialog, so the driver can set the files on that very input.
 */
export const trapFilePicker: PageFunction<undefined, void> = () => {
  const w = window as unknown as { __b2upPicker?: HTMLInputElement | null; __b2upTrap?: boolean };
  w.__b2upPicker = null;
  if (w.__b2upTrap) return;
  w.__b2upTrap = true;
  const open = function (this: HTMLInputElement) {
    if (this.type === 'file') w.__b2upPicker = this;
  };
  HTMLInputElement.prototype.click = new Proxy(HTMLInputElement.prototype.click, {
    apply: (click, input: HTMLInputElement, args) =>
      input.type === 'file' ? open.call(input) : Reflect.apply(click, input, args),
  });
  if ('showPicker' in HTMLInputElement.prototype) {
    HTMLInputElement.prototype.showPicker = new Proxy(HTMLInputElement.prototype.showPicker, {
      apply: (show, input: HTMLInputElement, args) =>
        input.type === 'file' ? open.call(input) : Reflect.apply(show, input, args),
    });
  }
};

/** The input the trapped picker was opened for (see trapFilePicker). */
export const trappedPicker: ElementFinder = () =>
  (window as unknown as { __b2upPicker?: HTMLInputElement | null }).__b2upPicker ?? null;

/** Polls `fn` in the page until it returns something truthy; that value. */
export async function waitFor<R, A = undefined>(
  tab: Tab,
  fn: PageFunction<A, R>,
  arg?: A,
  { timeout = 60_000, message = 'condition' }: { timeout?: number; message?: string } = {},
): Promise<NonNullable<R>> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await tab.evaluate(fn, arg);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${message}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Answers a trapped picker: opens it with `open`, then sets `paths` on the input it was for. */
export async function answerTrappedPicker(tab: Tab, open: () => Promise<void>, paths: string[]) {
  await tab.evaluate(trapFilePicker);
  await open();
  await waitFor(
    tab,
    () => (window as unknown as { __b2upPicker?: unknown }).__b2upPicker != null,
    undefined,
    {
      message: 'the page to open a file picker',
    },
  );
  await tab.setFiles(trappedPicker, paths);
}
