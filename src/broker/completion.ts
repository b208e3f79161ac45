/**
 * The app's server-side signal that an upload finished: `onUploadComplete`, called once per file B2
 * stored for a caller. Every finish path (small, large, and any other transport) calls
 * reportCompletion right after B2 confirmed its own write, and only then; a repeated or concurrent
 * finish that finds the file already finished answers the browser without calling it again, because
 * only one finish call can win at B2.
 */
import type { FileVersion } from '../b2/wire.js';
import { type BrokerContext, uploadResult } from './context.js';
import { NAME_KEY } from './file-info.js';
import type { Principal } from './options.js';

/** What B2 stored, as the hook receives it. */
export interface StoredFile {
  fileId: string;
  /** The final B2 name the broker chose. */
  fileName: string;
  /** The user's own name, as their browser sent it (file info `b2up-name`). */
  originalName: string;
  size: number;
  contentType: string;
  /** The whole-file SHA-1 B2 verified against the bytes (small files), or null. */
  contentSha1: string | null;
  /** A large file's whole-file SHA-1 as its uploader claimed it at start, unverified, or null. */
  claimedSha1: string | null;
  uploadTimestamp: number;
  /** Every file info key B2 stored with the file. */
  fileInfo: Record<string, string>;
}

export interface UploadComplete {
  principal: Principal;
  file: StoredFile;
  /** The request that finished the upload (its headers, URL), e.g. for the app's own session. */
  request: Request;
}

export function storedFile(file: FileVersion): StoredFile {
  const fileInfo = { ...file.fileInfo };
  return { ...uploadResult(file), originalName: fileInfo[NAME_KEY] ?? file.fileName, fileInfo };
}

/**
 * Tells the app about a file B2 just stored for `principal`. Awaited before the browser gets its
 * answer, so the app's record exists when the page hears "done". A throwing hook goes to `onError`
 * and the upload still succeeds: the bytes are stored, and failing the browser would only make it
 * retry a finish that B2 already accepted.
 */
export async function reportCompletion(
  context: BrokerContext,
  principal: Principal,
  file: FileVersion,
  request: Request,
): Promise<void> {
  const hook = context.options.onUploadComplete;
  if (!hook) return;
  try {
    await hook({ principal, file: storedFile(file), request });
  } catch (error) {
    context.options.onError(error, request);
  }
}
