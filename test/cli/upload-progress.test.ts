/**
 * What `b2up upload` shows: plain lines without a terminal, an in-place bar on one, "resuming from
 * N %" first when a run continues an earlier one, "no such file: PATH", and never 100 % for a file
 * the broker refused. In-process against a real dev stack (emulator + broker over HTTP).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import type { CliIo, Terminal } from '../../src/cli/command.js';
import { type DevStack, startDevStack } from '../../src/cli/dev-stack.js';

const PART = 64 * 1024;
let stack: DevStack;
let dir: string;

beforeAll(async () => {
  stack = await startDevStack({ origins: ['http://127.0.0.1:1'], minPartSize: PART });
  dir = await mkdtemp(join(tmpdir(), 'b2up-upload-progress-'));
});

afterAll(async () => {
  await stack?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function file(name: string, size: number): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, Buffer.alloc(size, name.length));
  return path;
}

interface Run {
  out: string[];
  err: string[];
  stop: AbortController;
  io: CliIo;
}

function capture(extra: Partial<CliIo> = {}): Run {
  const stop = new AbortController();
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stop,
    io: { out: (l) => out.push(l), err: (l) => err.push(l), signal: stop.signal, ...extra },
  };
}

const upload = (run: Run, args: string[]) =>
  runCli(
    ['upload', ...args, '--broker', stack.brokerUrl, '--part-size', String(PART), '--concurrency', '1'],
    run.io,
  );

const alice = ['--header', 'Authorization: Bearer alice'];

describe('b2up upload: what it prints', () => {
  it('"no such file: PATH" for a missing path, and says what a directory is', async () => {
    const run = capture();
    const missing = join(dir, 'missing.bin');
    expect(await upload(run, [missing, dir, ...alice, '--no-resume'])).toBe(1);
    expect(run.err).toEqual([`no such file: ${missing}`, `a directory, not a file: ${dir}`]);
  });

  it('without a terminal: a plain line per tenth, 100 % once B2 holds the file', async () => {
    const path = await file('lines.bin', 20 * PART);
    const run = capture();
    expect(await upload(run, [path, ...alice, '--no-resume'])).toBe(0);
    const percents = run.err.map((line) => Number(/\] (\d+) %/.exec(line)?.[1]));
    expect(percents.every((p) => Number.isInteger(p))).toBe(true);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents.at(-1)).toBe(100);
    expect(run.out).toEqual([expect.stringMatching(/lines\.bin: uploaded as uploads\/.+\/lines\.bin/)]);
  });

  it('on a terminal: one bar redrawn in place, no progress lines', async () => {
    const path = await file('bar.bin', 20 * PART);
    let drawn = '';
    const terminal: Terminal = Object.assign(
      new Writable({
        write(chunk, _encoding, done) {
          drawn += String(chunk);
          done();
        },
      }),
      { isTTY: true, columns: 120 },
    );
    const run = capture({ terminal });
    expect(await upload(run, [path, ...alice, '--no-resume'])).toBe(0);
    expect(run.err).toEqual([]);
    // Redrawn in place: carriage returns / cursor moves, and the final draw at 100 %.
    expect(drawn.includes('\r') || drawn.includes('\u001b[')).toBe(true);
    expect(drawn).toMatch(/bar\.bin \[[=#-]*\] 100 % · 1\.3 MB of 1\.3 MB/);
    expect(drawn.split('\n').filter((line) => line.includes('bar.bin [')).length).toBeLessThanOrEqual(2);
  });

  it('a resumed run says where it resumes from first, and never replays what was done', async () => {
    const path = await file('resumed.bin', 40 * PART);
    const state = join(dir, 'state');
    const first = capture();
    // Ctrl-C as soon as 40 % shows: the parts in B2 stay for the next run.
    first.io.err = (line) => {
      first.err.push(line);
      if (/\] 40 %/.test(line)) first.stop.abort();
    };
    expect(await upload(first, [path, ...alice, '--state', state])).toBe(1);
    expect(first.err.at(-1)).toContain('interrupted; run the same command again to resume');

    const second = capture();
    expect(await upload(second, [path, ...alice, '--state', state])).toBe(0);
    const resumedFrom = Number(/^.*resumed\.bin: resuming from (\d+) %$/.exec(second.err[0] ?? '')?.[1]);
    // 40 % shown counted the part in flight (one part is 2.5 % of this file); B2 kept the rest.
    expect(resumedFrom).toBeGreaterThanOrEqual(37);
    expect(resumedFrom).toBeLessThan(100);
    const later = second.err.slice(1).map((line) => Number(/\] (\d+) %/.exec(line)?.[1]));
    expect(later.every((p) => p > resumedFrom - (resumedFrom % 10))).toBe(true);
    expect(second.out[0]).toMatch(/, resumed$/);
  });

  it('a small file the broker refuses (no login) fails without ever showing 100 %', async () => {
    const path = await file('nologin.txt', 30_000);
    const run = capture();
    expect(await upload(run, [path, '--no-resume'])).toBe(1);
    expect(run.err.at(-1)).toMatch(/nologin\.txt: failed \(unauthenticated\)/);
    expect(run.err.some((line) => /100\s?%/.test(line))).toBe(false);
  });
});
