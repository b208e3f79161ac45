/**
 * Bench files on disk, under one temp dir per run (os.tmpdir()), deleted when the run ends. Files
 * are random bytes (nothing along the way can compress or dedupe them), written 8 MiB at a time.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

export interface TempFiles {
  dir: string;
  /** A `size`-byte random file named after its size; made once per run, then reused. */
  file(size: number): Promise<string>;
  /** A fresh directory inside the run's temp dir (for the tus file store). */
  subdir(name: string): string;
  remove(): Promise<void>;
}

export async function createTempFiles(): Promise<TempFiles> {
  const dir = await mkdtemp(join(tmpdir(), 'b2up-bench-'));
  const made = new Map<number, Promise<string>>();
  const write = async (size: number) => {
    const path = join(dir, `random-${size}.bin`);
    const handle = await open(path, 'w');
    try {
      for (let at = 0; at < size; at += 8 * MiB)
        await handle.write(randomBytes(Math.min(8 * MiB, size - at)));
    } finally {
      await handle.close();
    }
    return path;
  };
  return {
    dir,
    file(size) {
      let path = made.get(size);
      if (!path) {
        path = write(size);
        made.set(size, path);
      }
      return path;
    },
    subdir: (name) => join(dir, name),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
