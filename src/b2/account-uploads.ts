/**
 * Uploads through the account: upload URLs come from b2_get_upload_url (per bucket) and
 * b2_get_upload_part_url (per large file), are pooled for serial reuse, and are swapped as B2 says for uploads.
 */
import { prepareBody } from './body.js';
import { type CallContext, callJson } from './json-call.js';
import type { ResolvedRetryOptions } from './retry.js';
import {
  type AttemptSettings,
  type FileUploadRequest,
  type PartUploadRequest,
  postFile,
  postPart,
  withUploadRetries,
} from './target-upload.js';
import { fileUploadHeaders, partUploadHeaders } from './upload-headers.js';
import { createUploadUrlPool } from './upload-url-pool.js';
import type { FileVersion, Part } from './wire.js';

/** b2_upload_file through the client: a bucket, the file metadata and the bytes. */
export interface UploadFileRequest extends FileUploadRequest {
  bucketId: string;
}

/** b2_upload_part through the client: the large file's id (from startLargeFile) and one part. */
export interface UploadPartRequest extends PartUploadRequest {
  fileId: string;
}

/** The client's uploads: its per-bucket and per-large-file URL pools and the retry loop over them. */
export interface AccountUploads {
  uploadFile(request: UploadFileRequest): Promise<FileVersion>;
  uploadPart(request: UploadPartRequest): Promise<Part>;
  /** Drops the idle part URLs of a large file that was finished or cancelled. */
  forgetLargeFile(fileId: string): void;
}

export function createAccountUploads(
  context: CallContext,
  settings: { uploadTimeout: number | false; retry: ResolvedRetryOptions },
): AccountUploads {
  // Each call hands out one URL; the pools only ever ask for one at a time here.
  const fileUrls = createUploadUrlPool(async (bucketId, _count, signal) => [
    await callJson(context, 'b2_get_upload_url', () => ({ bucketId }), signal),
  ]);
  const partUrls = createUploadUrlPool(async (fileId, _count, signal) => [
    await callJson(context, 'b2_get_upload_part_url', () => ({ fileId }), signal),
  ]);
  const attemptSettings = (
    signal: AbortSignal | undefined,
    onProgress?: AttemptSettings['onProgress'],
  ): AttemptSettings => ({
    onProgress,
    timeout: settings.uploadTimeout,
    testMode: context.testMode,
    signal,
  });

  return {
    async uploadFile(request) {
      const prepared = await prepareBody(request.body, request.contentSha1);
      // Check name and info before taking an upload URL: a bad key is our error, not the URL's.
      fileUploadHeaders(request, '', prepared.sha1Header);
      return withUploadRetries(
        fileUrls.sourceFor(request.bucketId),
        (target) =>
          postFile(
            context.transport,
            target,
            request,
            prepared,
            attemptSettings(request.signal, request.onUploadProgress),
          ),
        settings.retry,
        request.signal,
      );
    },
    async uploadPart(request) {
      const prepared = await prepareBody(request.body, request.contentSha1);
      partUploadHeaders(request.partNumber, '', prepared.sha1Header);
      return withUploadRetries(
        partUrls.sourceFor(request.fileId),
        (target) =>
          postPart(
            context.transport,
            target,
            request.partNumber,
            prepared,
            attemptSettings(request.signal, request.onUploadProgress),
            request.encryption,
          ),
        settings.retry,
        request.signal,
      );
    },
    forgetLargeFile: (fileId) => partUrls.forget(fileId),
  };
}
