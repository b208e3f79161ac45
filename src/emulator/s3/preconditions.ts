/**
 * S3's conditional headers (RFC 7232 order): If-Match, then If-Unmodified-Since when there is no
 * If-Match; If-None-Match, then If-Modified-Since when there is no If-None-Match. CopyObject and
 * UploadPartCopy read the same four with the `x-amz-copy-source-` prefix.
 */
import { etagOf } from '../etag.js';
import type { Exchange } from '../exchange.js';
import type { FileRecord } from '../model.js';

export type Verdict = 'ok' | 'not-modified' | 'failed';

function etagListMatches(header: string, etag: string): boolean {
  const bare = etag.replace(/"/g, '');
  return header.split(',').some((item) => {
    const tag = item.trim().replace(/^W\//, '').replace(/"/g, '');
    return tag === '*' || tag === bare;
  });
}

/** Seconds resolution, as Last-Modified; an unparsable date is ignored like S3 does. */
function modifiedSince(file: FileRecord, header: string): boolean | undefined {
  const at = Date.parse(header);
  if (Number.isNaN(at)) return undefined;
  return Math.floor(file.uploadTimestamp / 1000) > Math.floor(at / 1000);
}

export function preconditionsOf(x: Exchange, file: FileRecord, prefix = ''): Verdict {
  const etag = etagOf(file);
  const ifMatch = x.header(`${prefix}if-match`);
  const ifUnmodified = x.header(`${prefix}if-unmodified-since`);
  const ifNoneMatch = x.header(`${prefix}if-none-match`);
  const ifModified = x.header(`${prefix}if-modified-since`);
  if (ifMatch !== undefined) {
    if (!etagListMatches(ifMatch, etag)) return 'failed';
  } else if (ifUnmodified !== undefined && modifiedSince(file, ifUnmodified) === true) {
    return 'failed';
  }
  if (ifNoneMatch !== undefined) {
    if (etagListMatches(ifNoneMatch, etag)) return 'not-modified';
  } else if (ifModified !== undefined && modifiedSince(file, ifModified) === false) {
    return 'not-modified';
  }
  return 'ok';
}
