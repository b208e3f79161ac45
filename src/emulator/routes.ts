/** URL → what the request is: api, upload, download or control. */
import type { ApiVersion, JsonOperation } from '../b2/wire.js';
import type { EndpointName } from './faults/endpoints.js';

export type Route =
  | { kind: 'authorize'; version: ApiVersion }
  | { kind: 'json'; version: ApiVersion; op: JsonOperation }
  | { kind: 'upload_file'; version: ApiVersion; bucketId: string; urlId: string }
  | { kind: 'upload_part'; version: ApiVersion; fileId: string; urlId: string }
  | { kind: 'download_by_id'; version: ApiVersion }
  | { kind: 'download_by_name'; bucket: string; name: string }
  | { kind: 'control'; path: string }
  | { kind: 'unknown' };

export const JSON_OPERATIONS: ReadonlySet<string> = new Set<JsonOperation>([
  'b2_create_bucket',
  'b2_list_buckets',
  'b2_update_bucket',
  'b2_delete_bucket',
  'b2_get_upload_url',
  'b2_start_large_file',
  'b2_get_upload_part_url',
  'b2_list_parts',
  'b2_list_unfinished_large_files',
  'b2_finish_large_file',
  'b2_cancel_large_file',
  'b2_copy_part',
  'b2_copy_file',
  'b2_list_file_names',
  'b2_list_file_versions',
  'b2_get_file_info',
  'b2_hide_file',
  'b2_delete_file_version',
  'b2_update_file_retention',
  'b2_update_file_legal_hold',
  'b2_get_download_authorization',
  'b2_create_key',
  'b2_list_keys',
  'b2_delete_key',
]);

export function parseRoute(pathname: string): Route {
  if (pathname.startsWith('/__emulator/'))
    return { kind: 'control', path: pathname.slice('/__emulator/'.length) };
  const file = /^\/file\/([^/]+)\/(.+)$/.exec(pathname);
  if (file) return { kind: 'download_by_name', bucket: file[1]!, name: file[2]! };
  const api = /^\/b2api\/(v[1-4])\/([a-z0-9_]+)(?:\/(.*))?$/.exec(pathname);
  if (!api) return { kind: 'unknown' };
  const version = api[1] as ApiVersion;
  const op = api[2]!;
  const rest = api[3]?.split('/');
  if (op === 'b2_upload_file' && rest?.length === 2 && rest[0] && rest[1]) {
    return { kind: 'upload_file', version, bucketId: rest[0], urlId: rest[1] };
  }
  if (op === 'b2_upload_part' && rest?.length === 2 && rest[0] && rest[1]) {
    return { kind: 'upload_part', version, fileId: rest[0], urlId: rest[1] };
  }
  if (rest !== undefined) return { kind: 'unknown' };
  if (op === 'b2_authorize_account') return { kind: 'authorize', version };
  if (op === 'b2_download_file_by_id') return { kind: 'download_by_id', version };
  if (JSON_OPERATIONS.has(op)) return { kind: 'json', version, op: op as JsonOperation };
  return { kind: 'unknown' };
}

export function endpointOf(route: Route): EndpointName | undefined {
  switch (route.kind) {
    case 'authorize':
      return 'b2_authorize_account';
    case 'json':
      return route.op;
    case 'upload_file':
      return 'b2_upload_file';
    case 'upload_part':
      return 'b2_upload_part';
    case 'download_by_id':
      return 'b2_download_file_by_id';
    case 'download_by_name':
      return 'b2_download_file_by_name';
    default:
      return undefined;
  }
}

/** HTTP methods each kind of endpoint accepts; anything else is 405 method_not_allowed. */
export function methodsOf(route: Route): readonly string[] {
  switch (route.kind) {
    case 'authorize':
      // The docs show GET; b2sdk (1.x) POSTs `{}` with the Basic header, and real B2 accepts it.
      return ['GET', 'POST'];
    case 'json':
      return ['GET', 'POST'];
    case 'upload_file':
    case 'upload_part':
      return ['POST'];
    case 'download_by_id':
      return ['GET', 'HEAD', 'POST'];
    case 'download_by_name':
      return ['GET', 'HEAD'];
    default:
      return [];
  }
}
