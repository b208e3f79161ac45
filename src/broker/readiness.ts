/**
 * The start-up check (the broker "refuses to start with a key that has writeKeys or no bucket
 * restriction, and says why"), run on the first request or `ready()`, and remembered: a key that is
 * wrong stays wrong, so that answer is kept; B2 being unreachable is not, so the next call tries again.
 */
import type { Authorization } from '../b2/auth.js';
import type { B2Client } from '../b2/client.js';
import { isB2Error } from '../b2/errors.js';
import type { Capability } from '../b2/wire.js';
import { BrokerConfigError } from './errors.js';

/** The bucket the broker writes to, as the key allows it. */
export interface UploadTarget {
  bucketId: string;
  /** null when only the id is known (a restricted key whose bucket B2 names no more). */
  bucketName: string | null;
  /** B2's S3 endpoint for the account, from authorize. */
  s3ApiUrl: string;
  capabilities: readonly Capability[];
  /** The key's namePrefix: every final name must start with it. */
  namePrefix: string | null;
  /** B2's absoluteMinimumPartSize and recommendedPartSize, from authorize. */
  minPartSize: number;
  recommendedPartSize: number;
}

export interface KeyPolicy {
  /** `b2.bucket`: a name or an id. */
  bucket: string;
  /** The prefix of default names ('' or 'a/'), or null when the app's name() hook chooses names. */
  defaultPrefix: string | null;
  unsafeAllowUnrestrictedKey: boolean;
}

/**
 * writeFiles: start, part URLs, list parts, finish, cancel, small uploads.
 * readFiles: b2_get_file_info, which answers a repeated finish.
 */
const REQUIRED: readonly Capability[] = ['writeFiles', 'readFiles'];

export async function checkKey(client: B2Client, policy: KeyPolicy): Promise<UploadTarget> {
  const authorization = await authorizeOrExplain(client);
  const { capabilities, namePrefix } = authorization.allowed;
  const bucket = policy.unsafeAllowUnrestrictedKey
    ? await findBucket(client, authorization, policy.bucket)
    : restrictedBucket(authorization, policy.bucket);
  const missing = REQUIRED.filter((c) => !capabilities.includes(c));
  if (missing.length > 0) {
    throw new BrokerConfigError(
      'key_missing_capability',
      `The B2 key lacks ${missing.join(' and ')}, which the broker needs.`,
    );
  }
  if (namePrefix !== null && policy.defaultPrefix !== null && !policy.defaultPrefix.startsWith(namePrefix)) {
    throw new BrokerConfigError(
      'key_prefix_mismatch',
      `The B2 key may only write names starting with '${namePrefix}', but the broker's names start with '${policy.defaultPrefix}': set the prefix option to start with '${namePrefix}'.`,
    );
  }
  return {
    bucketId: bucket.id,
    bucketName: bucket.name,
    s3ApiUrl: authorization.s3ApiUrl,
    capabilities,
    namePrefix,
    minPartSize: authorization.absoluteMinimumPartSize,
    recommendedPartSize: authorization.recommendedPartSize,
  };
}

/** The one bucket a safe key is restricted to, or why the key is not safe to hold. */
function restrictedBucket(authorization: Authorization, bucket: string): Bucket {
  const { capabilities, buckets } = authorization.allowed;
  if (capabilities.includes('writeKeys')) {
    throw new BrokerConfigError(
      'key_can_write_keys',
      'The B2 key has the writeKeys capability: anyone who obtained it could create keys for the whole account. Create a bucket-restricted key without writeKeys for the broker.',
    );
  }
  if (buckets === null) {
    throw new BrokerConfigError(
      'key_not_bucket_restricted',
      `The B2 key may use every bucket of the account. Create a key restricted to bucket '${bucket}' for the broker.`,
    );
  }
  const [only, ...others] = buckets;
  if (!only || others.length > 0 || (only.id !== bucket && only.name !== bucket)) {
    const names = buckets.map((b) => b.name ?? b.id).join(', ');
    throw new BrokerConfigError(
      'key_bucket_mismatch',
      `The B2 key is restricted to ${buckets.length === 1 ? 'bucket' : 'buckets'} ${names || '(none)'}, not to exactly '${bucket}'.`,
    );
  }
  return only;
}

type Bucket = { id: string; name: string | null };

async function authorizeOrExplain(client: B2Client): Promise<Authorization> {
  try {
    return await client.authorize();
  } catch (error) {
    if (isB2Error(error) && error.status === 401) {
      throw new BrokerConfigError(
        'b2_authorization_failed',
        `B2 refused the key id and key (${error.code}).`,
        { cause: error },
      );
    }
    throw new BrokerConfigError('b2_unreachable', 'B2 could not be reached to check the key.', {
      cause: error,
    });
  }
}

/** Only with an unrestricted (dev) key: look the bucket up by name or id. */
async function findBucket(client: B2Client, authorization: Authorization, bucket: string): Promise<Bucket> {
  const restricted = authorization.allowed.buckets?.find((b) => b.id === bucket || b.name === bucket);
  if (restricted) return restricted;
  try {
    const { buckets } = await client.listBuckets({});
    const found = buckets.find((b) => b.bucketId === bucket || b.bucketName === bucket);
    if (found) return { id: found.bucketId, name: found.bucketName };
  } catch (error) {
    throw new BrokerConfigError('b2_unreachable', 'B2 could not be reached to find the bucket.', {
      cause: error,
    });
  }
  throw new BrokerConfigError('bucket_not_found', `No bucket '${bucket}' in the B2 account.`);
}

/** Runs `check` at most once at a time; keeps its success and its permanent failures. */
export function createReadiness<T>(check: () => Promise<T>): () => Promise<T> {
  let settled: Promise<T> | undefined;
  return () => {
    settled ??= check().catch((error: unknown) => {
      const permanent = !(error instanceof BrokerConfigError && error.code === 'b2_unreachable');
      if (!permanent) settled = undefined;
      throw error;
    });
    return settled;
  };
}
