/**
 * B2 native API wire shapes: what goes over HTTP, field for field, as Backblaze documents them (https://www.backblaze.com/apidocs).
 * Shared by the client (src/b2) and the emulator (src/emulator), so both speak one format.
 * Types only, plus the limits and header names B2 documents.
 */

/** Error body of every non-2xx B2 JSON response. `status` always equals the HTTP status. */
export interface B2ErrorBody {
  status: number;
  code: string;
  message: string;
}

/**
 * Error codes B2 documents, as in the `code` of an error body. The service may
 * send others, so a client keeps `code` open; the emulator answers only with these.
 */
export type B2WireCode =
  | 'bad_request'
  | 'bad_json'
  | 'bad_bucket_id'
  | 'invalid_bucket_id'
  | 'invalid_file_id'
  | 'out_of_range'
  | 'duplicate_bucket_name'
  | 'too_many_buckets'
  | 'file_not_present'
  | 'no_such_file'
  | 'already_hidden'
  | 'missing_part'
  | 'part_sha1_mismatch'
  | 'auth_token_limit'
  | 'source_too_large'
  | 'unauthorized'
  | 'unsupported'
  | 'bad_auth_token'
  | 'expired_auth_token'
  | 'missing_auth_token'
  | 'cap_exceeded'
  | 'storage_cap_exceeded'
  | 'transaction_cap_exceeded'
  | 'download_cap_exceeded'
  | 'access_denied'
  | 'not_found'
  | 'method_not_allowed'
  | 'request_timeout'
  | 'conflict'
  | 'range_not_satisfiable'
  | 'too_many_requests'
  | 'internal_error'
  | 'service_unavailable'
  | 'file_lock_conflict'
  | 'bucket_missing_file_lock'
  | 'custom_timestamp_not_allowed'
  | 'custom_timestamp_invalid';

/** Every capability an application key can hold; the `Capability` type is derived from it. */
export const ALL_CAPABILITIES = [
  'listKeys',
  'writeKeys',
  'deleteKeys',
  'listBuckets',
  'listAllBucketNames',
  'readBuckets',
  'writeBuckets',
  'deleteBuckets',
  'readBucketRetentions',
  'writeBucketRetentions',
  'readBucketEncryption',
  'writeBucketEncryption',
  'readBucketReplications',
  'writeBucketReplications',
  'readBucketNotifications',
  'writeBucketNotifications',
  'readBucketLifecycleRules',
  'writeBucketLifecycleRules',
  'readBucketLogging',
  'writeBucketLogging',
  'listFiles',
  'readFiles',
  'shareFiles',
  'writeFiles',
  'deleteFiles',
  'readFileLegalHolds',
  'writeFileLegalHolds',
  'readFileRetentions',
  'writeFileRetentions',
  'bypassGovernance',
] as const;

export type Capability = (typeof ALL_CAPABILITIES)[number];

/** Capabilities a bucket-restricted key may hold. */
export const BUCKET_KEY_CAPABILITIES: readonly Capability[] = [
  'listAllBucketNames',
  'listBuckets',
  'readBuckets',
  'readBucketEncryption',
  'writeBucketEncryption',
  'readBucketRetentions',
  'writeBucketRetentions',
  'readBucketNotifications',
  'writeBucketNotifications',
  'listFiles',
  'readFiles',
  'shareFiles',
  'writeFiles',
  'deleteFiles',
  'readFileLegalHolds',
  'writeFileLegalHolds',
  'readFileRetentions',
  'writeFileRetentions',
  'bypassGovernance',
];

export type ApiVersion = 'v1' | 'v2' | 'v3' | 'v4';

// ---------------------------------------------------------------------------------------------
// b2_authorize_account: three response shapes (v1/v2, v3, v4)

export interface AuthorizeResponseV2 {
  accountId: string;
  authorizationToken: string;
  apiUrl: string;
  downloadUrl: string;
  s3ApiUrl: string;
  recommendedPartSize: number;
  absoluteMinimumPartSize: number;
  /** v1 only, deprecated; equals recommendedPartSize. */
  minimumPartSize?: number;
  allowed: {
    bucketId: string | null;
    bucketName: string | null;
    capabilities: Capability[];
    namePrefix: string | null;
  };
}

