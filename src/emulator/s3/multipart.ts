/**
 * Multipart uploads. An S3 upload in progress is a B2 unfinished large file (its UploadId is the
 * fileId, so `b2_list_unfinished_large_files` and `b2_list_parts` see it) and its parts are B2 parts
 * with SHA-1 and MD5. A part's ETag is its quoted MD5; the completed object's is `"<md5 of md5s>-N"`.
 */
import { Limits } from '../../b2/wire.js';
import { readBlobs, storeCopy } from '../content.js';
import { etagOf, multipartEtag } from '../etag.js';
import { newFileId } from '../ids.js';
import type { BucketRecord, FileRecord, PartRecord } from '../model.js';
import { lockFields } from '../lock.js';
import { dropUnfinished } from '../ops/lookup.js';
import { partKey } from '../store.js';
import { checkFileName } from '../validate.js';
import { S3Failure, invalidArgument } from './errors.js';
import { encoderOf, maxOf, owner, pageOf } from './listing.js';
import { contentTypeOf, fileInfoFromHeaders, writeSettings } from './meta.js';
import { copySourceOf, declaredLength, receiveObjectBody } from './objects.js';
import {
  type S3Request,
  allow,
  bucketOf,
  isoDate,
  objectTarget,
  readXml,
  sendEmpty,
  sendXml,
  signedGrant,
} from './request.js';
import { childrenOf, textOf } from './xml.js';

const noSuchUpload = () =>
  new S3Failure(
    404,
    'NoSuchUpload',
    'The specified multipart upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
  );

/** The unfinished large file `?uploadId=` names, for this bucket and key. */
function uploadOf(r: S3Request, bucket: BucketRecord, key: string): FileRecord {
  const file = r.ctx.store.get('files', r.query.get('uploadId') ?? '');
  if (file?.action !== 'start' || file.bucketId !== bucket.bucketId || file.fileName !== key)
    throw noSuchUpload();
  return file;
}

export async function createMultipartUpload(r: S3Request): Promise<void> {
  const { bucket, key } = objectTarget(r, 'writeFiles');
  checkFileName(key);
  const { sse, lock } = writeSettings(r, bucket);
  const fileInfo = fileInfoFromHeaders(r, key, sse !== null || bucket.fileLockEnabled);
  const now = r.ctx.clock.now();
  const locked = lockFields(bucket, signedGrant(r), lock, now);
  const seq = r.ctx.nextSeq();
  // Exactly what b2_start_large_file stores.
  const file: FileRecord = {
    fileId: newFileId(bucket.bucketId, seq, now),
    bucketId: bucket.bucketId,
    fileName: key,
    action: 'start',
    contentLength: 0,
    contentSha1: 'none',
    contentMd5: null,
    contentType: contentTypeOf(r),
    fileInfo,
    uploadTimestamp: Math.floor(now / 1000) * 1000,
    seq,
    sse,
    ...locked,
    blobs: [],
  };
  r.ctx.store.put('files', file.fileId, file);
  await sendXml(
    r,
    'InitiateMultipartUploadResult',
    { Bucket: bucket.bucketName, Key: key, UploadId: file.fileId },
    200,
    sse ? { 'x-amz-server-side-encryption': 'AES256' } : {},
  );
}

function partNumberOf(r: S3Request): number {
  const raw = r.query.get('partNumber') ?? '';
  const n = /^\d{1,5}$/.test(raw) ? Number(raw) : 0;
  if (n < 1 || n > Limits.maxParts) {
    throw invalidArgument(`Part number must be an integer between 1 and ${Limits.maxParts}, inclusive`);
  }
  return n;
}

/** Stores a part (replacing one with the same number) unless the upload ended meanwhile. */
function storePart(r: S3Request, upload: FileRecord, part: PartRecord): void {
  if (r.ctx.store.get('files', upload.fileId)?.action !== 'start') {
    r.ctx.blobs.delete(part.blob.blobId);
    throw noSuchUpload();
  }
  const id = partKey(upload.fileId, part.partNumber);
  const old = r.ctx.store.get('parts', id);
  r.ctx.store.put('parts', id, part);
  if (old) r.ctx.blobs.delete(old.blob.blobId);
}

export async function uploadPart(r: S3Request): Promise<void> {
  const { bucket, key } = objectTarget(r, 'writeFiles');
  const upload = uploadOf(r, bucket, key);
  const partNumber = partNumberOf(r);
  declaredLength(r, Limits.maxPartSize);
  const body = await receiveObjectBody(r);
  storePart(r, upload, {
    fileId: upload.fileId,
    partNumber,
    contentLength: body.blob.length,
    contentSha1: body.sha1,
    contentMd5: body.md5,
    uploadTimestamp: r.ctx.clock.now(),
    blob: body.blob,
  });
  await sendEmpty(r, 200, { ETag: `"${body.md5}"` });
}

