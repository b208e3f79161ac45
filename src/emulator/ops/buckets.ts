/** Bucket operations and the CORS/lifecycle rule checks they need. */
import {
  type BucketType,
  type CorsOperation,
  type CorsRule,
  type LifecycleRule,
  Limits,
} from '../../b2/wire.js';
import { type Grant, requireAccount, requireBucket, requireCapability } from '../auth.js';
import { B2Failure, badRequest, unauthorized } from '../errors.js';
import { newBucketId } from '../ids.js';
import type { BucketRecord, DefaultRetention } from '../model.js';
import {
  optArray,
  optBool,
  optInt,
  optString,
  optStringArray,
  optStringMap,
  type Params,
  reqString,
} from '../params.js';
import { bucketShape } from '../shapes.js';
import { defaultRetentionOf } from '../lock.js';
import { checkBucketName } from '../validate.js';
import { bucketOrFail } from './lookup.js';
import type { JsonHandler } from './types.js';

const CORS_OPERATIONS: readonly CorsOperation[] = [
  'b2_download_file_by_name',
  'b2_download_file_by_id',
  'b2_upload_file',
  'b2_upload_part',
  's3_delete',
  's3_get',
  's3_head',
  's3_post',
  's3_put',
];

function bucketType(p: Params, required: boolean): 'allPublic' | 'allPrivate' | undefined {
  const t = required ? reqString(p, 'bucketType') : optString(p, 'bucketType');
  if (t !== undefined && t !== 'allPublic' && t !== 'allPrivate')
    throw badRequest(`Invalid bucketType: ${t}`);
  return t;
}

function bucketInfo(p: Params): Record<string, string> | undefined {
  const info = optStringMap(p, 'bucketInfo');
  if (info && Object.keys(info).length > 10) throw badRequest('bucketInfo may hold at most 10 entries');
  return info;
}

function corsRules(p: Params): CorsRule[] | undefined {
  const rules = optArray(p, 'corsRules');
  if (!rules) return undefined;
  if (rules.length > Limits.maxCorsRules) throw badRequest(`At most ${Limits.maxCorsRules} CORS rules`);
  const names = new Set<string>();
  return rules.map((raw) => {
    if (typeof raw !== 'object' || raw === null) throw badRequest('corsRules entries must be objects');
    const r = raw as Params;
    const name = reqString(r, 'corsRuleName');
    if (!/^[A-Za-z0-9-]{6,63}$/.test(name) || name.startsWith('b2-') || names.has(name)) {
      throw badRequest(`Invalid corsRuleName: ${name}`);
    }
    names.add(name);
    const origins = optStringArray(r, 'allowedOrigins') ?? [];
    const operations = optStringArray(r, 'allowedOperations') ?? [];
    const headers = optStringArray(r, 'allowedHeaders') ?? null;
    const expose = optStringArray(r, 'exposeHeaders') ?? null;
    const maxAge = optInt(r, 'maxAgeSeconds') ?? 0;
    if (origins.length === 0) throw badRequest('allowedOrigins must not be empty');
    if (origins.includes('*') && origins.length > 1) throw badRequest('allowedOrigins "*" must be alone');
    if (origins.some((o) => o.split('*').length > 2)) throw badRequest('an origin may hold at most one "*"');
    if (operations.length === 0 || operations.some((o) => !CORS_OPERATIONS.includes(o as CorsOperation))) {
      throw badRequest('allowedOperations must be a non-empty list of known operations');
    }
    if (maxAge < 0 || maxAge > 86_400) throw badRequest('maxAgeSeconds must be 0 to 86400');
    const bytes = [name, ...origins, ...operations, ...(headers ?? []), ...(expose ?? [])].reduce(
      (n, s) => n + Buffer.byteLength(s),
      0,
    );
    if (bytes >= Limits.maxCorsRuleBytes)
      throw badRequest(`CORS rule ${name} is ${Limits.maxCorsRuleBytes} bytes or more`);
    return {
      corsRuleName: name,
      allowedOrigins: origins,
      allowedOperations: operations as CorsOperation[],
      allowedHeaders: headers,
      exposeHeaders: expose,
      maxAgeSeconds: maxAge,
    };
  });
}

