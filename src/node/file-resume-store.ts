import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResumeRecord, ResumeStore } from '../upload/resume-store.js';

/**
 * Resume records as one small JSON file each, for `b2up upload` in Node: a second run of the same
 * command continues where the first stopped. Files are named by a hash of the record key (never by
 * the user's file name) and written to a temp file then renamed, so a crash never leaves half a record.
 */
export function createFileResumeStore(directory: string, now: () => number = Date.now): ResumeStore {
  const pathOf = (key: string) => join(directory, `${createHash('sha256').update(key).digest('hex')}.json`);

  async function read(path: string): Promise<ResumeRecord | undefined> {
    try {
      const record = JSON.parse(await readFile(path, 'utf8')) as ResumeRecord;
      if (record?.v !== 1) return undefined;
      if (record.expiresAt <= now()) {
        await rm(path, { force: true });
        return undefined;
      }
      return record;
    } catch {
      return undefined;
    }
  }

  return {
    persistent: true,
    get: (key) => read(pathOf(key)),
    async set(record) {
      await mkdir(directory, { recursive: true });
      const path = pathOf(record.key);
      const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      await writeFile(temp, JSON.stringify(record));
      await rename(temp, path);
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
    async list() {
      let names: string[];
      try {
        names = await readdir(directory);
      } catch {
        return [];
      }
      const records = await Promise.all(
        names.filter((name) => name.endsWith('.json')).map((name) => read(join(directory, name))),
      );
      return records.filter((record): record is ResumeRecord => record !== undefined);
    },
  };
}