/** `bytes=first-last`, inclusive, inside the source. */
function copyRangeOf(r: S3Request, size: number): { start: number; end: number } {
  const raw = r.x.header('x-amz-copy-source-range');
  if (raw === undefined) return { start: 0, end: size - 1 };
  const m = /^bytes=(\d+)-(\d+)$/.exec(raw.trim());
  const start = m ? Number(m[1]) : Number.NaN;
  const end = m ? Number(m[2]) : Number.NaN;
  if (!(start <= end) || end >= size) {
    throw new S3Failure(
      400,
      'InvalidArgument',
      `Range specified is not valid for source object of size: ${size}`,
    );
  }
  return { start, end };
}

export async function uploadPartCopy(r: S3Request): Promise<void> {
  const { bucket, key } = objectTarget(r, 'writeFiles');
  const upload = uploadOf(r, bucket, key);
  const partNumber = partNumberOf(r);
  const source = copySourceOf(r);
  const { start, end } = copyRangeOf(r, source.contentLength);
  if (end - start + 1 > Limits.maxPartSize)
    throw new S3Failure(400, 'EntityTooLarge', 'A part may be at most 5 GB');
  const copy = await storeCopy(r.ctx, readBlobs(r.ctx, source.blobs, start, end));
  const now = r.ctx.clock.now();
  storePart(r, upload, {
    fileId: upload.fileId,
    partNumber,
    contentLength: copy.blob.length,
    contentSha1: copy.contentSha1,
    contentMd5: copy.contentMd5,
    uploadTimestamp: now,
    blob: copy.blob,
  });
  await sendXml(r, 'CopyPartResult', { ETag: `"${copy.contentMd5}"`, LastModified: isoDate(now) }, 200, {
    'x-amz-copy-source-version-id': source.fileId,
  });
}

export async function listParts(r: S3Request): Promise<void> {
  const { bucket, key } = objectTarget(r, 'writeFiles');
  const upload = uploadOf(r, bucket, key);
  const max = maxOf(r, 'max-parts');
  const markerText = r.query.get('part-number-marker') ?? '0';
  if (!/^\d+$/.test(markerText)) throw invalidArgument('part-number-marker must be an integer');
  const marker = Number(markerText);
  const parts = [...r.ctx.store.partsOf(upload.fileId).values()]
    .filter((p) => p.partNumber > marker)
    .sort((a, b) => a.partNumber - b.partNumber);
  const page = parts.slice(0, max);
  const truncated = parts.length > max;
  await sendXml(r, 'ListPartsResult', {
    Bucket: bucket.bucketName,
    Key: key,
    UploadId: upload.fileId,
    Initiator: owner(r),
    Owner: owner(r),
    StorageClass: 'STANDARD',
    PartNumberMarker: marker,
    NextPartNumberMarker: page.at(-1)?.partNumber ?? marker,
    MaxParts: max,
    IsTruncated: truncated,
    Part: page.map((p) => ({
      PartNumber: p.partNumber,
      LastModified: isoDate(p.uploadTimestamp),
      ETag: `"${p.contentMd5}"`,
      Size: p.contentLength,
    })),
  });
}

