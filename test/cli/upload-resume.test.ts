/**
 * `b2up upload` as users run it — the built executable in a child process — killed with SIGKILL part
 * way through a ~40 MB file (a crash: no clean-up runs), then run again: it must resume from what B2
 * already holds, re-send at most the parts that were in flight, and produce the same bytes in B2.
 *
 * The executable is built into a private directory under node_modules/.cache (incrementally, a few
 * seconds once warm) rather than the shared dist/, which other suites may be reading at the time.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevStack, startDevStack } from '../../src/cli/dev-stack.js';
import type { ResumeRecord } from '../../src/upload/resume-store.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BUILD = join(ROOT, 'node_modules/.cache/b2up-cli-test');
const MAIN = join(BUILD, 'dist/src/cli/main.js');
const PART_SIZE = 1_048_576;
const CONCURRENCY = 2;
/** 40 full parts and a short last one, so the last part's size is exercised too. */
const FILE_SIZE = 40 * PART_SIZE + 12_345;

let stack: DevStack;
let dir: string;
let file: string;
let stateDir: string;
let fileSha1: string;

async function build(): Promise<void> {
  // tsc emits even when another area has a type error in progress; only a missing main.js is fatal.
  const output = await new Promise<string>((done) => {
    execFile(
      process.execPath,
      [
        join(ROOT, 'node_modules/typescript/bin/tsc'),
        '-p',
        join(ROOT, 'tsconfig.build.json'),
        '--outDir',
        join(BUILD, 'dist'),
        '--incremental',
        '--tsBuildInfoFile',
        join(BUILD, 'tsbuildinfo'),
      ],
      { cwd: ROOT },
      (_error, stdout, stderr) => done(`${stdout}${stderr}`),
    );
  });
  if (!existsSync(MAIN)) throw new Error(`building the CLI failed:\n${output}`);
}

/** Deterministic bytes (xorshift32), written once; returns their SHA-1. */
async function writeSource(path: string, size: number): Promise<string> {
  const bytes = Buffer.alloc(size);
  let x = 0x9e3779b9;
  for (let i = 0; i + 4 <= size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes.writeUInt32LE(x >>> 0, i);
  }
  for (let i = size - (size % 4); i < size; i++) bytes[i] = i & 0xff;
  await writeFile(path, bytes);
  return createHash('sha1').update(bytes).digest('hex');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'b2up-resume-'));
  file = join(dir, 'big.bin');
  stateDir = join(dir, 'state');
  [fileSha1, stack] = await Promise.all([
    writeSource(file, FILE_SIZE),
    startDevStack({ origins: ['http://127.0.0.1'], minPartSize: 1_000_000 }),
    build(),
  ]).then(([sha1, started]) => [sha1, started] as const);
}, 180_000);

afterAll(async () => {
  await stack?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const uploadArgs = () => [
  MAIN,
  'upload',
  file,
  '--broker',
  stack.brokerUrl,
  '--header',
  'Authorization: Bearer alice',
  '--state',
  stateDir,
  '--part-size',
  String(PART_SIZE),
  '--concurrency',
  String(CONCURRENCY),
];

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(onStderr?: (text: string, child: ChildProcess) => void): Promise<Finished> {
  const child = spawn(process.execPath, uploadArgs(), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    onStderr?.(stderr, child);
  });
  return new Promise((done) => child.on('close', (code, signal) => done({ code, signal, stdout, stderr })));
}

const partBytesReceived = () =>
  stack.emulator.counters.snapshot().endpoints.b2_upload_part?.bytesReceived ?? 0;
const partRequests = () => stack.emulator.counters.snapshot().endpoints.b2_upload_part?.requests ?? 0;
/** The 40 hex digits of SHA-1 sent after a part's bytes. */
const SHA1_TRAILER = 40;
/** The resume records `b2up upload` keeps in --state (one JSON file each). */
async function resumeRecords(): Promise<ResumeRecord[]> {
  const names = (await readdir(stateDir).catch(() => [])).filter((n) => n.endsWith('.json'));
  return Promise.all(
    names.map(async (n) => JSON.parse(await readFile(join(stateDir, n), 'utf8')) as ResumeRecord),
  );
}

describe('b2up upload: killed mid-way, run again, resumes', () => {
  it('re-sends at most the parts in flight and stores the exact bytes', async () => {
    // 1. A crash after at least 30 %: SIGKILL as soon as the progress line says so.
    const first = await run((stderr, child) => {
      const percents = [...stderr.matchAll(/\] (\d+) %/g)].map((m) => Number(m[1]));
      if (Math.max(0, ...percents) >= 30 && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    expect(
      first.signal,
      `the first run ended before it could be killed:\n${first.stdout}${first.stderr}`,
    ).toBe('SIGKILL');
    const sentBeforeCrash = partBytesReceived();
    expect(sentBeforeCrash).toBeGreaterThanOrEqual(0.3 * FILE_SIZE - CONCURRENCY * PART_SIZE);
    expect(sentBeforeCrash).toBeLessThan(FILE_SIZE);
    const [crashRecord] = await resumeRecords();
    expect(crashRecord).toMatchObject({ v: 1, size: FILE_SIZE, partSize: PART_SIZE });
    expect(crashRecord!.uploadId).toMatch(/\S/);
    expect(crashRecord!.token).toMatch(/\S/);
    expect(crashRecord!.partsDone).toBeGreaterThanOrEqual(1);
    expect(await resumeRecords()).toHaveLength(1);

    // 2. The same command again.
    const second = await run();
    expect(second.stderr.split('\n').filter((l) => /failed|error/i.test(l))).toEqual([]);
    expect(second.code).toBe(0);
    const done = /: uploaded as (\S+) \((\S+)\), resumed$/m.exec(second.stdout);
    expect(done, second.stdout).not.toBeNull();
    const fileId = done![2]!;

    // Every byte crossed once, plus at most the parts cut off by the kill.
    // Node sends each part's SHA-1 after its bytes (hex_digits_at_end): 40 more bytes per request.
    const resent = partBytesReceived() - FILE_SIZE;
    expect(resent).toBeGreaterThanOrEqual(0);
    expect(resent).toBeLessThanOrEqual(CONCURRENCY * PART_SIZE + partRequests() * SHA1_TRAILER);

    // The file in B2 is the source, byte for byte, and the finished upload left no record behind.
    const download = await stack.admin.downloadFileById(fileId);
    const hash = createHash('sha1');
    for await (const chunk of download.body as unknown as AsyncIterable<Uint8Array>) hash.update(chunk);
    expect(hash.digest('hex')).toBe(fileSha1);
    // The successful run deleted its record: no other process waits on it, so nothing stays.
    expect(await resumeRecords()).toEqual([]);
    const unfinished = await stack.admin.listUnfinishedLargeFiles({ bucketId: stack.bucketId });
    expect(unfinished.files).toEqual([]);
  });
});
