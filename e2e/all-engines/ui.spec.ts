/**
 * The UI in every engine (see e2e/engines): the built demo's <b2up-uploader> driven like a user —
 * picker, pause/resume/cancel, the resume list after a reload, keyboard only — and a plain page
 * that loads only the IIFE bundle. Every upload is checked byte for byte (SHA-1) in the bucket.
 * Parts are held back at the emulator (a link that stalls) to catch uploads mid-way, in any engine.
 */
import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Tab } from '../engines/driver.js';
import { expect, test } from '../engines/fixtures.js';
import {
  builtPath,
  MIN_PART_SIZE,
  makeFile,
  docsScreenshot,
  serve,
  storedSha1,
  type TestFile,
  tempDir,
  unfinishedCount,
  useDemo,
} from '../ui/support.js';

const demo = useDemo(test, 'b2up-ui-files-');

test.beforeEach(() => {
  demo.server.stack.emulator.faults.clear();
});

/** Lets `pass` more part uploads through, then holds every later one until the returned release. */
function holdPartsAfter(pass: number): () => void {
  return demo.server.stack.emulator.faults.add({
    endpoints: ['b2_upload_part'],
    fault: { kind: 'stall', ms: 600_000 },
    skip: pass,
    count: Infinity,
  });
}

/** In the page: the element of the page's first <b2up-uploader> whose aria-label (or else text) is `label`. */
const inUploader = ([selector, label]: [string, string?]) => {
  const root = document.querySelector('b2up-uploader')?.shadowRoot;
  const all = [...(root?.querySelectorAll(selector) ?? [])];
  return label ? all.find((e) => e.getAttribute('aria-label') === label) : all[0];
};

/** The demo with parts of MIN_PART_SIZE, so a few-MB file takes the large-file flow in many parts. */
async function openDemo(tab: Tab): Promise<void> {
  await tab.goto(`${demo.server.url}/?partSize=${MIN_PART_SIZE}`);
  await expect
    .poll(() =>
      tab.evaluate(() => !!document.querySelector('b2up-uploader')?.shadowRoot?.querySelector('.zone')),
    )
    .toBe(true);
}

interface RowView {
  state: string | null;
  value: number;
  text: string;
}

/** A file's row as the user sees it: state, bar value, text (undefined: no such row). */
const row = (tab: Tab, name: string): Promise<RowView | undefined> =>
  tab.evaluate((fileName) => {
    const root = document.querySelector('b2up-uploader')?.shadowRoot;
    const li = [...(root?.querySelectorAll('li.row') ?? [])].find((e) => e.textContent?.includes(fileName));
    if (!li) return undefined;
    const bar = li.querySelector('[role=progressbar]');
    return {
      state: li.getAttribute('data-state'),
      value: Number(bar?.getAttribute('aria-valuenow') ?? 'NaN'),
      text: li.textContent ?? '',
    };
  }, name);

const stateOf = async (tab: Tab, name: string) => (await row(tab, name))?.state;

const button = (tab: Tab, label: string) =>
  tab.evaluate((wanted) => {
    const root = document.querySelector('b2up-uploader')?.shadowRoot;
    const found = [...(root?.querySelectorAll('button') ?? [])].find(
      (b) => b.getAttribute('aria-label') === wanted,
    );
    return found ? { visible: !found.hidden && !found.closest('[hidden]') } : undefined;
  }, label);

const clickZone = (tab: Tab) => () => tab.click(inUploader, ['.zone']);
const clickButton = (tab: Tab, label: string) => tab.click(inUploader, ['button', label]);

async function expectUploaded(tab: Tab, file: TestFile): Promise<void> {
  await expect.poll(() => stateOf(tab, file.name), { timeout: 60_000 }).toBe('done');
  expect((await row(tab, file.name))?.value).toBe(100);
  expect(await storedSha1(demo.server, file.name)).toBe(file.sha1);
}

/** Docs show Chromium's rendering; other engines needn't overwrite it. */
async function screenshot(tab: Tab, name: string): Promise<void> {
  const picture = docsScreenshot(name);
  if (picture && test.info().project.name === 'chromium') await tab.screenshot(picture);
}

