/**
 * Downloads by id and by name: the request URL and headers, and the parsing of B2's response
 * headers into a typed record (file name and info values percent-decoded).
 */

import { trimSlash } from './auth.js';
import { type CustomerKey, customerKeyHeaders } from './encryption.js';
import { decodeB2, encodeB2 } from './encoding.js';
import type { ProgressCallback } from './progress.js';
import {
  type ApiVersion,
  type FileRetention,
  Header,
  type LegalHold,
  type ResponseOverrides,
} from './wire.js';

/** Bytes to fetch: inclusive `{start, end}` (end omitted = to EOF), or the last `suffix` bytes. */
export type ByteRange = { start: number; end?: number } | { suffix: number };

export interface DownloadOptions {
  /** Part of the file to fetch (answered with 206). Default: the whole file. */
  range?: ByteRange;
  /**
   * Token to send: a download-authorization token (by-name only) or `false` for none (public buckets).
   * Default: the account token, renewed automatically when it expires.
   */
  authorization?: string | false;
  /** Response-header overrides (`b2ContentDisposition`, …). Default none. */
  overrides?: ResponseOverrides;
  /** The SSE-C key of a file stored with SSE-C (see `customerKey`). Default none. */
  encryption?: CustomerKey;
  /** Called as body bytes arrive (GET only). Default none. */
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

/** What B2's response headers say about the file. */
export interface DownloadedFile {
  fileId: string;
  /** Decoded from the percent-encoded X-Bz-File-Name. */
  fileName: string;
  /** X-Bz-Content-Sha1; null for large files (B2 sends "none"). */
  contentSha1: string | null;
  /** Bytes in this response (the range length for a 206). */
  contentLength: number;
  contentType: string;
  uploadTimestamp: number;
  /** Custom info from X-Bz-Info-* (keys lower-case, values decoded); b2-* infos arrive as standard headers. */
  info: Record<string, string>;
  /** Parsed Content-Range of a 206; null for a full response. */
  contentRange: { start: number; end: number; size: number } | null;
  /** Server-side encryption of the stored bytes. */
  serverSideEncryption: 'SSE-B2' | 'SSE-C' | null;
  /** Object Lock retention; null when none is set or the key may not read it (see unauthorizedToRead). */
  fileRetention: FileRetention | null;
  /** Object Lock legal hold; null when never set or not readable. */
  legalHold: LegalHold | null;
  /** Header names B2 withheld because the key lacks the capability to read them. */
  unauthorizedToRead: string[];
}

export interface HeadResponse {
  /** 200, or 206 for a range. */
  status: number;
  file: DownloadedFile;
  /** The raw response headers, for anything not parsed (Cache-Control, Content-Disposition, …). */
  headers: Headers;
}

export interface DownloadResponse extends HeadResponse {
  /** The bytes. Retries cover getting the response headers; a failure mid-stream errors this stream. */
  body: ReadableStream<Uint8Array>;
}

/** Where a file is: by id or by bucket + name. */
export type DownloadLocator = { fileId: string } | { bucketName: string; fileName: string };

export interface DownloadUrlOptions {
  /** API version in the by-id path. Default 'v4'. */
  apiVersion?: ApiVersion;
  /**
   * A download-authorization token carried in the URL (`?Authorization=`), so a link works without
   * headers. B2 takes it by name only; with a file id this throws TypeError. Default none.
   */
  authorization?: string;
  /** Response-header overrides; must equal those the download authorization was minted with. */
  overrides?: ResponseOverrides;
}

/**
 * The URL of a file on B2's download host (`downloadUrl` of the authorization): by id
 * (`/b2api/vN/b2_download_file_by_id?fileId=`) or by name (`/file/<bucket>/<name>`, percent-encoded,
 * slashes kept). For links, `<img src>`, or any HTTP client.
 */
export function buildDownloadUrl(
  downloadBaseUrl: string,
  locator: DownloadLocator,
  options: DownloadUrlOptions = {},
): string {
  const base = trimSlash(downloadBaseUrl);
  const query = new URLSearchParams();
  let path: string;
  if ('fileId' in locator) {
    if (options.authorization !== undefined) {
      throw new TypeError('B2 takes a download authorization in the URL only for downloads by name');
    }
    path = `/b2api/${options.apiVersion ?? 'v4'}/b2_download_file_by_id`;
    query.set('fileId', locator.fileId);
  } else {
    // Slashes in the name stay unencoded: they are path separators in /file/<bucket>/<name>.
    path = `/file/${encodeB2(locator.bucketName)}/${encodeB2(locator.fileName)}`;
    if (options.authorization !== undefined) query.set('Authorization', options.authorization);
  }
  for (const [name, value] of Object.entries(options.overrides ?? {})) {
    if (value !== undefined) query.set(name, value);
  }
  const search = query.toString();
  // URLSearchParams writes spaces as '+'; B2 decodes '+' as a space as well, but %20 is unambiguous.
  return `${base}${path}${search ? `?${search.replace(/\+/g, '%20')}` : ''}`;
}

export function rangeHeader(range: ByteRange): string {
  if ('suffix' in range) return `bytes=-${range.suffix}`;
  return `bytes=${range.start}-${range.end ?? ''}`;
}

/** Authorization, Range and SSE-C key headers of a download. */
export function downloadHeaders(token: string | false, options: DownloadOptions): Record<string, string> {
  const headers: Record<string, string> = customerKeyHeaders(options.encryption);
  if (token) headers.Authorization = token;
  if (options.range) headers.Range = rangeHeader(options.range);
  return headers;
}

const MODES = ['governance', 'compliance'];

function parseRetention(headers: Headers): FileRetention | null {
  const mode = headers.get('X-Bz-File-Retention-Mode');
  if (mode === null || !MODES.includes(mode)) return null;
  const until = Number(headers.get('X-Bz-File-Retention-Retain-Until-Timestamp'));
  return {
    mode: mode as 'governance' | 'compliance',
    retainUntilTimestamp: Number.isFinite(until) ? until : null,
  };
}

function parseEncryption(headers: Headers): DownloadedFile['serverSideEncryption'] {
  if (headers.has('X-Bz-Server-Side-Encryption-Customer-Algorithm')) return 'SSE-C';
  return headers.has('X-Bz-Server-Side-Encryption') ? 'SSE-B2' : null;
}

export function parseDownloadHeaders(headers: Headers): DownloadedFile {
  const info: Record<string, string> = {};
  const prefix = Header.infoPrefix.toLowerCase();
  headers.forEach((value, name) => {
    // Headers iterate with lower-cased names, which is also how B2 stores info keys.
    if (name.startsWith(prefix)) info[name.slice(prefix.length)] = decodeB2(value) ?? value;
  });
  const sha1 = headers.get(Header.contentSha1);
  const rawName = headers.get(Header.fileName) ?? '';
  const hold = headers.get('X-Bz-File-Legal-Hold');
  const withheld = headers.get('X-Bz-Client-Unauthorized-To-Read');
  return {
    fileId: headers.get(Header.fileId) ?? '',
    fileName: decodeB2(rawName) ?? rawName,
    contentSha1: sha1 === null || sha1 === 'none' ? null : sha1,
    contentLength: Number(headers.get('Content-Length') ?? 0),
    contentType: headers.get('Content-Type') ?? '',
    uploadTimestamp: Number(headers.get(Header.uploadTimestamp) ?? 0),
    info,
    contentRange: parseContentRange(headers.get('Content-Range')),
    serverSideEncryption: parseEncryption(headers),
    fileRetention: parseRetention(headers),
    legalHold: hold === 'on' || hold === 'off' ? hold : null,
    unauthorizedToRead: withheld ? withheld.split(',').map((h) => h.trim()) : [],
  };
}

export function parseContentRange(value: string | null): DownloadedFile['contentRange'] {
  const match = value === null ? null : /^bytes (\d+)-(\d+)\/(\d+)$/.exec(value.trim());
  if (!match) return null;
  return { start: Number(match[1]), end: Number(match[2]), size: Number(match[3]) };
}