const LIFECYCLE_DAYS = [
  'daysFromHidingToDeleting',
  'daysFromUploadingToHiding',
  'daysFromStartingToCancelingUnfinishedLargeFiles',
] as const;

/**
 * Lifecycle rules as B2 takes them: each `days*` field a positive integer or `null` (= that action is
 * off; B2's own examples use it, and b2_list_buckets returns it), absent fields left absent, so a
 * bucket's rules read with b2_list_buckets can be written back unchanged.
 */
function lifecycleRules(p: Params): LifecycleRule[] | undefined {
  const rules = optArray(p, 'lifecycleRules');
  return rules?.map((raw) => {
    if (typeof raw !== 'object' || raw === null) throw badRequest('lifecycleRules entries must be objects');
    const r = raw as Params;
    const rule: LifecycleRule = { fileNamePrefix: optString(r, 'fileNamePrefix') ?? '' };
    for (const field of LIFECYCLE_DAYS) {
      if (!(field in r)) continue;
      if (r[field] === null) {
        rule[field] = null;
        continue;
      }
      const days = optInt(r, field)!;
      if (days < 1) throw badRequest(`${field} must be a positive number of days or null`);
      rule[field] = days;
    }
    return rule;
  });
}

function defaultSse(p: Params): 'SSE-B2' | null | undefined {
  const v = p.defaultServerSideEncryption;
  if (v === undefined) return undefined;
  const mode = typeof v === 'object' && v !== null ? (v as Params).mode : undefined;
  if (mode === 'SSE-B2') return 'SSE-B2';
  if (mode === null || mode === undefined) return null;
  throw badRequest('defaultServerSideEncryption.mode must be SSE-B2 or null');
}

/** A default retention asked for (null = none), checked against the key and the bucket's lock. */
function requestedDefaultRetention(
  p: Params,
  grant: Grant,
  fileLockEnabled: boolean,
): DefaultRetention | null | undefined {
  const retention = defaultRetentionOf(p);
  if (retention === undefined) return undefined;
  requireCapability(grant, 'writeBucketRetentions');
  if (retention && !fileLockEnabled)
    throw new B2Failure(400, 'bucket_missing_file_lock', 'A default retention needs fileLockEnabled');
  return retention;
}

/** `defaultRetention` as a record field: absent when none. */
const withDefaultRetention = (b: BucketRecord, retention: DefaultRetention | null | undefined) => {
  if (retention === undefined) return b;
  const { defaultRetention: _old, ...rest } = b;
  return retention ? { ...rest, defaultRetention: retention } : rest;
};

export const createBucket: JsonHandler = (x, p, grant) => {
  const { ctx } = x;
  requireAccount(ctx, p.accountId);
  requireCapability(grant, 'writeBuckets');
  const bucketName = reqString(p, 'bucketName');
  checkBucketName(bucketName);
  const type = bucketType(p, true)!;
  const existing = ctx.store.values('buckets');
  if (existing.some((b) => b.bucketName.toLowerCase() === bucketName.toLowerCase())) {
    throw new B2Failure(400, 'duplicate_bucket_name', 'Bucket name is already in use.');
  }
  if (existing.length >= Limits.maxBuckets) throw new B2Failure(400, 'too_many_buckets', 'Too many buckets');
  const fileLockEnabled = optBool(p, 'fileLockEnabled') ?? false;
  const retention = requestedDefaultRetention(p, grant, fileLockEnabled);
  const created: BucketRecord = {
    bucketId: newBucketId(),
    bucketName,
    bucketType: type,
    bucketInfo: bucketInfo(p) ?? {},
    corsRules: corsRules(p) ?? [],
    lifecycleRules: lifecycleRules(p) ?? [],
    defaultSse: defaultSse(p) ?? null,
    fileLockEnabled,
    // Recorded real traffic: a fresh bucket reports revision 2.
    revision: 2,
  };
  const bucket = withDefaultRetention(created, retention);
  ctx.store.put('buckets', bucket.bucketId, bucket);
  return bucketShape(ctx.account().accountId, bucket, grant);
};

