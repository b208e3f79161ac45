/**
 * The emulator endpoints a fault can target, by B2's operation name. Routing, counters and fault rules
 * all speak this vocabulary.
 */
import type { JsonOperation } from '../../b2/wire.js';
import { S3_ENDPOINT_NAMES, type S3EndpointName } from '../s3/operations.js';

export type EndpointName =
  | 'b2_authorize_account'
  | JsonOperation
  | 'b2_upload_file'
  | 'b2_upload_part'
  | 'b2_download_file_by_id'
  | 'b2_download_file_by_name'
  | S3EndpointName;

// A Record, not an array, so adding an operation to wire.ts fails to compile until it is listed here.
const JSON_OPERATIONS: Record<JsonOperation, true> = {
  b2_create_bucket: true,
  b2_list_buckets: true,
  b2_update_bucket: true,
  b2_delete_bucket: true,
  b2_get_upload_url: true,
  b2_start_large_file: true,
  b2_get_upload_part_url: true,
  b2_list_parts: true,
  b2_list_unfinished_large_files: true,
  b2_finish_large_file: true,
  b2_cancel_large_file: true,
  b2_copy_part: true,
  b2_copy_file: true,
  b2_list_file_names: true,
  b2_list_file_versions: true,
  b2_get_file_info: true,
  b2_hide_file: true,
  b2_delete_file_version: true,
  b2_update_file_retention: true,
  b2_update_file_legal_hold: true,
  b2_get_download_authorization: true,
  b2_create_key: true,
  b2_list_keys: true,
  b2_delete_key: true,
};

export const UPLOAD_ENDPOINTS: readonly EndpointName[] = ['b2_upload_file', 'b2_upload_part'];
export const DOWNLOAD_ENDPOINTS: readonly EndpointName[] = [
  'b2_download_file_by_id',
  'b2_download_file_by_name',
];
export const ENDPOINT_NAMES: readonly EndpointName[] = [
  'b2_authorize_account',
  ...(Object.keys(JSON_OPERATIONS) as JsonOperation[]),
  ...UPLOAD_ENDPOINTS,
  ...DOWNLOAD_ENDPOINTS,
  ...S3_ENDPOINT_NAMES,
];

export function isJsonOperation(endpoint: EndpointName): endpoint is JsonOperation {
  return endpoint in JSON_OPERATIONS;
}
