import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInlineHasher } from '../upload/hasher.js';
import type { ResumeStore } from '../upload/resume-store.js';
import { noTabLock } from '../upload/tab-lock.js';
import { buildUploader, type Uploader, type UploaderOptions } from '../upload/create-uploader.js';
import { createFileResumeStore } from './file-resume-store.js';
import { createHashingSender } from './hashing-sender.js';

export { openFile } from './disk-file.js';

/** Where `b2up upload` keeps resume records by default. */
export function defaultStateDirectory(): string {
  return join(homedir(), '.b2up', 'uploads');
}

export interface NodeUploaderOptions extends Omit<UploaderOptions, 'resume' | 'hasher'> {
  /** Directory of resume records; default ~/.b2up/uploads. `false` disables resuming. */
  stateDirectory?: string | false;
}

/**
 * The browser engine in Node 20+: each part is read once and hashed on its way out
 * (`hashing-sender.ts`: positioned reads into reused buffers for files from `openFile`, SHA-1
 * appended as `hex_digits_at_end`); other hashing (fingerprint, resume checks) in this thread with
 * node:crypto; resume records on disk.
 */
export function createNodeUploader(options: NodeUploaderOptions): Uploader {
  const { stateDirectory, ...rest } = options;
  const resume: ResumeStore | false =
    stateDirectory === false ? false : createFileResumeStore(stateDirectory ?? defaultStateDirectory());
  const sender = createHashingSender();
  const uploader = buildUploader(
    { ...rest, resume, hasher: createInlineHasher() },
    {
      sendHashed: sender.send,
      // One Node process has no second tab to guard against; two processes on one file are the
      // user's choice, and the broker's part list keeps even that consistent.
      tabLock: noTabLock,
      connectivity: { isOnline: () => true, whenOnline: async () => {} },
    },
  );
  return {
    upload: (file, uploadOptions) => uploader.upload(file, uploadOptions),
    pending: () => uploader.pending(),
    get resumable() {
      return uploader.resumable;
    },
    prepare: () => uploader.prepare(),
    close() {
      uploader.close();
      sender.close();
    },
  };
}