export interface StorageApiV3 {
  infoType: 'storageApi';
  apiUrl: string;
  downloadUrl: string;
  s3ApiUrl: string;
  recommendedPartSize: number;
  absoluteMinimumPartSize: number;
  bucketId: string | null;
  bucketName: string | null;
  capabilities: Capability[];
  namePrefix: string | null;
}

export interface AuthorizeResponseV3 {
  accountId: string;
  authorizationToken: string;
  applicationKeyExpirationTimestamp: number | null;
  apiInfo: { storageApi: StorageApiV3 };
}

export interface StorageApiV4 {
  infoType: 'storageApi';
  apiUrl: string;
  downloadUrl: string;
  s3ApiUrl: string;
  recommendedPartSize: number;
  absoluteMinimumPartSize: number;
  allowed: {
    buckets: { id: string; name: string | null }[] | null;
    capabilities: Capability[];
    namePrefix: string | null;
  };
}

export interface AuthorizeResponseV4 {
  accountId: string;
  authorizationToken: string;
  applicationKeyExpirationTimestamp: number | null;
  apiInfo: { storageApi: StorageApiV4 };
}

export type AuthorizeResponse = AuthorizeResponseV2 | AuthorizeResponseV3 | AuthorizeResponseV4;

// ---------------------------------------------------------------------------------------------
// Shared objects

export interface ServerSideEncryption {
  mode: 'SSE-B2' | 'SSE-C' | null;
  algorithm: 'AES256' | null;
}

export interface ServerSideEncryptionRequest {
  mode: 'SSE-B2' | 'SSE-C' | null;
  algorithm?: 'AES256';
  customerKey?: string;
  customerKeyMd5?: string;
}

/** Object Lock retention of a file version; `mode: null` = none. */
export interface FileRetention {
  mode: 'governance' | 'compliance' | null;
  retainUntilTimestamp: number | null;
}

export type LegalHold = 'on' | 'off';

/** A bucket's default retention for new files; `mode: null` (and no period) = none. */
export interface DefaultRetention {
  mode: 'compliance' | 'governance' | null;
  period?: { duration: number; unit: 'days' | 'years' } | null;
}

export interface Authorized<T> {
  isClientAuthorizedToRead: boolean;
  value: T | null;
}

export type FileAction = 'upload' | 'start' | 'hide' | 'folder' | 'copy';

/** A file version as every file-returning call reports it. */
export interface FileVersion {
  accountId: string;
  action: FileAction;
  bucketId: string;
  contentLength: number;
  contentMd5: string | null;
  contentSha1: string | null;
  contentType: string | null;
  fileId: string | null;
  fileInfo: Record<string, string>;
  fileName: string;
  fileRetention?: Authorized<FileRetention>;
  legalHold?: Authorized<LegalHold>;
  serverSideEncryption?: ServerSideEncryption;
  replicationStatus?: 'PENDING' | 'COMPLETED' | 'FAILED' | 'REPLICA';
  uploadTimestamp: number;
}

/** A stored part of an unfinished large file. */
export interface Part {
  fileId: string;
  partNumber: number;
  contentLength: number;
  contentSha1: string;
  contentMd5: string | null;
  serverSideEncryption: ServerSideEncryption;
  uploadTimestamp: number;
}

export type CorsOperation =
  | 'b2_download_file_by_name'
  | 'b2_download_file_by_id'
  | 'b2_upload_file'
  | 'b2_upload_part'
  | 's3_delete'
  | 's3_get'
  | 's3_head'
  | 's3_post'
  | 's3_put';

export interface CorsRule {
  corsRuleName: string;
  allowedOrigins: string[];
  allowedOperations: CorsOperation[];
  allowedHeaders?: string[] | null;
  exposeHeaders?: string[] | null;
  maxAgeSeconds: number;
}

export interface LifecycleRule {
  fileNamePrefix: string;
  daysFromHidingToDeleting?: number | null;
  daysFromUploadingToHiding?: number | null;
  daysFromStartingToCancelingUnfinishedLargeFiles?: number | null;
}

export type BucketType = 'allPublic' | 'allPrivate' | 'snapshot' | 'restricted' | 'shared';