test('pick files: progress reaches 100 % and B2 holds the same bytes', async ({ tab }) => {
  const big = await makeFile(demo.dir, 'picked-large.bin', 3 * 1024 * 1024 + 17, 1);
  const small = await makeFile(demo.dir, 'picked-small.txt', 10_000, 2);
  await openDemo(tab);
  await tab.pickFiles(clickZone(tab), [big.path, small.path]);
  await expectUploaded(tab, big);
  await expectUploaded(tab, small);
  await screenshot(tab, 'demo');
});

test('pause, resume and cancel buttons work; the bar moves between 0 and 100', async ({ tab }) => {
  const first = await makeFile(demo.dir, 'paused.bin', 3 * 1024 * 1024, 5);
  const second = await makeFile(demo.dir, 'cancelled.bin', 2 * 1024 * 1024, 6);
  await openDemo(tab);
  const release = holdPartsAfter(2);
  await tab.pickFiles(clickZone(tab), [first.path]);
  await expect.poll(async () => (await row(tab, first.name))?.value ?? 0).toBeGreaterThan(0);
  expect((await row(tab, first.name))?.value).toBeLessThan(100);
  await clickButton(tab, `Pause ${first.name}`);
  await expect.poll(() => stateOf(tab, first.name)).toBe('paused');
  expect(await button(tab, `Resume ${first.name}`)).toEqual({ visible: true });
  await screenshot(tab, 'paused');

  await tab.pickFiles(clickZone(tab), [second.path]);
  // Cancelled while its parts are on the wire (held), as the row's bar shows it uploading.
  await expect.poll(() => stateOf(tab, second.name)).toBe('uploading');
  await clickButton(tab, `Cancel ${second.name}`);
  await expect.poll(() => stateOf(tab, second.name)).toBe('cancelled');
  expect(await button(tab, `Retry ${second.name}`)).toEqual({ visible: true });

  release();
  await clickButton(tab, `Resume ${first.name}`);
  await expectUploaded(tab, first);
  expect(await storedSha1(demo.server, second.name)).toBeUndefined();
  // Cancel also cancelled the large file in B2 (the paused one finished, so none is left).
  await expect.poll(() => unfinishedCount(demo.server)).toBe(0);
});

test('after a reload the resume list asks for the file again, and re-picking it finishes the upload', async ({
  tab,
}) => {
  const file = await makeFile(demo.dir, 'resumed.bin', 3 * 1024 * 1024 + 1, 7);
  await openDemo(tab);
  const release = holdPartsAfter(3);
  await tab.pickFiles(clickZone(tab), [file.path]);
  await expect.poll(async () => (await row(tab, file.name))?.value ?? 0).toBeGreaterThan(0);

  await tab.reload();
  release();
  const pending = () =>
    tab.evaluate(() => {
      const section = document.querySelector('b2up-uploader')?.shadowRoot?.querySelector('section.pending');
      return section && !(section as HTMLElement).hidden ? (section.textContent ?? '') : undefined;
    });
  await expect.poll(pending).toContain(file.name);
  expect(await pending()).toContain('Can be resumed');
  // No FileSystemFileHandle was kept (the demo's picker is a plain input): nothing to re-open.
  expect(await button(tab, `Re-open ${file.name} and resume`)).toEqual({ visible: false });
  await screenshot(tab, 'resume-list');

  await tab.pickFiles(() => clickButton(tab, `Choose ${file.name} again to resume it`), [file.path]);
  await expectUploaded(tab, file);
  expect((await row(tab, file.name))?.text).toContain('resumed');
  expect(await pending()).toBeUndefined();
});

test('with file-handles but no showOpenFilePicker the plain picker opens and the resume list asks again', async ({
  tab,
}) => {
  await openDemo(tab);
  const hasPicker = await tab.evaluate(() => 'showOpenFilePicker' in window);
  // Chromium has the File System Access picker; its handles are covered by e2e/upload.spec.ts.
  test.skip(hasPicker, 'this engine has showOpenFilePicker');
  const file = await makeFile(demo.dir, 'handles.bin', 2 * 1024 * 1024 + 5, 9);
  await tab.evaluate(() => document.querySelector('b2up-uploader')?.setAttribute('file-handles', ''));
  const release = holdPartsAfter(2);
  await tab.pickFiles(clickZone(tab), [file.path]);
  await expect.poll(async () => (await row(tab, file.name))?.value ?? 0).toBeGreaterThan(0);
  await tab.reload();
  release();
  await expect.poll(() => button(tab, `Choose ${file.name} again to resume it`)).toEqual({ visible: true });
  expect(await button(tab, `Re-open ${file.name} and resume`)).toEqual({ visible: false });
  await tab.pickFiles(() => clickButton(tab, `Choose ${file.name} again to resume it`), [file.path]);
  await expectUploaded(tab, file);
});

