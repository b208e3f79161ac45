/**
 * createB2Client: the typed B2 native API client. Authorizes lazily on the first call, renews the
 * account token when B2 says it expired, keeps pools of upload URLs, and applies B2's retry rules.
 */
import { type Authorization, createAuthSession, requestAuthorization } from './auth.js';
import {
  buildDownloadUrl,
  type DownloadLocator,
  type DownloadOptions,
  type DownloadResponse,
  type DownloadUrlOptions,
  type HeadResponse,
} from './download-request.js';
import { createDownloader } from './create-downloader.js';
import { createTransport } from './http.js';
import { type CallContext, callJson } from './json-call.js';
import {
  type CallOptions,
  type ClientRequest,
  type JsonMethods,
  OPERATION_METHODS,
  withAccountId,
} from './operations.js';
import { type B2ClientOptions, resolveClientOptions } from './options.js';
import {
  fileNamePages,
  fileVersionPages,
  keyPages,
  partPages,
  unfinishedLargeFilePages,
} from './pagination.js';
import { createAccountUploads, type UploadFileRequest, type UploadPartRequest } from './account-uploads.js';
import type {
  ApplicationKey,
  FileVersion,
  JsonOperation,
  ListFileNamesRequest,
  ListFileVersionsRequest,
  ListPartsRequest,
  ListUnfinishedLargeFilesRequest,
  Part,
  ResponseOf,
} from './wire.js';

export interface B2Client extends JsonMethods {
  /** Authorizes on first use and returns the current authorization after; renewal is automatic. */
  authorize(): Promise<Authorization>;
  /** Any JSON operation by its wire name (the camelCase methods are shorthands for this). */
  call<Op extends JsonOperation>(
    operation: Op,
    request: ClientRequest<Op>,
    options?: CallOptions,
  ): Promise<ResponseOf<Op>>;
  /** Every visible file name, page after page (b2_list_file_names). */
  iterateFileNames(request: ListFileNamesRequest, options?: CallOptions): AsyncGenerator<FileVersion, void>;
  /** Every file version, hide markers included (b2_list_file_versions). */
  iterateFileVersions(
    request: ListFileVersionsRequest,
    options?: CallOptions,
  ): AsyncGenerator<FileVersion, void>;
  /** Every unfinished large file of a bucket (b2_list_unfinished_large_files). */
  iterateUnfinishedLargeFiles(
    request: ListUnfinishedLargeFilesRequest,
    options?: CallOptions,
  ): AsyncGenerator<FileVersion, void>;
  /** Every uploaded part of an unfinished large file (b2_list_parts). */
  iterateParts(request: ListPartsRequest, options?: CallOptions): AsyncGenerator<Part, void>;
  /** Every application key of the account (b2_list_keys). */
  iterateKeys(
    request?: ClientRequest<'b2_list_keys'>,
    options?: CallOptions,
  ): AsyncGenerator<ApplicationKey, void>;
  /** Uploads a small file (≤ 5 GB), getting and reusing upload URLs of the bucket, with B2's retries. */
  uploadFile(request: UploadFileRequest): Promise<FileVersion>;
  /** Uploads one part of a large file, using a pool of part-upload URLs of that file, with B2's retries. */
  uploadPart(request: UploadPartRequest): Promise<Part>;
  /** GET by file id; 206 for a range, 416 → B2Error range_not_satisfiable. */
  downloadFileById(fileId: string, options?: DownloadOptions): Promise<DownloadResponse>;
  /** GET the latest visible version of a name. */
  downloadFileByName(
    bucketName: string,
    fileName: string,
    options?: DownloadOptions,
  ): Promise<DownloadResponse>;
  /** HEAD by file id: the headers only. */
  headFileById(fileId: string, options?: DownloadOptions): Promise<HeadResponse>;
  /** HEAD by name: the headers only. */
  headFileByName(bucketName: string, fileName: string, options?: DownloadOptions): Promise<HeadResponse>;
  /**
   * The URL of a file on the authorized account's download host, for links and other HTTP clients
   * (authorizes first if needed). See buildDownloadUrl.
   */
  getDownloadUrl(locator: DownloadLocator, options?: Omit<DownloadUrlOptions, 'apiVersion'>): Promise<string>;
}

export function createB2Client(userOptions: B2ClientOptions): B2Client {
  const options = resolveClientOptions(userOptions);
  const transport = createTransport(options.fetch);
  const session = createAuthSession(() => requestAuthorization(transport, options));
  const context: CallContext = {
    transport,
    session,
    apiVersion: options.apiVersion,
    timeout: options.timeout,
    retry: options.retry,
    testMode: options.testMode,
  };

  const call = <Op extends JsonOperation>(
    operation: Op,
    request: ClientRequest<Op>,
    callOptions?: CallOptions,
  ) =>
    callJson(
      context,
      operation,
      (authorization) => withAccountId(operation, request, authorization.accountId),
      callOptions?.signal,
    );

  const uploader = createAccountUploads(context, options);
  const downloader = createDownloader(context);

  const jsonMethods = Object.fromEntries(
    Object.entries(OPERATION_METHODS).map(([method, operation]) => [
      method,
      (request: ClientRequest<typeof operation>, callOptions?: CallOptions) =>
        call(operation, request, callOptions),
    ]),
  ) as unknown as JsonMethods;

  return {
    ...jsonMethods,
    authorize: () => session.current(),
    call,

    // A finished or cancelled large file takes no more parts: drop its idle part URLs.
    async finishLargeFile(request, callOptions) {
      const file = await call('b2_finish_large_file', request, callOptions);
      uploader.forgetLargeFile(request.fileId);
      return file;
    },
    async cancelLargeFile(request, callOptions) {
      const cancelled = await call('b2_cancel_large_file', request, callOptions);
      uploader.forgetLargeFile(request.fileId);
      return cancelled;
    },

    iterateFileNames: (request, callOptions) =>
      fileNamePages(request, (page) => call('b2_list_file_names', page, callOptions)),
    iterateFileVersions: (request, callOptions) =>
      fileVersionPages(request, (page) => call('b2_list_file_versions', page, callOptions)),
    iterateUnfinishedLargeFiles: (request, callOptions) =>
      unfinishedLargeFilePages(request, (page) => call('b2_list_unfinished_large_files', page, callOptions)),
    iterateParts: (request, callOptions) =>
      partPages(request, (page) => call('b2_list_parts', page, callOptions)),
    iterateKeys: (request = {}, callOptions) =>
      keyPages(request, (page) => call('b2_list_keys', page, callOptions)),

    uploadFile: uploader.uploadFile,
    uploadPart: uploader.uploadPart,

    downloadFileById: (fileId, downloadOptions) => downloader.get({ fileId }, downloadOptions),
    downloadFileByName: (bucketName, fileName, downloadOptions) =>
      downloader.get({ bucketName, fileName }, downloadOptions),
    headFileById: (fileId, downloadOptions) => downloader.head({ fileId }, downloadOptions),
    headFileByName: (bucketName, fileName, downloadOptions) =>
      downloader.head({ bucketName, fileName }, downloadOptions),
    async getDownloadUrl(locator, urlOptions = {}) {
      const { downloadUrl } = await session.current();
      return buildDownloadUrl(downloadUrl, locator, { ...urlOptions, apiVersion: options.apiVersion });
    },
  };
}
