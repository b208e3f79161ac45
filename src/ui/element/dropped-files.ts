/**
 * Files out of a drop: plain files, and whole folders walked through the File and Directory Entries
 * API (`webkitGetAsEntry`; `DataTransfer.files` lists a dropped folder as one empty "file"). Where
 * the browser offers it (Chromium: `getAsFileSystemHandle`), each dropped file's handle comes along
 * too, so the resume list can re-open it after a reload without asking the user to find it.
 */

export interface DroppedFile {
  file: File;
  /** A handle that re-opens the file after a reload, when the browser gave one. */
  handle?: FileSystemFileHandle;
}

type HandleItem = DataTransferItem & { getAsFileSystemHandle?: () => Promise<FileSystemHandle | null> };

export async function filesFromDrop(transfer: DataTransfer): Promise<DroppedFile[]> {
  const items = [...transfer.items].filter((item) => item.kind === 'file');
  // Every entry and handle must be taken synchronously, before the first await: the DataTransfer
  // is emptied once the drop event's task ends.
  const taken = items.map((item) => ({
    entry: item.webkitGetAsEntry?.() ?? null,
    file: item.getAsFile(),
    handle: (item as HandleItem).getAsFileSystemHandle?.().catch(() => null) ?? Promise.resolve(null),
  }));
  if (taken.length === 0) return [...transfer.files].map((file) => ({ file }));
  const out: DroppedFile[] = [];
  for (const { entry, file, handle } of taken) {
    if (entry?.isDirectory) {
      for (const nested of await readTree(entry as FileSystemDirectoryEntry)) out.push({ file: nested });
      continue;
    }
    if (!file) continue;
    const found = await handle;
    out.push(found?.kind === 'file' ? { file, handle: found as FileSystemFileHandle } : { file });
  }
  return out;
}

async function readTree(directory: FileSystemDirectoryEntry): Promise<File[]> {
  const files: File[] = [];
  for (const entry of await readAllEntries(directory)) {
    if (entry.isDirectory) files.push(...(await readTree(entry as FileSystemDirectoryEntry)));
    else files.push(await asFile(entry as FileSystemFileEntry));
  }
  return files;
}

/** readEntries answers in batches (100 in Chromium) until an empty one. */
async function readAllEntries(directory: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = directory.createReader();
  const all: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

function asFile(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}
