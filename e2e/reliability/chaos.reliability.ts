/**
 * Suite 2, reload chaos (docs/reliability.md#reload-chaos): 64 MiB uploads of real files on disk,
 * each interrupted once — reload, page close or browser kill (SIGKILL, persistent profile) — while
 * hashing, mid-part, right after a part succeeded (before or around the IndexedDB write) or during
 * finish; then the user picks the same file again. Plus the two files that must not be resumed.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, open, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { mulberry32 } from '../../src/emulator/faults/random.js';
import { expect, test } from '../harness/fixtures.js';
import { launchOnProfile, type ProfileBrowser } from './browser-process.js';
import { MiB, storedSha1, unfinishedCount, writeDeterministicFile } from './common.js';
import { baseSeed, figure, isLong, writeFigures } from './figures.js';
import { startStack } from './stack.js';

const RUNS = isLong() ? 100 : 20;
const SIZE = 64 * MiB;
const PART_SIZE = 8 * MiB;
const CONCURRENCY = 2;
const MTIME = new Date('2026-01-02T03:04:05Z');
const KINDS = ['reload', 'close', 'kill'] as const;
const MOMENTS = ['hashing', 'mid-part', 'after-part', 'finishing'] as const;
const UPLOADER = { partSize: PART_SIZE, concurrency: CONCURRENCY };

type Kind = (typeof KINDS)[number];
type Moment = (typeof MOMENTS)[number];

interface Run {
  label: string;
  sha1Ok: boolean;
  wrongFinish: boolean;
  resentBytes: number;
  resumed: boolean;
  error?: string;
  hit: boolean;
}

const writeDeterministic = (path: string, seed: number) => writeDeterministicFile(path, seed, SIZE, MTIME);

async function fileSha1(path: string): Promise<string> {
  const handle = await open(path, 'r');
  const hash = createHash('sha1');
  for await (const chunk of handle.createReadStream()) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

test('reload chaos', async ({ harnessServer, harnessUrl }) => {
  const seed = baseSeed();
  const dir = await mkdtemp(join(tmpdir(), 'b2up-chaos-'));
  const stack = await startStack({
    origins: [harnessServer.origin],
    minPartSize: 1 * MiB,
    seed,
    broker: { limits: { startsPerMinute: 10_000 } },
    // Finish takes a moment, as with a real B2 assembling a big file, so "during finish" can be hit.
    delayBrokerCalls: (path) => (path.endsWith('/finish') ? 400 : 0),
  });
  let profile: ProfileBrowser = await launchOnProfile(join(dir, 'profile'));
  const url = harnessUrl({ broker: stack.brokerUrl });
  const pageErrors: string[] = [];

  const openPage = async (): Promise<Page> => {
    const page = await profile.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(url);
    await page.waitForFunction(() => window.b2upTest?.ready === true);
    return page;
  };
  const startPicked = async (page: Page, path: string) => {
    await page.setInputFiles('#file-input', path);
    return page.evaluate(
      (uploader) => window.b2upTest.reliability.start({ file: window.b2upTest.pickedFile(), uploader }),
      UPLOADER,
    );
  };
  const outcome = (page: Page, id: string) =>
    page.evaluate((id) => window.b2upTest.reliability.outcome(id), id);
  const partBytes = () => stack.emulator.counters.get('b2_upload_part').bytesReceived;

  /** Waits for the moment; false when the upload finished before it came. */
  const waitFor = async (page: Page, id: string, moment: Moment, random: () => number): Promise<boolean> => {
    const target = (0.1 + 0.8 * random()) * SIZE;
    let lastParts = -1;
    for (;;) {
      const o = await outcome(page, id);
      if (o.state === 'done' || o.state === 'failed') return false;
      if (moment === 'hashing') return true;
      if (moment === 'mid-part' && o.bytesSent >= target) return true;
      if (moment === 'after-part') {
        if (lastParts >= 0 && o.partsDone > lastParts && o.partsDone >= 1 + Math.floor(random() * 4))
          return true;
        lastParts = o.partsDone;
      }
      if (moment === 'finishing' && o.state === 'finishing') return true;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  };

  const interrupt = async (page: Page, kind: Kind): Promise<Page> => {
    if (kind === 'reload') {
      await page.reload();
      await page.waitForFunction(() => window.b2upTest?.ready === true);
      return page;
    }
    if (kind === 'close') {
      await page.close();
      return openPage();
    }
    await profile.kill();
    profile = await launchOnProfile(join(dir, 'profile'));
    return openPage();
  };

  const finishPicked = async (
    page: Page,
    path: string,
    label: string,
    expected: string,
    before: number,
    hit: boolean,
  ): Promise<Run> => {
    const id = await startPicked(page, path);
    const o = await page.evaluate((id) => window.b2upTest.reliability.finished(id), id);
    await page.close();
    const stored = o.result ? await storedSha1(stack, o.result.fileId) : undefined;
    return {
      label,
      sha1Ok: stored === expected,
      wrongFinish: stored !== undefined && stored !== expected,
      resentBytes: partBytes() - before - SIZE,
      resumed: o.resumed,
      hit,
      ...(o.error ? { error: `${o.error.code}: ${o.error.message}` } : {}),
    };
  };

  const runs: Run[] = [];
  const orphansAfter: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const random = mulberry32(seed + 1000 + i);
      const kind = KINDS[i % KINDS.length]!;
      const moment = MOMENTS[Math.floor(i / KINDS.length) % MOMENTS.length]!;
      const path = join(dir, `chaos-${i}.bin`);
      const expected = await writeDeterministic(path, seed + 1000 + i);
      const before = partBytes();
      let page = await openPage();
      const id = await startPicked(page, path);
      const hit = await waitFor(page, id, moment, random);
      page = await interrupt(page, kind);
      runs.push(await finishPicked(page, path, `${kind} during ${moment}`, expected, before, hit));
      orphansAfter.push(await unfinishedCount(stack));
      await rm(path, { force: true });
    }

    /**
     * After a reload, overwrite `text` at `offset` keeping the name, size and date, then pick the
     * file again: it must finish as a new upload with the new bytes, never as the old one resumed.
     */
    const editAndFinish = async (page: Page, path: string, text: string, offset: number, label: string) => {
      const handle = await open(path, 'r+');
      await handle.write(Buffer.from(text), 0, undefined, offset);
      await handle.close();
      await utimes(path, MTIME, MTIME);
      const expected = await fileSha1(path);
      const run = await finishPicked(page, path, label, expected, partBytes(), true);
      runs.push({ ...run, wrongFinish: run.wrongFinish || run.resumed, resentBytes: 0 });
      orphansAfter.push(await unfinishedCount(stack));
    };

    // Negative 1: same name, size and date, different first part → a new upload, not a resume.
    {
      const path = join(dir, 'negative-first.bin');
      await writeDeterministic(path, seed + 7);
      let page = await openPage();
      const id = await startPicked(page, path);
      await waitFor(page, id, 'after-part', () => 0.5);
      page = await interrupt(page, 'reload');
      await editAndFinish(page, path, 'a different first part', 0, 'negative: different first part');
    }
    // Negative 2: a part B2 already holds changed on disk → caught before finish, restarted.
    {
      const path = join(dir, 'negative-middle.bin');
      await writeDeterministic(path, seed + 8);
      let page = await openPage();
      const id = await startPicked(page, path);
      for (;;) {
        const o = await outcome(page, id);
        if (o.partsDone >= 3 || o.state === 'done') break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      page = await interrupt(page, 'reload');
      await editAndFinish(
        page,
        path,
        'changed in the middle',
        PART_SIZE + 100,
        'negative: changed middle part',
      );
    }
    await writeFile(join(dir, 'done'), '');
  } finally {
    await profile.close();
  }

  const chaos = runs.slice(0, RUNS);
  const maxResent = Math.max(0, ...chaos.map((r) => r.resentBytes));
  const inFlightBudget = CONCURRENCY * PART_SIZE;
  const completed = chaos.filter((r) => r.sha1Ok).length;
  const wrong = runs.filter((r) => r.wrongFinish).length;
  const negativesOk = runs.slice(RUNS).filter((r) => r.sha1Ok && !r.resumed).length;
  const orphans = await unfinishedCount(stack);
  const figures = [
    figure(
      'interrupted uploads completed with the right SHA-1',
      `${completed}/${RUNS}`,
      `= ${RUNS}/${RUNS}`,
      completed === RUNS,
    ),
    figure(
      'interruptions that hit their moment',
      `${chaos.filter((r) => r.hit).length}/${RUNS}`,
      'info',
      true,
    ),
    figure(
      'resumed after the interruption',
      `${chaos.filter((r) => r.resumed).length}/${RUNS}`,
      'info',
      true,
    ),
    figure(
      'most bytes re-sent in one run (MiB)',
      (maxResent / MiB).toFixed(1),
      `≤ ${inFlightBudget / MiB} (parts in flight)`,
      maxResent <= inFlightBudget,
    ),
    figure('unfinished large files left at the end', orphans, '0', orphans === 0),
    figure('negative cases started over and finished right', `${negativesOk}/2`, '2/2', negativesOk === 2),
    figure('wrong finishes', wrong, '0', wrong === 0),
    figure('uncaught page errors', pageErrors.length, '0', pageErrors.length === 0),
  ];
  writeFigures('2-reload-chaos', isLong() ? 'long' : 'ci', figures);
  console.log(JSON.stringify({ runs, orphansAfter, figures }, null, 1));
  await stack.close();
  await rm(dir, { recursive: true, force: true });
  expect(figures.filter((f) => !f.pass).map((f) => `${f.name}: ${f.value}`)).toEqual([]);
});
