/**
 * Running the docs' shell commands as written: a fenced ```sh block is found by a line it contains,
 * split into the terminals it names (`# Terminal N: …`), and each terminal's lines run in `sh` with a
 * `b2up` on PATH that is this repository's CLI (the built one when present, else the sources).
 * Default ports are swapped for free ones chosen at run time, the only edit made to the text.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

/** The ```sh block of `doc` (a path under the repository) that contains `line`. */
export async function shellBlock(doc: string, line: string): Promise<string> {
  const text = await readFile(join(ROOT, doc), 'utf8');
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const found = blocks.filter((block) => block.includes(line));
  if (found.length !== 1) throw new Error(`${doc}: ${found.length} sh blocks contain "${line}"`);
  return found[0]!;
}

/** The block's commands per `# Terminal N` heading, in order. */
export function terminals(block: string): string[] {
  return block
    .split(/^# Terminal \d+.*$/m)
    .map((part) => part.trim())
    .filter(Boolean);
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** A scratch directory with a `b2up` executable that runs this repository's CLI. */
export async function scratchWithCli(): Promise<{ dir: string; env: NodeJS.ProcessEnv }> {
  const dir = await mkdtemp(join(tmpdir(), 'b2up-docs-'));
  const bin = join(dir, '.bin');
  const built = join(ROOT, 'dist/src/cli/main.js');
  const command = existsSync(built)
    ? `exec "${process.execPath}" "${built}" "$@"`
    : `exec "${join(ROOT, 'node_modules/.bin/tsx')}" "${join(ROOT, 'src/cli/main.ts')}" "$@"`;
  await mkdir(bin);
  await writeFile(join(bin, 'b2up'), `#!/bin/sh\n${command}\n`);
  await chmod(join(bin, 'b2up'), 0o755);
  const env = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    NODE_PATH: join(ROOT, 'node_modules'),
  };
  return { dir, env };
}

export interface Running {
  child: ChildProcess;
  output(): string;
  /** Resolves with the output once it contains `text`; rejects if the process exits first. */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

/** Runs `script` in `sh -e` in `cwd`, collecting stdout and stderr together. */
export function runShell(script: string, cwd: string, env: NodeJS.ProcessEnv): Running {
  const child = spawn('sh', ['-ec', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return {
    child,
    output: () => output,
    exited,
    async waitFor(text, timeoutMs = 30_000) {
      const has = () => (typeof text === 'string' ? output.includes(text) : text.test(output));
      const deadline = Date.now() + timeoutMs;
      while (!has()) {
        if (child.exitCode !== null) throw new Error(`exited ${child.exitCode} before "${text}":\n${output}`);
        if (Date.now() > deadline) throw new Error(`no "${text}" in time:\n${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return output;
    },
    async stop() {
      // The whole process group: sh and the b2up it started.
      if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGTERM');
      return exited;
    },
  };
}