export const listBuckets: JsonHandler = (x, p, grant) => {
  const { ctx } = x;
  requireAccount(ctx, p.accountId);
  requireCapability(grant, 'listBuckets');
  const bucketId = optString(p, 'bucketId');
  const bucketName = optString(p, 'bucketName');
  const types = (optStringArray(p, 'bucketTypes') ?? ['all']) as (BucketType | 'all')[];
  if (types.includes('all') && types.length > 1) throw badRequest('bucketTypes "all" must be alone');
  let buckets = ctx.store.values('buckets');
  if (grant.key.bucketIds) {
    // A bucket-restricted key must name one of its buckets.
    const named = buckets.find((b) => b.bucketId === bucketId || b.bucketName === bucketName);
    if (!named || !grant.key.bucketIds.includes(named.bucketId))
      throw unauthorized('key is restricted to a bucket');
  }
  buckets = buckets.filter(
    (b) =>
      (bucketId === undefined || b.bucketId === bucketId) &&
      (bucketName === undefined || b.bucketName === bucketName) &&
      (types.includes('all') || types.includes(b.bucketType)),
  );
  buckets.sort((a, b) => (a.bucketName < b.bucketName ? -1 : 1));
  return { buckets: buckets.map((b) => bucketShape(ctx.account().accountId, b, grant)) };
};

export const updateBucket: JsonHandler = (x, p, grant) => {
  const { ctx } = x;
  requireAccount(ctx, p.accountId);
  requireCapability(grant, 'writeBuckets');
  const bucket = bucketOrFail(ctx, reqString(p, 'bucketId'));
  requireBucket(grant, bucket.bucketId);
  const ifRevisionIs = optInt(p, 'ifRevisionIs');
  if (ifRevisionIs !== undefined && ifRevisionIs !== bucket.revision) {
    throw new B2Failure(409, 'conflict', 'simultaneous updates to bucket');
  }
  const lock = optBool(p, 'fileLockEnabled');
  if (bucket.fileLockEnabled && lock === false) {
    throw new B2Failure(400, 'file_lock_conflict', 'fileLockEnabled value of false is not allowed');
  }
  const fileLockEnabled = lock ?? bucket.fileLockEnabled;
  const retention = requestedDefaultRetention(p, grant, fileLockEnabled);
  const changed: BucketRecord = {
    ...bucket,
    bucketType: bucketType(p, false) ?? bucket.bucketType,
    bucketInfo: bucketInfo(p) ?? bucket.bucketInfo,
    corsRules: corsRules(p) ?? bucket.corsRules,
    lifecycleRules: lifecycleRules(p) ?? bucket.lifecycleRules,
    defaultSse: defaultSse(p) ?? bucket.defaultSse,
    fileLockEnabled,
    revision: bucket.revision + 1,
  };
  const updated = withDefaultRetention(changed, retention);
  ctx.store.put('buckets', bucket.bucketId, updated);
  return bucketShape(ctx.account().accountId, updated, grant);
};

export const deleteBucket: JsonHandler = (x, p, grant) => {
  const { ctx } = x;
  requireAccount(ctx, p.accountId);
  requireCapability(grant, 'deleteBuckets');
  const bucket = bucketOrFail(ctx, reqString(p, 'bucketId'));
  requireBucket(grant, bucket.bucketId);
  // Only a bucket with no file versions and no unfinished large files can go.
  if (ctx.store.values('files').some((f) => f.bucketId === bucket.bucketId)) {
    throw badRequest('Cannot delete non-empty bucket');
  }
  ctx.store.delete('buckets', bucket.bucketId);
  return bucketShape(ctx.account().accountId, bucket, grant);
};