export interface Bucket {
  accountId: string;
  bucketId: string;
  bucketName: string;
  bucketType: BucketType;
  bucketInfo: Record<string, string>;
  corsRules: CorsRule[];
  lifecycleRules: LifecycleRule[];
  defaultServerSideEncryption: Authorized<ServerSideEncryption>;
  fileLockConfiguration: Authorized<{
    defaultRetention: {
      mode: 'compliance' | 'governance' | null;
      period: { duration: number; unit: 'days' | 'years' } | null;
    };
    isFileLockEnabled: boolean;
  }>;
  options: string[];
  revision: number;
}

export interface ApplicationKey {
  keyName: string;
  applicationKeyId: string;
  capabilities: Capability[];
  accountId: string;
  expirationTimestamp: number | null;
  /** v1–v3 shape. */
  bucketId?: string | null;
  /** v4 shape. */
  bucketIds?: string[] | null;
  namePrefix: string | null;
  options: string[];
}

// ---------------------------------------------------------------------------------------------
// Requests and responses per operation. JSON ops: POST {apiUrl}/b2api/vN/<op>.

export interface CreateBucketRequest {
  accountId: string;
  bucketName: string;
  bucketType: 'allPrivate' | 'allPublic';
  bucketInfo?: Record<string, string>;
  corsRules?: CorsRule[];
  lifecycleRules?: LifecycleRule[];
  fileLockEnabled?: boolean;
  defaultServerSideEncryption?: ServerSideEncryptionRequest;
  defaultRetention?: DefaultRetention;
}

export interface ListBucketsRequest {
  accountId: string;
  bucketId?: string;
  bucketName?: string;
  bucketTypes?: (BucketType | 'all')[];
}

export interface ListBucketsResponse {
  buckets: Bucket[];
}

export interface UpdateBucketRequest {
  accountId: string;
  bucketId: string;
  bucketType?: 'allPrivate' | 'allPublic';
  bucketInfo?: Record<string, string>;
  corsRules?: CorsRule[];
  lifecycleRules?: LifecycleRule[];
  defaultServerSideEncryption?: ServerSideEncryptionRequest;
  /** Object Lock can be switched on (never off). */
  fileLockEnabled?: boolean;
  defaultRetention?: DefaultRetention;
  ifRevisionIs?: number;
}

export interface DeleteBucketRequest {
  accountId: string;
  bucketId: string;
}

export interface GetUploadUrlRequest {
  bucketId: string;
}

export interface GetUploadUrlResponse {
  bucketId: string;
  uploadUrl: string;
  authorizationToken: string;
}

export interface StartLargeFileRequest {
  bucketId: string;
  fileName: string;
  contentType: string;
  fileInfo?: Record<string, string>;
  customUploadTimestamp?: number;
  serverSideEncryption?: ServerSideEncryptionRequest;
  fileRetention?: FileRetention;
  legalHold?: LegalHold;
}

export interface GetUploadPartUrlRequest {
  fileId: string;
}

export interface GetUploadPartUrlResponse {
  fileId: string;
  uploadUrl: string;
  authorizationToken: string;
}

export interface ListPartsRequest {
  fileId: string;
  startPartNumber?: number;
  maxPartCount?: number;
}

export interface ListPartsResponse {
  parts: Part[];
  nextPartNumber: number | null;
}

export interface ListUnfinishedLargeFilesRequest {
  bucketId: string;
  namePrefix?: string;
  startFileId?: string;
  maxFileCount?: number;
}

export interface ListUnfinishedLargeFilesResponse {
  files: FileVersion[];
  nextFileId: string | null;
}

export interface FinishLargeFileRequest {
  fileId: string;
  partSha1Array: string[];
}

export interface CancelLargeFileRequest {
  fileId: string;
}

export interface CancelLargeFileResponse {
  accountId: string;
  bucketId: string;
  fileId: string;
  fileName: string;
}

export interface CopyPartRequest {
  sourceFileId: string;
  largeFileId: string;
  partNumber: number;
  /** `bytes=a-b`, inclusive; omitted copies the whole source. */
  range?: string;
  /** The SSE-C key of an SSE-C source. */
  sourceServerSideEncryption?: ServerSideEncryptionRequest;
  /** The SSE-C key the large file was started with (SSE-B2 is chosen at start). */
  destinationServerSideEncryption?: ServerSideEncryptionRequest;
}

