import { B2Failure } from '../errors.js';

/**
 * The error every S3 handler throws: answered as S3's XML `<Error>` body with the status and code real
 * S3 clients map (AWS SDKs read `Code`; Uppy reads the message of a 403 for "Request has expired").
 */
export type S3Code =
  | 'AccessDenied'
  | 'AuthorizationHeaderMalformed'
  | 'AuthorizationQueryParametersError'
  | 'BadDigest'
  | 'BucketNotEmpty'
  | 'EntityTooLarge'
  | 'EntityTooSmall'
  | 'IncompleteBody'
  | 'InternalError'
  | 'InvalidAccessKeyId'
  | 'InvalidArgument'
  | 'InvalidBucketName'
  | 'InvalidDigest'
  | 'InvalidPart'
  | 'InvalidPartOrder'
  | 'InvalidRange'
  | 'InvalidRequest'
  | 'InvalidURI'
  | 'MalformedXML'
  | 'MethodNotAllowed'
  | 'MissingContentLength'
  | 'NoSuchBucket'
  | 'NoSuchCORSConfiguration'
  | 'NoSuchKey'
  | 'NoSuchUpload'
  | 'NoSuchVersion'
  | 'NoSuchObjectLockConfiguration'
  | 'NotImplemented'
  | 'ObjectLockConfigurationNotFoundError'
  | 'PreconditionFailed'
  | 'RequestTimeTooSkewed'
  | 'RequestTimeout'
  | 'ServerSideEncryptionConfigurationNotFoundError'
  | 'ServiceUnavailable'
  | 'SignatureDoesNotMatch'
  | 'SlowDown'
  | 'UnauthorizedAccess'
  | 'XAmzContentSHA256Mismatch';

export class S3Failure extends Error {
  override readonly name = 'S3Failure';
  constructor(
    readonly status: number,
    readonly code: S3Code,
    message: string,
    /** Extra response headers, e.g. `Retry-After` or `Content-Range`. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function isS3Failure(error: unknown): error is S3Failure {
  return error instanceof Error && error.name === 'S3Failure';
}

export const invalidArgument = (message: string) => new S3Failure(400, 'InvalidArgument', message);
export const accessDenied = (message = 'not entitled') => new S3Failure(403, 'AccessDenied', message);
export const notImplemented = (what: string) =>
  new S3Failure(501, 'NotImplemented', `${what} is not implemented by this API`);

/** Native failures thrown by shared checks (names, file info, Object Lock) in S3's terms. */
export function asS3Failure(error: unknown): S3Failure | undefined {
  if (error instanceof S3Failure) return error;
  if (!(error instanceof B2Failure)) return undefined;
  if (error.status === 401) return accessDenied();
  if (error.status === 403) return accessDenied(error.message);
  if (error.status === 404) return new S3Failure(404, 'NoSuchKey', error.message);
  if (error.status === 416) return new S3Failure(416, 'InvalidRange', error.message, error.headers);
  if (error.status === 501) return new S3Failure(501, 'NotImplemented', error.message);
  if (error.status >= 500) return new S3Failure(error.status, 'InternalError', error.message, error.headers);
  return new S3Failure(error.status, 'InvalidArgument', error.message, error.headers);
}
