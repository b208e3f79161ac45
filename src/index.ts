/**
 * b2up: the browser SDK. Everything not exported here is internal and may change.
 *
 *   const uploader = createUploader({ broker: '/b2up' });
 *   const upload = uploader.upload(file, { onProgress: (s) => render(s) });
 *   const result = await upload.done;
 */
export {
  type BrokerClient,
  type BrokerConfig,
  BrokerError,
  type BrokerErrorCode,
  isBrokerError,
  type LargeFileTransport,
  type PartTarget,
  type S3PartUrl,
  type SmallFileRequest,
  type StartedUpload,
  type StartRequest,
  type StoredPart,
  type UploadResult,
  type UploadSession,
} from './upload/broker-client.js';
export { isUploadError, UploadError, type UploadErrorCode } from './upload/errors.js';
export {
  createDefaultHasher,
  createInlineHasher,
  createWorkerHasher,
  HashError,
  type HashErrorCode,
  type Hasher,
  type InlineHasherOptions,
  isHashError,
  type WorkerHasherOptions,
} from './upload/hasher.js';
export { createHttpBrokerClient, type HttpBrokerOptions } from './upload/http-broker.js';
export type { Progress } from './upload/progress.js';
export type { Send, SendRequest, SendResponse } from './upload/transport.js';
export {
  createIndexedDbResumeStore,
  createMemoryResumeStore,
  type IndexedDbResumeStoreOptions,
  type ResumeRecord,
  type ResumeStore,
} from './upload/resume-store.js';
export type { Upload, UploadFileOptions, UploadSnapshot, UploadState } from './upload/file-upload.js';
export {
  createUploader,
  type FileChangedPolicy,
  type PendingUpload,
  type Uploader,
  type UploaderOptions,
  type UploaderRetryOptions,
} from './upload/create-uploader.js';
export {
  type UppyFileFacts,
  type UppyPresignableRequest,
  type UppyPresignedResponse,
  type UppySignRequestOptions,
  uppySignRequest,
} from './upload/uppy-sign.js';
