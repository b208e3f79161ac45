/**
 * What the emulator remembers, as plain JSON-serialisable records (they are journaled verbatim).
 * Records are replaced, never mutated in place, so every change goes through the store's journal.
 */
import type { BucketType, Capability, CorsRule, LifecycleRule } from '../b2/wire.js';

export interface AccountRecord {
  accountId: string;
  /** HMAC secret for the stateless tokens (tokens.ts); persisted so tokens survive a restart. */
  tokenSecret: string;
  /** Tokens minted with a serial at or below this were revoked by expireAccountTokens(). */
  revokedUpToSerial: number;
  /**
   * Custom upload timestamps are allowed (B2 enables them per account on request). Absent = not
   * allowed, as on a fresh B2 account.
   */
  customUploadTimestamps?: boolean;
}

export interface KeyRecord {
  applicationKeyId: string;
  applicationKey: string;
  keyName: string;
  capabilities: Capability[];
  expirationTimestamp: number | null;
  /** null = all buckets. v1–v3 keys have at most one. */
  bucketIds: string[] | null;
  namePrefix: string | null;
  master: boolean;
}

export interface BucketRecord {
  bucketId: string;
  bucketName: string;
  bucketType: BucketType;
  bucketInfo: Record<string, string>;
  corsRules: CorsRule[];
  lifecycleRules: LifecycleRule[];
  defaultSse: 'SSE-B2' | null;
  fileLockEnabled: boolean;
  /** Object Lock default retention of new files; absent = none. */
  defaultRetention?: DefaultRetention;
  revision: number;
}

export type RetentionMode = 'governance' | 'compliance';

export interface DefaultRetention {
  mode: RetentionMode;
  period: { duration: number; unit: 'days' | 'years' };
}

/** An Object Lock retention on one file version. */
export interface Retention {
  mode: RetentionMode;
  retainUntilTimestamp: number;
}

/** A stored byte run; a small file has one, a finished large file one per part, in order. */
export interface BlobRef {
  blobId: string;
  length: number;
}

export interface FileRecord {
  fileId: string;
  bucketId: string;
  fileName: string;
  /** 'start' = unfinished large file; copies are stored as 'upload'. */
  action: 'upload' | 'start' | 'hide';
  contentLength: number;
  contentSha1: string;
  contentMd5: string | null;
  contentType: string;
  fileInfo: Record<string, string>;
  uploadTimestamp: number;
  /** Creation order; orders versions of one name newest first. */
  seq: number;
  sse: 'SSE-B2' | 'SSE-C' | null;
  /** SSE-C only: base64 MD5 of the customer key, to check the key of later requests (never the key). */
  sseKeyMd5?: string;
  /** Object Lock retention; absent = none. */
  retention?: Retention;
  /** Object Lock legal hold; absent = never set. */
  legalHold?: 'on' | 'off';
  blobs: BlobRef[];
  /** A finished large file's S3 ETag without quotes (`<md5 of part md5s>-<n>`); see etag.ts. */
  multipartEtag?: string;
}

export interface PartRecord {
  fileId: string;
  partNumber: number;
  contentLength: number;
  contentSha1: string;
  contentMd5: string;
  uploadTimestamp: number;
  blob: BlobRef;
}
