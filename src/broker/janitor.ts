/**
 * Unfinished large files nobody will finish, or that hold more than they may. B2 keeps their parts,
 * and bills them, until they are cancelled. The broker is the one place that sees every start, so at
 * each start it tidies the same user's unfinished uploads:
 * - superseded ones: same name and last-modified date. A start whose answer was lost (a reload
 *   between the broker's answer and the browser's IndexedDB write, a dropped connection), or an
 *   upload the user replaced by picking a file with the same name and date but other bytes: the
 *   browser starts a new upload only when it has nothing left to resume, so those earlier ones are
 *   orphans. (Two devices uploading the very same file for one user at the same moment would
 *   supersede each other; the loser fails with upload_expired.)
 * - over-full ones: B2 holds more bytes in their parts than the size declared at start (file info
 *   `b2up-size`). Part URLs stay valid for 24 h whatever the broker later refuses, so this is how
 *   parts sent past the declared size through URLs already handed out stop costing storage.
 */
import type { B2Client } from '../b2/client.js';
import { type FileVersion, Limits } from '../b2/wire.js';
import { declaredSize, LAST_MODIFIED_KEY, NAME_KEY, USER_KEY } from './file-info.js';
/** Pages of 100 unfinished files looked at per start: bounds the work a start can cause. */
const MAX_PAGES = 10;
/**
 * The user's unfinished uploads whose parts are counted per start, picked at random so that every
 * one is looked at over a few starts: one b2_list_parts call each.
 */
const MAX_SIZE_CHECKS = 3;

export interface SupersedeRequest {
  bucketId: string;
  /** Where the broker's names live (its prefix or the key's), to keep the listing short. */
  namePrefix: string;
  /** The upload just started: never cancelled. */
  keep: string;
  fileInfo: Record<string, string>;
}

/**
 * Cancels the user's superseded and over-full uploads; returns how many. Failures are ignored: this
 * is housekeeping, the start itself stands.
 */
export async function tidyUnfinished(client: B2Client, request: SupersedeRequest): Promise<number> {
  const info = request.fileInfo;
  const dated = info[LAST_MODIFIED_KEY] !== undefined;
  const superseded = (file: FileVersion) =>
    dated &&
    file.fileInfo[NAME_KEY] === info[NAME_KEY] &&
    file.fileInfo[LAST_MODIFIED_KEY] === info[LAST_MODIFIED_KEY];
  let cancelled = 0;
  const cancel = (fileId: string) =>
    client.cancelLargeFile({ fileId }).then(
      () => cancelled++,
      () => undefined,
    );
  const sized: { fileId: string; size: number }[] = [];
  let startFileId: string | undefined;
  try {
    for (let page = 0; page < MAX_PAGES; page++) {
      const listed = await client.listUnfinishedLargeFiles({
        bucketId: request.bucketId,
        namePrefix: request.namePrefix,
        maxFileCount: 100,
        ...(startFileId ? { startFileId } : {}),
      });
      const mine = listed.files.filter(
        (f) => f.fileId !== request.keep && f.fileInfo[USER_KEY] === info[USER_KEY],
      );
      for (const file of mine) {
        const size = declaredSize(file.fileInfo);
        if (superseded(file)) await cancel(file.fileId ?? '');
        else if (size !== undefined) sized.push({ fileId: file.fileId ?? '', size });
      }
      if (!listed.nextFileId) break;
      startFileId = listed.nextFileId;
    }
    for (const { fileId, size } of pickAtRandom(sized, MAX_SIZE_CHECKS)) {
      if (await holdsMoreThan(client, fileId, size)) await cancel(fileId);
    }
  } catch {
    // Listing failed (B2 busy, key without listFiles): the start itself still stands.
  }
  return cancelled;
}

function pickAtRandom<T>(items: T[], count: number): T[] {
  const pool = [...items];
  const picked: T[] = [];
  while (picked.length < count && pool.length > 0) {
    const [item] = pool.splice(Math.floor(Math.random() * pool.length), 1);
    picked.push(item as T);
  }
  return picked;
}

/**
 * Whether B2 holds more than `size` bytes in the first 1,000 parts of `fileId` (one listing call):
 * enough to catch any upload stuffed past its size without paging through a huge honest one.
 */
export async function holdsMoreThan(client: B2Client, fileId: string, size: number): Promise<boolean> {
  const { parts } = await client.listParts({ fileId, maxPartCount: Limits.listParts.max });
  return parts.reduce((total, part) => total + part.contentLength, 0) > size;
}
