/**
 * S3 ETags of stored files. A single-request upload's ETag is the hex MD5 of its bytes; a multipart
 * object's is the MD5 of the parts' binary MD5s followed by `-<part count>` (AWS's format, which S3
 * clients such as lib-storage and rclone recognise). Native finishes record it too, so an object reads
 * the same through either API.
 */
import { createHash } from 'node:crypto';
import type { FileRecord } from './model.js';

export function multipartEtag(partMd5s: readonly string[]): string {
  const md5 = createHash('md5');
  for (const hex of partMd5s) md5.update(Buffer.from(hex, 'hex'));
  return `${md5.digest('hex')}-${partMd5s.length}`;
}

/** The quoted ETag S3 reports for a file version. */
export function etagOf(file: FileRecord): string {
  return `"${file.multipartEtag ?? file.contentMd5 ?? file.contentSha1}"`;
}
