/**
 * Unfinished large files nobody will finish: a start whose answer was lost (a reload between the
 * broker's answer and the browser's IndexedDB write, a dropped connection), or an upload the user
 * replaced by picking a file with the same name and date but other bytes. B2 keeps their parts, and
 * bills them, until they are cancelled. The broker is the one place that sees every
 * start, so at each start it cancels the same user's earlier unfinished uploads of the same name and
 * last-modified date: the browser starts a new upload only when it has nothing left to resume, so
 * those earlier ones are orphans. (Two devices uploading the very same file for one user at the same
 * moment would supersede each other; the loser fails with upload_expired.)
 */
import type { B2Client } from '../b2/client.js';
import type { FileVersion } from '../b2/wire.js';
import { LAST_MODIFIED_KEY, NAME_KEY, USER_KEY } from './file-info.js';
/** Pages of 100 unfinished files looked at per start: bounds the work a start can cause. */
const MAX_PAGES = 10;

export interface SupersedeRequest {
  bucketId: string;
  /** Where the broker's names live (its prefix or the key's), to keep the listing short. */
  namePrefix: string;
  /** The upload just started: never cancelled. */
  keep: string;
  fileInfo: Record<string, string>;
}

/** Cancels the superseded uploads; returns how many. Failures are ignored: this is housekeeping. */
export async function cancelSuperseded(client: B2Client, request: SupersedeRequest): Promise<number> {
  const same = (file: FileVersion) =>
    file.fileId !== request.keep &&
    file.fileInfo[USER_KEY] === request.fileInfo[USER_KEY] &&
    file.fileInfo[NAME_KEY] === request.fileInfo[NAME_KEY] &&
    file.fileInfo[LAST_MODIFIED_KEY] === request.fileInfo[LAST_MODIFIED_KEY];
  let cancelled = 0;
  let startFileId: string | undefined;
  try {
    for (let page = 0; page < MAX_PAGES; page++) {
      const listed = await client.listUnfinishedLargeFiles({
        bucketId: request.bucketId,
        namePrefix: request.namePrefix,
        maxFileCount: 100,
        ...(startFileId ? { startFileId } : {}),
      });
      for (const file of listed.files.filter(same)) {
        await client.cancelLargeFile({ fileId: file.fileId ?? '' }).then(
          () => cancelled++,
          () => undefined,
        );
      }
      if (!listed.nextFileId) break;
      startFileId = listed.nextFileId;
    }
  } catch {
    // Listing failed (B2 busy, key without listFiles): the start itself still stands.
  }
  return cancelled;
}
