/** Records → the exact JSON objects B2 returns. */
import type {
  ApiVersion,
  ApplicationKey,
  AuthorizeResponse,
  Bucket,
  FileAction,
  FileVersion,
  Part,
} from '../b2/wire.js';
import type { Grant } from './auth.js';
import type { Settings } from './context.js';
import type { BucketRecord, FileRecord, KeyRecord, PartRecord } from './model.js';

const sseOf = (mode: 'SSE-B2' | 'SSE-C' | null) =>
  mode ? { mode, algorithm: 'AES256' as const } : { mode: null, algorithm: null };

const can = (grant: Grant | undefined, capability: string) =>
  !!grant && (grant.key.capabilities as string[]).includes(capability);

export function fileShape(
  accountId: string,
  f: FileRecord,
  grant: Grant | undefined,
  version: ApiVersion,
  action: FileAction = f.action,
): FileVersion {
  const out: FileVersion & { size?: number } = {
    accountId,
    action,
    bucketId: f.bucketId,
    contentLength: f.contentLength,
    // The MD5 of SSE-C plaintext would let anyone without the key confirm a guess of the content, so
    // it is not shown (as S3 does for SSE-C; B2's behaviour here is unconfirmed).
    contentMd5: f.sse === 'SSE-C' ? null : f.contentMd5,
    contentSha1: f.contentSha1,
    contentType: f.contentType,
    fileId: f.fileId,
    fileInfo: { ...f.fileInfo },
    fileName: f.fileName,
    uploadTimestamp: f.uploadTimestamp,
  };
  if (version === 'v1') out.size = f.contentLength;
  // Hide markers carry no retention, legal hold or encryption keys (as recorded from the real service).
  if (f.action === 'hide') return out;
  const readRetention = can(grant, 'readFileRetentions');
  const readHold = can(grant, 'readFileLegalHolds');
  out.fileRetention = {
    isClientAuthorizedToRead: readRetention,
    value: readRetention
      ? {
          mode: f.retention?.mode ?? null,
          retainUntilTimestamp: f.retention?.retainUntilTimestamp ?? null,
        }
      : null,
  };
  out.legalHold = { isClientAuthorizedToRead: readHold, value: readHold ? (f.legalHold ?? null) : null };
  out.serverSideEncryption = sseOf(f.sse);
  return out;
}

/** A `delimiter` listing's collapsed row. */
export function folderShape(accountId: string, bucketId: string, name: string): FileVersion {
  return {
    accountId,
    action: 'folder',
    bucketId,
    contentLength: 0,
    contentMd5: null,
    contentSha1: null,
    contentType: null,
    fileId: null,
    fileInfo: {},
    fileName: name,
    uploadTimestamp: 0,
  };
}

export function partShape(p: PartRecord, sse: FileRecord['sse']): Part {
  return {
    fileId: p.fileId,
    partNumber: p.partNumber,
    contentLength: p.contentLength,
    contentSha1: p.contentSha1,
    contentMd5: sse === 'SSE-C' ? null : p.contentMd5,
    serverSideEncryption: sseOf(sse),
    uploadTimestamp: p.uploadTimestamp,
  };
}

export function bucketShape(accountId: string, b: BucketRecord, grant: Grant | undefined): Bucket {
  const readSse = can(grant, 'readBucketEncryption');
  const readLock = can(grant, 'readBucketRetentions');
  return {
    accountId,
    bucketId: b.bucketId,
    bucketName: b.bucketName,
    bucketType: b.bucketType,
    bucketInfo: { ...b.bucketInfo },
    corsRules: b.corsRules,
    lifecycleRules: b.lifecycleRules,
    defaultServerSideEncryption: {
      isClientAuthorizedToRead: readSse,
      value: readSse ? sseOf(b.defaultSse) : null,
    },
    fileLockConfiguration: {
      isClientAuthorizedToRead: readLock,
      value: readLock
        ? {
            defaultRetention: b.defaultRetention ?? { mode: null, period: null },
            isFileLockEnabled: b.fileLockEnabled,
          }
        : null,
    },
    options: ['s3'],
    revision: b.revision,
  };
}

export function keyShape(accountId: string, k: KeyRecord, version: ApiVersion): ApplicationKey {
  const base = {
    keyName: k.keyName,
    applicationKeyId: k.applicationKeyId,
    capabilities: [...k.capabilities],
    accountId,
    expirationTimestamp: k.expirationTimestamp,
    namePrefix: k.namePrefix,
    options: ['s3'],
  };
  // v4 reports the multi-bucket list; v1–v3 the single bucketId.
  return version === 'v4'
    ? { ...base, bucketIds: k.bucketIds }
    : { ...base, bucketId: k.bucketIds?.[0] ?? null };
}

export interface AuthorizeFacts {
  accountId: string;
  token: string;
  baseUrl: string;
  settings: Settings;
  key: KeyRecord;
  /** The key's buckets (name null once deleted); null = all buckets. */
  buckets: { id: string; name: string | null }[] | null;
}

/** The three b2_authorize_account shapes: v1/v2 `allowed`, v3 flattened, v4 `allowed.buckets`. */
export function authorizeShape(version: ApiVersion, f: AuthorizeFacts): AuthorizeResponse {
  const urls = { apiUrl: f.baseUrl, downloadUrl: f.baseUrl, s3ApiUrl: f.baseUrl };
  const sizes = {
    absoluteMinimumPartSize: f.settings.minPartSize,
    recommendedPartSize: f.settings.recommendedPartSize,
  };
  const single = f.buckets?.[0];
  const capabilities = [...f.key.capabilities];
  const namePrefix = f.key.namePrefix;
  const common = {
    accountId: f.accountId,
    authorizationToken: f.token,
    applicationKeyExpirationTimestamp: f.key.expirationTimestamp,
  };
  if (version === 'v1' || version === 'v2') {
    return {
      ...sizes,
      accountId: f.accountId,
      allowed: { bucketId: single?.id ?? null, bucketName: single?.name ?? null, capabilities, namePrefix },
      ...urls,
      authorizationToken: f.token,
      // v1 also carried the deprecated minimumPartSize (= recommendedPartSize).
      ...(version === 'v1' ? { minimumPartSize: f.settings.recommendedPartSize } : {}),
    };
  }
  if (version === 'v3') {
    return {
      ...common,
      apiInfo: {
        storageApi: {
          ...sizes,
          ...urls,
          infoType: 'storageApi',
          bucketId: single?.id ?? null,
          bucketName: single?.name ?? null,
          capabilities,
          namePrefix,
        },
      },
    };
  }
  return {
    ...common,
    apiInfo: {
      storageApi: {
        ...sizes,
        ...urls,
        infoType: 'storageApi',
        allowed: { buckets: f.buckets, capabilities, namePrefix },
      },
    },
  };
}
