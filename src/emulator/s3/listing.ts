/**
 * ListObjects (v1 and v2), ListObjectVersions: names in UTF-8 byte order, `delimiter` folded into
 * CommonPrefixes, pages of `max-keys` with the marker (v1), continuation token (v2) or key and version
 * markers (versions) pointing after the last entry returned.
 */
import type { FileRecord } from '../model.js';
import { seqOfFileId } from '../ids.js';
import { etagOf } from '../etag.js';
import { invalidArgument } from './errors.js';
import { type S3Request, allow, bucketOf, isoDate, sendXml } from './request.js';
import { uriEncode } from './sigv4.js';
import type { XmlObject } from './xml.js';

export interface PageRequest {
  prefix: string;
  delimiter: string | undefined;
  /** Entries with names at or before this (byte order) are skipped, folders too. */
  after: string | undefined;
  max: number;
}

export interface Page<T> {
  items: T[];
  prefixes: string[];
  truncated: boolean;
  /** Name of the last item or prefix returned: where the next page starts after. */
  last: string | undefined;
}

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** One page of `entries` (sorted by name, already filtered by prefix), folding folders. */
export function pageOf<T>(entries: T[], nameOf: (t: T) => string, req: PageRequest): Page<T> {
  const page: Page<T> = { items: [], prefixes: [], truncated: false, last: undefined };
  for (const entry of entries) {
    const name = nameOf(entry);
    const at = req.delimiter ? name.indexOf(req.delimiter, req.prefix.length) : -1;
    const folder = at < 0 ? undefined : name.slice(0, at + req.delimiter!.length);
    const sortName = folder ?? name;
    if (req.after !== undefined && byteOrder(sortName, req.after) <= 0) continue;
    if (folder !== undefined && folder === page.last) continue;
    if (page.items.length + page.prefixes.length >= req.max) {
      page.truncated = true;
      break;
    }
    if (folder !== undefined) page.prefixes.push(folder);
    else page.items.push(entry);
    page.last = sortName;
  }
  return page;
}

/** `max-keys` / `max-uploads` / `max-parts`: default and cap 1,000. */
export function maxOf(r: S3Request, name: string, cap = 1000): number {
  const raw = r.query.get(name);
  if (raw === undefined) return cap;
  if (!/^\d+$/.test(raw)) throw invalidArgument(`Provided ${name} not an integer or within integer range`);
  return Math.min(Number(raw), cap);
}

/** `encoding-type=url` percent-encodes names in the response (keys may hold characters XML can't). */
export function encoderOf(r: S3Request): (value: string | undefined) => string | undefined {
  const type = r.query.get('encoding-type');
  if (type === undefined) return (v) => v;
  if (type !== 'url') throw invalidArgument('Invalid Encoding Method specified in Request');
  return (v) => (v === undefined ? undefined : uriEncode(v, true));
}

/** Every version of the bucket under `prefix`: by name in byte order, newest first. */
export function versionsUnder(r: S3Request, bucketId: string, prefix: string): FileRecord[] {
  return r.ctx.store
    .values('files')
    .filter((f) => f.bucketId === bucketId && f.action !== 'start' && f.fileName.startsWith(prefix))
    .sort((a, b) => byteOrder(a.fileName, b.fileName) || b.seq - a.seq);
}

export function owner(r: S3Request): XmlObject {
  return { ID: r.ctx.account().accountId, DisplayName: '' };
}

function listRequest(r: S3Request) {
  const bucket = bucketOf(r);
  const prefix = r.query.get('prefix') ?? '';
  allow(r, 'listFiles', bucket);
  const keyPrefix = r.grant?.key.namePrefix;
  if (keyPrefix && !prefix.startsWith(keyPrefix)) allow(r, 'listFiles', bucket, prefix);
  return { bucket, prefix, delimiter: r.query.get('delimiter') || undefined, max: maxOf(r, 'max-keys') };
}

/** The newest version of each name, hidden names left out. */
function latestObjects(r: S3Request, bucketId: string, prefix: string): FileRecord[] {
  const out: FileRecord[] = [];
  let lastName: string | undefined;
  for (const file of versionsUnder(r, bucketId, prefix)) {
    if (file.fileName === lastName) continue;
    lastName = file.fileName;
    if (file.action === 'upload') out.push(file);
  }
  return out;
}

function contentsOf(
  r: S3Request,
  file: FileRecord,
  encode: (v: string) => string | undefined,
  withOwner: boolean,
): XmlObject {
  return {
    Key: encode(file.fileName),
    LastModified: isoDate(file.uploadTimestamp),
    ETag: etagOf(file),
    Size: file.contentLength,
    Owner: withOwner ? owner(r) : undefined,
    StorageClass: 'STANDARD',
  };
}

