/**
 * b2up/b2: a typed client for the Backblaze B2 native API, for browsers and Node 20.
 * Everything not exported here is internal and may change.
 */
export { type Authorization, normaliseAuthorization } from './auth.js';
export type { ContentSha1, UploadBody } from './body.js';
export { type B2Client, createB2Client } from './client.js';
export {
  buildDownloadUrl,
  type ByteRange,
  type DownloadedFile,
  type DownloadLocator,
  type DownloadOptions,
  type DownloadResponse,
  type DownloadUrlOptions,
  type HeadResponse,
} from './download-request.js';
export { decodeB2, encodeB2 } from './encoding.js';
export { customerKey } from './customer-key.js';
export type { CustomerKey } from './encryption.js';
export {
  type B2ClientCode,
  B2Error,
  type B2ErrorCode,
  type B2ErrorInit,
  type B2WireCode,
  CLIENT_CODES,
  isB2Error,
  isTransportError,
} from './errors.js';
export type { FetchFunction } from './http.js';
export type { ProgressCallback, TransferProgress } from './progress.js';
export type { CallOptions, ClientRequest, JsonMethods, OperationMethods } from './operations.js';
export type { B2ClientOptions } from './options.js';
export type { RetryOptions } from './retry.js';
export {
  type FileUploadRequest,
  type PartUploadRequest,
  type TargetUploadOptions,
  type UploadTarget,
  uploadFileToTarget,
  uploadPartToTarget,
} from './target-upload.js';
export type { FileUploadFields, UploadEncryption } from './upload-headers.js';
export type { UploadFileRequest, UploadPartRequest } from './account-uploads.js';
export type {
  ApiVersion,
  ApplicationKey,
  Authorized,
  AuthorizeResponse,
  AuthorizeResponseV2,
  AuthorizeResponseV3,
  AuthorizeResponseV4,
  Bucket,
  BucketType,
  CancelLargeFileRequest,
  CancelLargeFileResponse,
  Capability,
  CopyFileRequest,
  CopyPartRequest,
  CorsOperation,
  CorsRule,
  CreateBucketRequest,
  CreateKeyRequest,
  CreateKeyResponse,
  DefaultRetention,
  DeleteBucketRequest,
  DeleteFileVersionRequest,
  DeleteFileVersionResponse,
  DeleteKeyRequest,
  FileAction,
  FileRetention,
  FileVersion,
  FinishLargeFileRequest,
  GetDownloadAuthorizationRequest,
  GetDownloadAuthorizationResponse,
  GetFileInfoRequest,
  GetUploadPartUrlRequest,
  GetUploadPartUrlResponse,
  GetUploadUrlRequest,
  GetUploadUrlResponse,
  HideFileRequest,
  JsonOperation,
  JsonOperations,
  LegalHold,
  LifecycleRule,
  ListBucketsRequest,
  ListBucketsResponse,
  ListFileNamesRequest,
  ListFileNamesResponse,
  ListFileVersionsRequest,
  ListFileVersionsResponse,
  ListKeysRequest,
  ListKeysResponse,
  ListPartsRequest,
  ListPartsResponse,
  ListUnfinishedLargeFilesRequest,
  ListUnfinishedLargeFilesResponse,
  Part,
  RequestOf,
  ResponseOf,
  ResponseOverrides,
  ServerSideEncryption,
  ServerSideEncryptionRequest,
  StartLargeFileRequest,
  StorageApiV3,
  StorageApiV4,
  TestMode,
  UpdateBucketRequest,
  UpdateFileLegalHoldRequest,
  UpdateFileLegalHoldResponse,
  UpdateFileRetentionRequest,
  UpdateFileRetentionResponse,
} from './wire.js';
