import type { Hasher } from './hasher.js';

/** How much of the file's start is hashed into its fingerprint. */
export const FINGERPRINT_HEAD_BYTES = 64 * 1024;

/**
 * A key that identifies "the same file" across reloads: name, size, lastModified and type, plus
 * the SHA-1 of the first 64 KiB so that a different file with the same name, size and date gets a
 * different key. Bytes further in are checked part by part when resuming.
 */
export async function fingerprint(file: File | Blob, hasher: Hasher, signal?: AbortSignal): Promise<string> {
  const name = 'name' in file ? file.name : '';
  const lastModified = 'lastModified' in file ? file.lastModified : 0;
  const head = await hasher.sha1(file.slice(0, FINGERPRINT_HEAD_BYTES), { signal });
  return ['b2up', 1, file.size, lastModified, file.type, head, name].join(':');
}
