/**
 * Downloads by id and by name: the request URL and headers, and the parsing of B2's response
 * headers into a typed record (file name and info values percent-decoded).
 */

import { trimSlash } from './auth.js';
import { decodeB2, encodeB2 } from './encoding.js';
import { Header } from './wire.js';

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

export function downloadUrl(downloadBaseUrl: string, apiVersion: string, locator: DownloadLocator): string {
  const base = trimSlash(downloadBaseUrl);
  if ('fileId' in locator) {
    return `${base}/b2api/${apiVersion}/b2_download_file_by_id?fileId=${encodeURIComponent(locator.fileId)}`;
  }
  // Slashes in the name stay unencoded: they are path separators in /file/<bucket>/<name>.
  return `${base}/file/${encodeB2(locator.bucketName)}/${encodeB2(locator.fileName)}`;
}

export function rangeHeader(range: ByteRange): string {
  if ('suffix' in range) return `bytes=-${range.suffix}`;
  return `bytes=${range.start}-${range.end ?? ''}`;
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
  return {
    fileId: headers.get(Header.fileId) ?? '',
    fileName: decodeB2(rawName) ?? rawName,
    contentSha1: sha1 === null || sha1 === 'none' ? null : sha1,
    contentLength: Number(headers.get('Content-Length') ?? 0),
    contentType: headers.get('Content-Type') ?? '',
    uploadTimestamp: Number(headers.get(Header.uploadTimestamp) ?? 0),
    info,
    contentRange: parseContentRange(headers.get('Content-Range')),
  };
}

export function parseContentRange(value: string | null): DownloadedFile['contentRange'] {
  const match = value === null ? null : /^bytes (\d+)-(\d+)\/(\d+)$/.exec(value.trim());
  if (!match) return null;
  return { start: Number(match[1]), end: Number(match[2]), size: Number(match[3]) };
}
