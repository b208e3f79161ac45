/**
 * b2_list_file_names and b2_list_file_versions: UTF-8 byte order of names,
 * versions of one name newest first, `delimiter` folders, and next-page markers that name the next
 * item actually present, so resuming from them never skips or repeats anything.
 */
import { type FileVersion, Limits } from '../../b2/wire.js';
import { type Grant, requireAccess } from '../auth.js';
import type { EmulatorContext } from '../context.js';
import { B2Failure, badRequest } from '../errors.js';
import { seqOfFileId } from '../ids.js';
import type { FileRecord } from '../model.js';
import { optString, type Params, pageSize, reqString } from '../params.js';
import { fileShape, folderShape } from '../shapes.js';
import { bucketOrFail, requireListPrefix } from './lookup.js';
import type { JsonHandler } from './types.js';

interface Entry {
  file: FileRecord;
  name: Buffer;
}

/**
 * Versions of the bucket under `prefix`, by name in UTF-8 byte order, then newest first.
 * `withUnfinished`: unfinished large files too, as `action: "start"` rows (b2_list_file_versions shows
 * them, as b2sdk's simulator models and rclone's cleanup relies on; b2_list_file_names never does).
 */
function sortedVersions(
  ctx: EmulatorContext,
  bucketId: string,
  prefix: string,
  withUnfinished: boolean,
): Entry[] {
  return ctx.store
    .values('files')
    .filter(
      (f) =>
        f.bucketId === bucketId && (withUnfinished || f.action !== 'start') && f.fileName.startsWith(prefix),
    )
    .map((file) => ({ file, name: Buffer.from(file.fileName) }))
    .sort((a, b) => Buffer.compare(a.name, b.name) || b.file.seq - a.file.seq);
}

/** The folder a name falls in under `prefix`, or undefined when the name is a plain file there. */
function folderOf(name: string, prefix: string, delimiter: string | undefined): string | undefined {
  if (!delimiter) return undefined;
  const at = name.indexOf(delimiter, prefix.length);
  return at < 0 ? undefined : name.slice(0, at + delimiter.length);
}

interface ListRequest {
  bucketId: string;
  prefix: string;
  delimiter: string | undefined;
  max: number;
}

function listRequest(
  x: { ctx: EmulatorContext },
  p: Params,
  grant: Grant,
  limits: { default: number; max: number },
): ListRequest {
  const bucket = bucketOrFail(x.ctx, reqString(p, 'bucketId'), 'invalid_bucket_id');
  requireAccess(grant, 'listFiles', bucket.bucketId);
  const prefix = optString(p, 'prefix') ?? '';
  requireListPrefix(grant, prefix);
  const delimiter = optString(p, 'delimiter') || undefined;
  return { bucketId: bucket.bucketId, prefix, delimiter, max: pageSize(p, 'maxFileCount', limits) };
}

type Row = { kind: 'file'; file: FileRecord } | { kind: 'folder'; name: string };

/** Turns sorted entries into rows, collapsing folders, stopping after `max + 1` rows (one to peek). */
function collectRows(entries: Iterable<Entry>, req: ListRequest, latestOnly: boolean): Row[] {
  const rows: Row[] = [];
  let lastName: string | undefined;
  let lastFolder: string | undefined;
  for (const { file } of entries) {
    if (rows.length > req.max) break;
    const isNewest = file.fileName !== lastName;
    lastName = file.fileName;
    // list_file_names shows only the newest version of a name, and nothing if that is a hide marker.
    if (latestOnly && (!isNewest || file.action !== 'upload')) continue;
    const folder = folderOf(file.fileName, req.prefix, req.delimiter);
    if (folder !== undefined) {
      if (folder !== lastFolder) rows.push({ kind: 'folder', name: folder });
      lastFolder = folder;
      continue;
    }
    rows.push({ kind: 'file', file });
  }
  return rows;
}

function shapeRow(
  ctx: EmulatorContext,
  row: Row,
  bucketId: string,
  grant: Grant,
  version: 'v1' | 'v2' | 'v3' | 'v4',
): FileVersion {
  const accountId = ctx.account().accountId;
  return row.kind === 'folder'
    ? folderShape(accountId, bucketId, row.name)
    : fileShape(accountId, row.file, grant, version);
}

const rowName = (row: Row) => (row.kind === 'folder' ? row.name : row.file.fileName);

export const listFileNames: JsonHandler = (x, p, grant) => {
  const req = listRequest(x, p, grant, Limits.listFileNames);
  const start = Buffer.from(optString(p, 'startFileName') ?? '');
  const entries = sortedVersions(x.ctx, req.bucketId, req.prefix, false).filter(
    (e) => Buffer.compare(e.name, start) >= 0,
  );
  // A folder row before startFileName must not reappear: drop entries whose folder sorts before it.
  const rows = collectRows(
    entries.filter((e) => {
      const folder = folderOf(e.file.fileName, req.prefix, req.delimiter);
      return folder === undefined || Buffer.compare(Buffer.from(folder), start) >= 0;
    }),
    req,
    true,
  );
  const page = rows.slice(0, req.max);
  const next = rows[req.max];
  return {
    files: page.map((row) => shapeRow(x.ctx, row, req.bucketId, grant, x.version)),
    nextFileName: next ? rowName(next) : null,
  };
};

export const listFileVersions: JsonHandler = (x, p, grant) => {
  const req = listRequest(x, p, grant, Limits.listFileVersions);
  const startName = optString(p, 'startFileName');
  const startFileId = optString(p, 'startFileId');
  if (startFileId !== undefined && startName === undefined)
    throw badRequest('startFileId requires startFileName');
  const startSeq = startFileId === undefined ? Number.POSITIVE_INFINITY : seqOfFileId(startFileId);
  if (startSeq === undefined)
    throw new B2Failure(400, 'invalid_file_id', `Invalid startFileId: ${startFileId}`);
  const start = Buffer.from(startName ?? '');
  const entries = sortedVersions(x.ctx, req.bucketId, req.prefix, true).filter((e) => {
    const order = Buffer.compare(e.name, start);
    if (order !== 0) return order > 0;
    return e.file.seq <= startSeq;
  });
  const rows = collectRows(
    entries.filter((e) => {
      const folder = folderOf(e.file.fileName, req.prefix, req.delimiter);
      return folder === undefined || Buffer.compare(Buffer.from(folder), start) >= 0;
    }),
    req,
    false,
  );
  const page = rows.slice(0, req.max);
  const next = rows[req.max];
  return {
    files: page.map((row) => shapeRow(x.ctx, row, req.bucketId, grant, x.version)),
    nextFileName: next ? rowName(next) : null,
    nextFileId: next?.kind === 'file' ? next.file.fileId : null,
  };
};
