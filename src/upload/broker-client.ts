/**
 * The SDK's side of the broker protocol (docs/broker-protocol.md), as a port: the engine talks to
 * this interface, `createHttpBrokerClient` speaks it over HTTP, and tests or apps with their own
 * transport can supply another.
 */
export interface BrokerConfig {
  protocol: 1;
  minPartSize: number;
  maxPartSize: number;
  maxParts: number;
  /** Files smaller than this go through `uploadSmall`. */
  smallFileMaxSize: number;
  maxFileSize: number;
  allowedTypes: string[] | null;
  /**
   * How small files travel: 's3' by presigned PUT straight to B2, 'proxy' through the broker
   * (POST /files), 'direct' with a bucket-wide B2 token. Absent from older brokers: 'proxy'.
   */
  smallFiles?: 's3' | 'proxy' | 'direct';
  /** Why small files are proxied although the broker wanted S3. */
  smallFilesReason?: string;
  /** With 's3': how many files one presign or confirm call may carry; absent, one at a time. */
  smallFileBatchMax?: number;
  /** Ways large files may travel; 's3' when the broker can presign UploadPart. */
  largeFileTransports?: LargeFileTransport[];
}

/**
 * How a large file's parts travel: 'native' to B2's part URLs (B2 checks each part's SHA-1 as it
 * arrives), 's3' by presigned S3 UploadPart URLs (the broker compares B2's part SHA-1s with the
 * client's at finish).
 */
export type LargeFileTransport = 'native' | 's3';

/** One large upload as the broker knows it: B2's large-file id and the broker's signed token. */
export interface UploadSession {
  uploadId: string;
  token: string;
}

export interface StartRequest {
  name: string;
  size: number;
  contentType: string;
  lastModified: number;
  partSize: number;
  info: Record<string, string>;
  /** Absent means 'native'. */
  transport?: LargeFileTransport;
  /** Part URLs wanted in the answer (1..16), so the first parts need no separate call (native only). */
  partUrls?: number;
}

export interface StartedUpload extends UploadSession {
  fileName: string;
  partSize: number;
  expiresAt: number;
  /** Part URLs the broker sent along with the start (maybe fewer than asked, or none: older brokers). */
  targets?: PartTarget[];
}

/** A B2 upload-part URL and its token: one request at a time, for one large file only. */
export interface PartTarget {
  uploadUrl: string;
  authorizationToken: string;
}

/** A presigned S3 UploadPart URL: this upload, this part number, the part's exact size, until `expiresAt`. */
export interface S3PartUrl {
  partNumber: number;
  url: string;
  /** Broker clock, ms since the epoch. */
  expiresAt: number;
}

export interface StoredPart {
  partNumber: number;
  contentLength: number;
  contentSha1: string;
}

/** A finished file in B2. */
export interface UploadResult {
  fileId: string;
  fileName: string;
  size: number;
  contentType: string;
  /** The whole-file SHA-1 as B2 verified it against the bytes (small files), else null. */
  contentSha1: string | null;
  /** A large file's whole-file SHA-1 as its uploader claimed it at start: not verified by anyone. */
  claimedSha1?: string | null;
  uploadTimestamp: number;
  /** A presigned small file: what the broker compared with B2's record ('sha1', or 'md5' where B2 had no SHA-1). */
  verifiedBy?: 'sha1' | 'md5';
}

export interface SmallFileRequest {
  file: Blob;
  name: string;
  contentType: string;
  sha1: string;
  /** 32 hex digits: send by presigned S3 PUT (POST /files/presign) instead of through the broker. */
  md5?: string;
  lastModified: number;
  info: Record<string, string>;
  onProgress?: (loaded: number) => void;
  signal?: AbortSignal;
}

export interface BrokerClient {
  /**
   * Which broker this is (e.g. its absolute base URL): unfinished uploads are remembered per broker.
   * Optional; without it, all clients share one list.
   */
  readonly id?: string;
  config(signal?: AbortSignal): Promise<BrokerConfig>;
  /**
   * The signed-in user's id (GET /whoami): unfinished uploads are remembered per user. Optional;
   * without it, every user of the browser shares one list.
   */
  whoami?(signal?: AbortSignal): Promise<{ user: string }>;
  uploadSmall(request: SmallFileRequest): Promise<UploadResult>;
  start(request: StartRequest, signal?: AbortSignal): Promise<StartedUpload>;
  partTargets(session: UploadSession, count: number, signal?: AbortSignal): Promise<PartTarget[]>;
  /** Presigned part URLs of an upload started with `transport: 's3'`; only that transport needs it. */
  s3PartUrls?(session: UploadSession, partNumbers: number[], signal?: AbortSignal): Promise<S3PartUrl[]>;
  listParts(session: UploadSession, signal?: AbortSignal): Promise<StoredPart[]>;
  finish(session: UploadSession, partSha1Array: string[], signal?: AbortSignal): Promise<UploadResult>;
  cancel(session: UploadSession, signal?: AbortSignal): Promise<void>;
}

import { hasErrorCode } from '../error-name.js';
import type { BrokerErrorCode } from '../protocol.js';

export type { BrokerErrorCode } from '../protocol.js';

/** A non-2xx answer from the broker, or no answer at all (status 0, code `unavailable`). */
export class BrokerError extends Error {
  override readonly name = 'BrokerError';
  constructor(
    readonly status: number,
    readonly code: BrokerErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True for a BrokerError from any realm or copy of this package (checks `name`, not the prototype). */
export function isBrokerError(error: unknown): error is BrokerError {
  return hasErrorCode(error, 'BrokerError') && typeof (error as { status?: unknown }).status === 'number';
}
