/** The S3 signing region: B2 names them like `us-west-004` (the label in `s3.<region>.backblazeb2.com`). */
export const DEFAULT_S3_REGION = 'us-west-004';

/** Lower-case letters, digits and `-`, as every S3 region name is. */
export function isRegionName(name: string): boolean {
  return /^[a-z0-9][a-z0-9-]{0,62}$/.test(name);
}
