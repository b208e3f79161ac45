import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { lookup } from 'mrmime';
import { createInlineHasher } from '../upload/hasher.js';
import type { ResumeStore } from '../upload/resume-store.js';
import { noTabLock } from '../upload/tab-lock.js';
import { buildUploader, type Uploader, type UploaderOptions } from '../upload/uploader.js';
import { createFileResumeStore } from './file-resume-store.js';

/** Where `b2up upload` keeps resume records by default. */
export function defaultStateDirectory(): string {
  return join(homedir(), '.b2up', 'uploads');
}

export interface NodeUploaderOptions extends Omit<UploaderOptions, 'resume' | 'hasher'> {
  /** Directory of resume records; default ~/.b2up/uploads. `false` disables resuming. */
  stateDirectory?: string | false;
}

/**
 * The browser engine in Node 20+: hashing in this thread (hash-wasm), part bodies as Blobs from
 * `fs.openAsBlob` (streamed from disk, never read whole), resume records on disk.
 */
export function createNodeUploader(options: NodeUploaderOptions): Uploader {
  const { stateDirectory, ...rest } = options;
  const resume: ResumeStore | false =
    stateDirectory === false ? false : createFileResumeStore(stateDirectory ?? defaultStateDirectory());
  return buildUploader(
    { ...rest, resume, hasher: createInlineHasher() },
    // One Node process has no second tab to guard against; two processes on one file are the
    // user's choice, and the broker's part list keeps even that consistent.
    { tabLock: noTabLock, connectivity: { isOnline: () => true, whenOnline: async () => {} } },
  );
}

/** A File for a path on disk, backed by the file itself (no bytes read until they are sent). */
export async function openFile(path: string): Promise<File> {
  const [blob, info] = await Promise.all([openAsBlob(path), stat(path)]);
  const name = basename(path);
  return new File([blob], name, { lastModified: Math.floor(info.mtimeMs), type: lookup(name) ?? '' });
}
