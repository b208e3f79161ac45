/**
 * The bucket a local broker writes to and the key it holds, set up on an emulator (or any B2
 * account) with the master key: what `b2up dev` and `b2up emulator` both prepare, so a newcomer goes
 * from an empty emulator to a broker without creating either by hand.
 */
import type { B2Client } from '../b2/client.js';
import type { Capability } from '../b2/wire.js';
import { browserUploadCorsRule, withBrowserUploadRule } from '../broker/bucket-cors.js';

/**
 * What the broker needs, plus shareFiles (broker.downloadUrl), listBuckets (its own bucket only) and
 * deleteFiles (S3 mode: the broker removes a presigned small file whose confirm finds other bytes).
 */
export const BROKER_CAPABILITIES: readonly Capability[] = [
  'writeFiles',
  'listFiles',
  'readFiles',
  'shareFiles',
  'listBuckets',
  'deleteFiles',
];
export const DEV_BUCKET = 'b2up-dev';

export interface ProvisionedBucket {
  bucket: { bucketId: string; bucketName: string };
  /** A fresh key restricted to the bucket, without writeKeys: what `b2up broker` accepts. */
  key: { applicationKeyId: string; applicationKey: string };
}

/**
 * The bucket a broker writes to (created if missing, private) with b2up's CORS rule for `origins`
 * (none: no rule, other rules kept), and a new bucket-restricted key for the broker.
 */
export async function provisionBucket(
  admin: B2Client,
  options: {
    bucketName: string;
    origins: string[];
    keyName: string;
    /** The key's capabilities; default BROKER_CAPABILITIES. */
    capabilities?: readonly Capability[];
  },
): Promise<ProvisionedBucket> {
  const { bucketName, origins } = options;
  const rule = origins.length > 0 ? browserUploadCorsRule(origins) : undefined;
  const [existing] = (await admin.listBuckets({ bucketName })).buckets;
  let bucket = existing;
  if (!bucket) {
    bucket = await admin.createBucket({
      bucketName,
      bucketType: 'allPrivate',
      corsRules: rule ? [rule] : [],
    });
  } else if (rule) {
    bucket = await admin.updateBucket({
      bucketId: bucket.bucketId,
      corsRules: withBrowserUploadRule(bucket.corsRules, rule),
    });
  }
  const key = await admin.createKey({
    keyName: options.keyName,
    capabilities: [...(options.capabilities ?? BROKER_CAPABILITIES)],
    bucketIds: [bucket.bucketId],
  });
  return {
    bucket: { bucketId: bucket.bucketId, bucketName },
    key: { applicationKeyId: key.applicationKeyId, applicationKey: key.applicationKey },
  };
}