export async function listObjects(r: S3Request, version: 1 | 2): Promise<void> {
  const { bucket, prefix, delimiter, max } = listRequest(r);
  const encode = encoderOf(r);
  const token = r.query.get('continuation-token');
  let after: string | undefined;
  if (version === 2) {
    if (token !== undefined) {
      after = Buffer.from(token, 'base64url').toString('utf8');
      if (!token || Buffer.from(after).toString('base64url') !== token) {
        throw invalidArgument('The continuation token provided is incorrect');
      }
    } else after = r.query.get('start-after') || undefined;
  } else after = r.query.get('marker') || undefined;
  const page = pageOf(latestObjects(r, bucket.bucketId, prefix), (f) => f.fileName, {
    prefix,
    delimiter,
    after,
    max,
  });
  const withOwner = version === 1 || r.query.get('fetch-owner') === 'true';
  const common = {
    Name: bucket.bucketName,
    Prefix: encode(prefix),
    Delimiter: encode(delimiter),
    MaxKeys: max,
    EncodingType: r.query.get('encoding-type'),
    IsTruncated: page.truncated,
  };
  const listed = {
    Contents: page.items.map((f) => contentsOf(r, f, encode, withOwner)),
    CommonPrefixes: page.prefixes.map((p) => ({ Prefix: encode(p) })),
  };
  if (version === 1) {
    return sendXml(r, 'ListBucketResult', {
      ...common,
      Marker: encode(r.query.get('marker') ?? ''),
      NextMarker: page.truncated ? encode(page.last) : undefined,
      ...listed,
    });
  }
  return sendXml(r, 'ListBucketResult', {
    ...common,
    KeyCount: page.items.length + page.prefixes.length,
    ContinuationToken: token,
    NextContinuationToken:
      page.truncated && page.last ? Buffer.from(page.last).toString('base64url') : undefined,
    StartAfter: encode(r.query.get('start-after')),
    ...listed,
  });
}

export async function listObjectVersions(r: S3Request): Promise<void> {
  const { bucket, prefix, delimiter, max } = listRequest(r);
  const encode = encoderOf(r);
  const keyMarker = r.query.get('key-marker') || undefined;
  const versionMarker = r.query.get('version-id-marker') || undefined;
  const markerSeq = versionMarker === undefined ? undefined : seqOfFileId(versionMarker);
  if (versionMarker !== undefined && (markerSeq === undefined || keyMarker === undefined)) {
    throw invalidArgument('A version-id marker needs a key marker and must be a valid version id');
  }
  const all = versionsUnder(r, bucket.bucketId, prefix);
  const latest = new Set<string>();
  let lastName: string | undefined;
  for (const f of all) {
    if (f.fileName !== lastName) latest.add(f.fileId);
    lastName = f.fileName;
  }
  // Resume inside the marker key after its marker version; otherwise after the whole key.
  const remaining = all.filter((f) => {
    if (keyMarker === undefined) return true;
    const order = byteOrder(f.fileName, keyMarker);
    return order > 0 || (order === 0 && markerSeq !== undefined && f.seq < markerSeq);
  });
  // Each version is its own entry; folders fold as in ListObjects.
  const entries = remaining.map((file, i) => ({ file, i }));
  const page = pageOf(entries, (e) => e.file.fileName, { prefix, delimiter, after: undefined, max });
  const lastItem = page.items.at(-1)?.file;
  const entry = (f: FileRecord): XmlObject => ({
    Key: encode(f.fileName),
    VersionId: f.fileId,
    IsLatest: latest.has(f.fileId),
    LastModified: isoDate(f.uploadTimestamp),
    ...(f.action === 'hide' ? {} : { ETag: etagOf(f), Size: f.contentLength, StorageClass: 'STANDARD' }),
    Owner: owner(r),
  });
  const nextIsPrefix = page.truncated && page.last !== undefined && page.last !== lastItem?.fileName;
  await sendXml(r, 'ListVersionsResult', {
    Name: bucket.bucketName,
    Prefix: encode(prefix),
    KeyMarker: encode(keyMarker ?? ''),
    VersionIdMarker: versionMarker ?? '',
    NextKeyMarker: page.truncated ? encode(page.last) : undefined,
    NextVersionIdMarker: page.truncated && !nextIsPrefix ? lastItem?.fileId : undefined,
    MaxKeys: max,
    Delimiter: encode(delimiter),
    EncodingType: r.query.get('encoding-type'),
    IsTruncated: page.truncated,
    Version: page.items.filter((e) => e.file.action !== 'hide').map((e) => entry(e.file)),
    DeleteMarker: page.items.filter((e) => e.file.action === 'hide').map((e) => entry(e.file)),
    CommonPrefixes: page.prefixes.map((p) => ({ Prefix: encode(p) })),
  });
}
