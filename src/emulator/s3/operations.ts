/** The S3 operations the emulator routes, and their names in counters and fault rules (`s3:PutObject`). */
export const S3_OPERATIONS = [
  'ListBuckets',
  'HeadBucket',
  'GetBucketLocation',
  'GetBucketVersioning',
  'ListObjects',
  'ListObjectsV2',
  'ListObjectVersions',
  'ListMultipartUploads',
  'GetBucketCors',
  'PutBucketCors',
  'DeleteBucketCors',
  'GetBucketEncryption',
  'PutBucketEncryption',
  'GetObjectLockConfiguration',
  'GetBucketAcl',
  'DeleteObjects',
  'PostObject',
  'HeadObject',
  'GetObject',
  'PutObject',
  'CopyObject',
  'DeleteObject',
  'GetObjectAcl',
  'GetObjectRetention',
  'GetObjectLegalHold',
  'CreateMultipartUpload',
  'UploadPart',
  'UploadPartCopy',
  'ListParts',
  'CompleteMultipartUpload',
  'AbortMultipartUpload',
] as const;

export type S3Operation = (typeof S3_OPERATIONS)[number];

/** Counter and fault-injector names of the S3 operations, e.g. `s3:PutObject`. */
export type S3EndpointName = `s3:${S3Operation}`;
export const S3_ENDPOINT_NAMES: readonly S3EndpointName[] = S3_OPERATIONS.map((op) => `s3:${op}` as const);
