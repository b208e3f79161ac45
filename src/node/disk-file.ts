import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { lookup } from 'mrmime';

/** Where a File from `openFile` lives on disk, and how it looked when it was opened. */
export interface DiskFile {
  path: string;
  size: number;
  mtimeMs: number;
}

// Files opened here, so the Node sender can read their parts with positioned reads into reused
// buffers instead of through Blob reads (a fresh buffer per 64 KiB, joined again in Node 20).
// A WeakMap: the entry goes when the user drops the File.
const opened = new WeakMap<Blob, DiskFile>();

/** A File for a path on disk, backed by the file itself (no bytes read until they are sent). */
export async function openFile(path: string): Promise<File> {
  const [blob, info] = await Promise.all([openAsBlob(path), stat(path)]);
  const name = basename(path);
  const file = new File([blob], name, { lastModified: Math.floor(info.mtimeMs), type: lookup(name) ?? '' });
  opened.set(file, { path, size: info.size, mtimeMs: info.mtimeMs });
  return file;
}

/** The disk file behind a File from `openFile`; undefined for any other Blob. */
export function diskFileOf(file: Blob): DiskFile | undefined {
  return opened.get(file);
}