export interface CopyFileRequest {
  sourceFileId: string;
  fileName: string;
  destinationBucketId?: string;
  range?: string;
  metadataDirective?: 'COPY' | 'REPLACE';
  contentType?: string;
  fileInfo?: Record<string, string>;
  fileRetention?: FileRetention;
  legalHold?: LegalHold;
  sourceServerSideEncryption?: ServerSideEncryptionRequest;
  destinationServerSideEncryption?: ServerSideEncryptionRequest;
}

export interface ListFileNamesRequest {
  bucketId: string;
  startFileName?: string;
  maxFileCount?: number;
  prefix?: string;
  delimiter?: string;
}

export interface ListFileNamesResponse {
  files: FileVersion[];
  nextFileName: string | null;
}

export interface ListFileVersionsRequest extends ListFileNamesRequest {
  startFileId?: string;
}

export interface ListFileVersionsResponse {
  files: FileVersion[];
  nextFileName: string | null;
  nextFileId: string | null;
}

export interface GetFileInfoRequest {
  fileId: string;
}

export interface HideFileRequest {
  bucketId: string;
  fileName: string;
}

export interface DeleteFileVersionRequest {
  fileName: string;
  fileId: string;
  bypassGovernance?: boolean;
}

export interface DeleteFileVersionResponse {
  fileId: string;
  fileName: string;
}

export interface UpdateFileRetentionRequest {
  fileName: string;
  fileId: string;
  fileRetention: FileRetention;
  /** Shorten or remove a governance retention (needs the bypassGovernance capability). */
  bypassGovernance?: boolean;
}

export interface UpdateFileRetentionResponse {
  fileId: string;
  fileName: string;
  fileRetention: FileRetention;
}

export interface UpdateFileLegalHoldRequest {
  fileName: string;
  fileId: string;
  legalHold: LegalHold;
}

export interface UpdateFileLegalHoldResponse {
  fileId: string;
  fileName: string;
  legalHold: LegalHold;
}

/**
 * Response headers B2 sets from the request instead of the file's info (query parameters of both
 * download URLs). A download authorization minted with one of them only works when the download
 * names the same value.
 */
export interface ResponseOverrides {
  b2ContentDisposition?: string;
  b2ContentLanguage?: string;
  b2Expires?: string;
  b2CacheControl?: string;
  b2ContentEncoding?: string;
  b2ContentType?: string;
}

export interface GetDownloadAuthorizationRequest extends ResponseOverrides {
  bucketId: string;
  fileNamePrefix: string;
  validDurationInSeconds: number;
}

export interface GetDownloadAuthorizationResponse {
  bucketId: string;
  fileNamePrefix: string;
  authorizationToken: string;
}

export interface CreateKeyRequest {
  accountId: string;
  capabilities: Capability[];
  keyName: string;
  validDurationInSeconds?: number;
  /** v1–v3. */
  bucketId?: string;
  /** v4. */
  bucketIds?: string[];
  namePrefix?: string;
}

export interface CreateKeyResponse extends ApplicationKey {
  applicationKey: string;
}

export interface ListKeysRequest {
  accountId: string;
  maxKeyCount?: number;
  startApplicationKeyId?: string;
}

export interface ListKeysResponse {
  keys: ApplicationKey[];
  nextApplicationKeyId: string | null;
}

export interface DeleteKeyRequest {
  applicationKeyId: string;
}