/** The parts a CompleteMultipartUpload body lists, checked against what was uploaded. */
function listedParts(
  r: S3Request,
  upload: FileRecord,
  doc: Awaited<ReturnType<typeof readXml>>,
): PartRecord[] {
  const listed = childrenOf(doc, 'Part');
  if (listed.length === 0) throw new S3Failure(400, 'MalformedXML', 'You must specify at least one part');
  const stored = r.ctx.store.partsOf(upload.fileId);
  let previous = 0;
  return listed.map((entry) => {
    const number = Number(textOf(entry, 'PartNumber'));
    const etag = (textOf(entry, 'ETag') ?? '').replace(/"/g, '').toLowerCase();
    if (!Number.isInteger(number) || number <= previous) {
      throw new S3Failure(
        400,
        'InvalidPartOrder',
        'The list of parts was not in ascending order. Parts must be ordered by part number.',
      );
    }
    previous = number;
    const part = stored.get(number);
    if (!part || part.contentMd5 !== etag) {
      throw new S3Failure(
        400,
        'InvalidPart',
        "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
      );
    }
    return part;
  });
}

export async function completeMultipartUpload(r: S3Request): Promise<void> {
  const { bucket, key } = objectTarget(r, 'writeFiles');
  uploadOf(r, bucket, key);
  const doc = await readXml(r, 'CompleteMultipartUpload');
  // Looked up again: the upload may have been completed or aborted while the body arrived.
  const upload = uploadOf(r, bucket, key);
  const parts = listedParts(r, upload, doc);
  // Every part but the last at least absoluteMinimumPartSize, as b2_finish_large_file requires.
  const small = parts.slice(0, -1).find((p) => p.contentLength < r.ctx.settings.minPartSize);
  if (small) {
    throw new S3Failure(
      400,
      'EntityTooSmall',
      `Your proposed upload is smaller than the minimum allowed object size (part ${small.partNumber})`,
    );
  }
  const finished: FileRecord = {
    ...upload,
    action: 'upload',
    contentLength: parts.reduce((n, p) => n + p.contentLength, 0),
    blobs: parts.map((p) => p.blob),
    multipartEtag: multipartEtag(parts.map((p) => p.contentMd5)),
  };
  r.ctx.store.put('files', upload.fileId, finished);
  const kept = new Set(parts.map((p) => p.partNumber));
  for (const part of [...r.ctx.store.partsOf(upload.fileId).values()]) {
    r.ctx.store.delete('parts', partKey(upload.fileId, part.partNumber));
    // Parts uploaded but not listed are discarded, as S3 does.
    if (!kept.has(part.partNumber)) r.ctx.blobs.delete(part.blob.blobId);
  }
  await sendXml(
    r,
    'CompleteMultipartUploadResult',
    {
      Location: `${r.x.baseUrl}/${encodeURIComponent(bucket.bucketName)}/${key.split('/').map(encodeURIComponent).join('/')}`,
      Bucket: bucket.bucketName,
      Key: key,
      ETag: etagOf(finished),
    },
    200,
    { 'x-amz-version-id': finished.fileId },
  );
}

export async function abortMultipartUpload(r: S3Request): Promise<void> {
  const { bucket, key } = objectTarget(r, 'writeFiles');
  dropUnfinished(r.ctx, uploadOf(r, bucket, key));
  await sendEmpty(r, 204);
}

export async function listMultipartUploads(r: S3Request): Promise<void> {
  const bucket = bucketOf(r);
  allow(r, 'listFiles', bucket);
  const prefix = r.query.get('prefix') ?? '';
  const keyPrefix = r.grant?.key.namePrefix;
  if (keyPrefix && !prefix.startsWith(keyPrefix)) allow(r, 'listFiles', bucket, prefix);
  const delimiter = r.query.get('delimiter') || undefined;
  const keyMarker = r.query.get('key-marker') || undefined;
  const uploadIdMarker = r.query.get('upload-id-marker') || undefined;
  const markerSeq = uploadIdMarker ? r.ctx.store.get('files', uploadIdMarker)?.seq : undefined;
  const max = maxOf(r, 'max-uploads');
  const encode = encoderOf(r);
  const uploads = r.ctx.store
    .values('files')
    .filter((f) => f.bucketId === bucket.bucketId && f.action === 'start' && f.fileName.startsWith(prefix))
    .filter((f) => {
      if (keyMarker === undefined) return true;
      const order = Buffer.compare(Buffer.from(f.fileName), Buffer.from(keyMarker));
      return order > 0 || (order === 0 && markerSeq !== undefined && f.seq > markerSeq);
    })
    .sort((a, b) => Buffer.compare(Buffer.from(a.fileName), Buffer.from(b.fileName)) || a.seq - b.seq);
  const page = pageOf(uploads, (f) => f.fileName, { prefix, delimiter, after: undefined, max });
  const last = page.items.at(-1);
  await sendXml(r, 'ListMultipartUploadsResult', {
    Bucket: bucket.bucketName,
    KeyMarker: encode(keyMarker ?? ''),
    UploadIdMarker: uploadIdMarker ?? '',
    NextKeyMarker: page.truncated ? encode(page.last) : undefined,
    NextUploadIdMarker: page.truncated && last?.fileName === page.last ? last?.fileId : undefined,
    Prefix: encode(prefix),
    Delimiter: encode(delimiter),
    MaxUploads: max,
    EncodingType: r.query.get('encoding-type'),
    IsTruncated: page.truncated,
    Upload: page.items.map((f) => ({
      Key: encode(f.fileName),
      UploadId: f.fileId,
      Initiator: owner(r),
      Owner: owner(r),
      StorageClass: 'STANDARD',
      Initiated: isoDate(f.uploadTimestamp),
    })),
    CommonPrefixes: page.prefixes.map((p) => ({ Prefix: encode(p) })),
  });
}
