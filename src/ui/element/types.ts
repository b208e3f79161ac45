import type { UploadResult } from '../../upload/broker-client.js';
import type { UploadError } from '../../upload/errors.js';
import type { Upload, UploadSnapshot } from '../../upload/file-upload.js';

/** `event.detail` of the element's `upload-start`, `upload-progress`, `upload-complete`, `upload-error`. */
export interface UploadEventDetail {
  upload: Upload;
  snapshot: UploadSnapshot;
  /** On `upload-complete`: the file as B2 stored it. */
  result?: UploadResult;
  /** On `upload-error`: why (`error.code`; `aborted` after Cancel). */
  error?: UploadError;
}