test('keyboard only: tab to the drop zone, Enter opens the picker, tab to Pause and press it', async ({
  tab,
}) => {
  const file = await makeFile(demo.dir, 'keyboard.bin', 2 * 1024 * 1024, 8);
  await openDemo(tab);
  const release = holdPartsAfter(1);
  const focused = () =>
    tab.evaluate(() => {
      const host = document.activeElement;
      const inner = host?.shadowRoot?.activeElement;
      return inner ? `${inner.tagName}:${inner.getAttribute('aria-label') ?? inner.textContent}` : host?.id;
    });

  for (let i = 0; i < 10 && !(await focused())?.startsWith('DIV:'); i++) await tab.press('Tab');
  expect(await focused()).toMatch(/^DIV:/);
  await tab.pickFiles(() => tab.press('Enter'), [file.path]);
  await expect.poll(() => stateOf(tab, file.name)).toMatch(/uploading|preparing|waiting/);

  for (let i = 0; i < 10 && (await focused()) !== `BUTTON:Pause ${file.name}`; i++) await tab.press('Tab');
  expect(await focused()).toBe(`BUTTON:Pause ${file.name}`);
  await tab.press('Enter');
  await expect.poll(() => stateOf(tab, file.name)).toBe('paused');
  // The same button, still focused, now resumes.
  expect(await focused()).toBe(`BUTTON:Resume ${file.name}`);
  release();
  await tab.press('Space');
  await expectUploaded(tab, file);
});

test('a page loading only the IIFE bundle uploads a file, hashing in a worker', async ({ tab }) => {
  const site = await tempDir('b2up-iife-site-');
  const iife = await serve(await writeSite(site.dir)).catch(async (error) => {
    await site.remove();
    throw error;
  });
  try {
    const file = await makeFile(site.dir, 'from-script-tag.bin', 2 * 1024 * 1024 + 3, 11);
    await tab.goto(`${iife.url}/vendor/index.html`);
    expect(
      await tab.evaluate(
        () => typeof (window as { B2Up?: { createUploader?: unknown } }).B2Up?.createUploader,
      ),
    ).toBe('function');
    // Record the workers the page starts (the bundle makes its hash worker when the upload starts).
    await tab.evaluate(() => {
      const started: string[] = [];
      const Original = window.Worker;
      window.Worker = class extends Original {
        constructor(url: string | URL, options?: WorkerOptions) {
          super(url, options);
          started.push(new URL(String(url), location.href).href);
        }
      };
      Object.assign(window, { startedWorkers: started });
    });
    await tab.pickFiles(clickZone(tab), [file.path]);
    await expect.poll(() => stateOf(tab, file.name), { timeout: 60_000 }).toBe('done');
    expect(await storedSha1(iife, file.name)).toBe(file.sha1);
    const workers = await tab.evaluate(
      () => (window as unknown as { startedWorkers: string[] }).startedWorkers,
    );
    expect(workers.some((url) => /\/vendor\/assets\/hash-worker-[\w-]+\.js$/.test(url))).toBe(true);
    expect(await tab.evaluate(() => document.querySelector('#log')?.textContent)).toContain('complete');
  } finally {
    await iife.close();
    await site.remove();
  }
});

/** index.html at the root (the dev server wants one) and the page + bundle under /vendor/. */
async function writeSite(dir: string): Promise<string> {
  const vendor = join(dir, 'vendor');
  await cp(builtPath('iife'), vendor, { recursive: true });
  await writeFile(join(dir, 'index.html'), '<!doctype html><a href="vendor/">page</a>');
  await writeFile(
    join(vendor, 'index.html'),
    `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>script tag</title>
<script src="./b2up.iife.js"></script></head>
<body>
  <b2up-uploader broker="/b2up"></b2up-uploader>
  <p id="log"></p>
  <script>
    document.querySelector('b2up-uploader').addEventListener('upload-complete', function (event) {
      document.querySelector('#log').textContent = 'complete: ' + event.detail.result.fileName;
    });
  </script>
</body></html>`,
  );
  return dir;
}
