/**
 * The camelCase client method of every JSON operation in wire.ts, as one table, so the client's
 * methods and their types are generated from it rather than written out 24 times.
 */
import type { JsonOperation, RequestOf, ResponseOf } from './wire.js';

export const OPERATION_METHODS = {
  createBucket: 'b2_create_bucket',
  listBuckets: 'b2_list_buckets',
  updateBucket: 'b2_update_bucket',
  deleteBucket: 'b2_delete_bucket',
  getUploadUrl: 'b2_get_upload_url',
  startLargeFile: 'b2_start_large_file',
  getUploadPartUrl: 'b2_get_upload_part_url',
  listParts: 'b2_list_parts',
  listUnfinishedLargeFiles: 'b2_list_unfinished_large_files',
  finishLargeFile: 'b2_finish_large_file',
  cancelLargeFile: 'b2_cancel_large_file',
  copyPart: 'b2_copy_part',
  copyFile: 'b2_copy_file',
  listFileNames: 'b2_list_file_names',
  listFileVersions: 'b2_list_file_versions',
  getFileInfo: 'b2_get_file_info',
  hideFile: 'b2_hide_file',
  deleteFileVersion: 'b2_delete_file_version',
  updateFileRetention: 'b2_update_file_retention',
  updateFileLegalHold: 'b2_update_file_legal_hold',
  getDownloadAuthorization: 'b2_get_download_authorization',
  createKey: 'b2_create_key',
  listKeys: 'b2_list_keys',
  deleteKey: 'b2_delete_key',
} as const satisfies Record<string, JsonOperation>;

export type OperationMethods = typeof OPERATION_METHODS;

/** A request as the client takes it: `accountId` is optional and defaults to the authorized account. */
export type ClientRequest<Op extends JsonOperation> = 'accountId' extends keyof RequestOf<Op>
  ? Omit<RequestOf<Op>, 'accountId'> & { accountId?: string }
  : RequestOf<Op>;

/** Per-call options of every JSON method. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** One typed method per JSON operation. */
export type JsonMethods = {
  [Method in keyof OperationMethods]: (
    request: ClientRequest<OperationMethods[Method]>,
    options?: CallOptions,
  ) => Promise<ResponseOf<OperationMethods[Method]>>;
};

/** Operations whose request carries the account id (B2 wants it even though the token implies it). */
const NEEDS_ACCOUNT_ID: ReadonlySet<JsonOperation> = new Set<JsonOperation>([
  'b2_create_bucket',
  'b2_list_buckets',
  'b2_update_bucket',
  'b2_delete_bucket',
  'b2_create_key',
  'b2_list_keys',
]);

export function withAccountId(operation: JsonOperation, request: object, accountId: string): object {
  if (!NEEDS_ACCOUNT_ID.has(operation)) return request;
  return { ...request, accountId: (request as { accountId?: string }).accountId ?? accountId };
}
