/**
 * Request headers of b2_upload_file and b2_upload_part. Content-Length is left to fetch,
 * which derives it exactly from the Blob/Uint8Array body (B2 refuses chunked transfer encoding).
 */
import { encodeB2 } from './encoding.js';
import { type CustomerKey, customerKeyHeaders } from './encryption.js';
import {
  B2_INFO_HEADERS,
  type FileRetention,
  Header,
  type LegalHold,
  Limits,
  type TestMode,
} from './wire.js';

/** Server-side encryption of an upload: B2's key (SSE-B2) or yours (SSE-C, see `customerKey`). */
export type UploadEncryption = { mode: 'SSE-B2' } | ({ mode: 'SSE-C' } & CustomerKey);

/** Metadata of a small-file upload. */
export interface FileUploadFields {
  /** Full file name, UTF-8, 1..1024 bytes; sent percent-encoded. */
  fileName: string;
  /** MIME type. Default 'b2/x-auto' (B2 picks from the extension). */
  contentType?: string;
  /**
   * Custom file info, sent as X-Bz-Info-<key> with percent-encoded values. Keys: ≤ 50 bytes of
   * letters, digits and - _ . ` ~ ! # $ % ^ & * ' | +; B2 lower-cases them. `b2-*` keys may only be
   * the ones B2 defines (b2-content-disposition, -language, -expires, -cache-control, -content-encoding).
   * At most 10 entries including src_last_modified_millis. Default none.
   */
  info?: Record<string, string>;
  /** Sent as info `src_last_modified_millis` (B2's recommended name). Default none. */
  lastModifiedMillis?: number;
  /** X-Bz-Custom-Upload-Timestamp in ms (needs account enablement). Default none. */
  customUploadTimestamp?: number;
  /** Server-side encryption. Default none: the bucket's default encryption applies. */
  encryption?: UploadEncryption;
  /** Object Lock retention (bucket with Object Lock; needs writeFileRetentions). Default: the bucket's. */
  fileRetention?: FileRetention;
  /** Object Lock legal hold (needs writeFileLegalHolds). Default none. */
  legalHold?: LegalHold;
}

/** Encryption and Object Lock headers of b2_upload_file. */
function protectionHeaders(fields: FileUploadFields): Record<string, string> {
  const headers: Record<string, string> = {};
  const { encryption, fileRetention, legalHold } = fields;
  if (encryption?.mode === 'SSE-B2') headers['X-Bz-Server-Side-Encryption'] = 'AES256';
  if (encryption?.mode === 'SSE-C') Object.assign(headers, customerKeyHeaders(encryption));
  if (fileRetention?.mode) {
    headers['X-Bz-File-Retention-Mode'] = fileRetention.mode;
    headers['X-Bz-File-Retention-Retain-Until-Timestamp'] = String(fileRetention.retainUntilTimestamp);
  }
  if (legalHold) headers['X-Bz-File-Legal-Hold'] = legalHold;
  return headers;
}

export function fileUploadHeaders(
  fields: FileUploadFields,
  uploadToken: string,
  sha1Header: string,
  testMode?: TestMode,
): Record<string, string> {
  const headers: Record<string, string> = {
    Authorization: uploadToken,
    [Header.fileName]: encodeB2(fields.fileName),
    'Content-Type': fields.contentType ?? 'b2/x-auto',
    [Header.contentSha1]: sha1Header,
  };
  for (const [key, value] of infoEntries(fields)) headers[`${Header.infoPrefix}${key}`] = encodeB2(value);
  if (fields.customUploadTimestamp !== undefined) {
    headers[Header.customUploadTimestamp] = String(fields.customUploadTimestamp);
  }
  Object.assign(headers, protectionHeaders(fields));
  if (testMode) headers[Header.testMode] = testMode;
  return headers;
}

/** `encryption`: the SSE-C key the large file was started with (each part must carry it). */
export function partUploadHeaders(
  partNumber: number,
  uploadToken: string,
  sha1Header: string,
  testMode?: TestMode,
  encryption?: CustomerKey,
): Record<string, string> {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > Limits.maxParts) {
    throw new RangeError(`partNumber must be an integer from 1 to ${Limits.maxParts}`);
  }
  const headers: Record<string, string> = {
    Authorization: uploadToken,
    [Header.partNumber]: String(partNumber),
    [Header.contentSha1]: sha1Header,
    ...customerKeyHeaders(encryption),
  };
  if (testMode) headers[Header.testMode] = testMode;
  return headers;
}

// HTTP token characters, which are exactly the ones B2 allows in a file-info key.
const INFO_KEY = /^[A-Za-z0-9\-_.`~!#$%^&*'|+]+$/;

/** The info map plus src_last_modified_millis, checked against B2's key rules before any bytes move. */
export function infoEntries(
  fields: Pick<FileUploadFields, 'info' | 'lastModifiedMillis'>,
): [string, string][] {
  const entries = Object.entries(fields.info ?? {});
  if (fields.lastModifiedMillis !== undefined) {
    entries.push(['src_last_modified_millis', String(Math.trunc(fields.lastModifiedMillis))]);
  }
  if (entries.length > Limits.maxInfoHeaders) {
    throw new RangeError(`B2 accepts at most ${Limits.maxInfoHeaders} file-info entries`);
  }
  for (const [key] of entries) {
    if (!INFO_KEY.test(key) || new TextEncoder().encode(key).length > Limits.maxInfoKeyBytes) {
      throw new RangeError(`Invalid file-info key '${key}'`);
    }
    if (key.toLowerCase().startsWith('b2-') && !(key.toLowerCase() in B2_INFO_HEADERS)) {
      throw new RangeError(`'${key}' is not a b2-* info key B2 defines`);
    }
  }
  return entries;
}