/** Every JSON operation, its request and its response, so both sides can be typed from one table. */
export interface JsonOperations {
  b2_create_bucket: [CreateBucketRequest, Bucket];
  b2_list_buckets: [ListBucketsRequest, ListBucketsResponse];
  b2_update_bucket: [UpdateBucketRequest, Bucket];
  b2_delete_bucket: [DeleteBucketRequest, Bucket];
  b2_get_upload_url: [GetUploadUrlRequest, GetUploadUrlResponse];
  b2_start_large_file: [StartLargeFileRequest, FileVersion];
  b2_get_upload_part_url: [GetUploadPartUrlRequest, GetUploadPartUrlResponse];
  b2_list_parts: [ListPartsRequest, ListPartsResponse];
  b2_list_unfinished_large_files: [ListUnfinishedLargeFilesRequest, ListUnfinishedLargeFilesResponse];
  b2_finish_large_file: [FinishLargeFileRequest, FileVersion];
  b2_cancel_large_file: [CancelLargeFileRequest, CancelLargeFileResponse];
  b2_copy_part: [CopyPartRequest, Part];
  b2_copy_file: [CopyFileRequest, FileVersion];
  b2_list_file_names: [ListFileNamesRequest, ListFileNamesResponse];
  b2_list_file_versions: [ListFileVersionsRequest, ListFileVersionsResponse];
  b2_get_file_info: [GetFileInfoRequest, FileVersion];
  b2_hide_file: [HideFileRequest, FileVersion];
  b2_delete_file_version: [DeleteFileVersionRequest, DeleteFileVersionResponse];
  b2_update_file_retention: [UpdateFileRetentionRequest, UpdateFileRetentionResponse];
  b2_update_file_legal_hold: [UpdateFileLegalHoldRequest, UpdateFileLegalHoldResponse];
  b2_get_download_authorization: [GetDownloadAuthorizationRequest, GetDownloadAuthorizationResponse];
  b2_create_key: [CreateKeyRequest, CreateKeyResponse];
  b2_list_keys: [ListKeysRequest, ListKeysResponse];
  b2_delete_key: [DeleteKeyRequest, ApplicationKey];
}

export type JsonOperation = keyof JsonOperations;
export type RequestOf<Op extends JsonOperation> = JsonOperations[Op][0];
export type ResponseOf<Op extends JsonOperation> = JsonOperations[Op][1];

// ---------------------------------------------------------------------------------------------
// Headers and limits

/** Request/response header names of the upload and download endpoints. */
export const Header = {
  fileName: 'X-Bz-File-Name',
  fileId: 'X-Bz-File-Id',
  contentSha1: 'X-Bz-Content-Sha1',
  partNumber: 'X-Bz-Part-Number',
  uploadTimestamp: 'X-Bz-Upload-Timestamp',
  infoPrefix: 'X-Bz-Info-',
  testMode: 'X-Bz-Test-Mode',
  customUploadTimestamp: 'X-Bz-Custom-Upload-Timestamp',
} as const;

/** Special values of X-Bz-Content-Sha1. */
export const HEX_DIGITS_AT_END = 'hex_digits_at_end';
export const DO_NOT_VERIFY = 'do_not_verify';

/** Values of X-Bz-Test-Mode the real service honours. */
export type TestMode =
  'fail_some_uploads' | 'expire_some_account_authorization_tokens' | 'force_cap_exceeded';

export const Limits = {
  /** absoluteMinimumPartSize: every part but the last must be at least this. */
  minPartSize: 5_000_000,
  recommendedPartSize: 100_000_000,
  maxPartSize: 5_000_000_000,
  /** b2_upload_file body limit. */
  maxSmallFileSize: 5_000_000_000,
  maxParts: 10_000,
  maxFileNameBytes: 1024,
  maxInfoHeaders: 10,
  maxInfoKeyBytes: 50,
  /** File name + file info header lines; 2,048 with SSE or Object Lock. */
  headerBudgetBytes: 7000,
  maxBuckets: 100,
  maxCorsRules: 100,
  maxCorsRuleBytes: 1000,
  maxDownloadAuthSeconds: 604_800,
  maxKeySeconds: 86_400_000,
  tokenLifetimeMs: 24 * 60 * 60 * 1000,
  listFileNames: { default: 100, max: 10_000 },
  listFileVersions: { default: 100, max: 10_000 },
  listUnfinished: { default: 100, max: 100 },
  listParts: { default: 100, max: 1000 },
  listKeys: { default: 100, max: 10_000 },
} as const;

/** `b2-*` file-info keys B2 defines and serves back as standard headers. */
export const B2_INFO_HEADERS = {
  'b2-content-disposition': 'Content-Disposition',
  'b2-content-language': 'Content-Language',
  'b2-expires': 'Expires',
  'b2-cache-control': 'Cache-Control',
  'b2-content-encoding': 'Content-Encoding',
} as const;
