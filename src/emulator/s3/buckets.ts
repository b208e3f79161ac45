/**
 * Bucket-level operations: ListBuckets, HeadBucket, GetBucketLocation, GetBucketVersioning, the ACL
 * reads, Get/Put/DeleteBucketCors (over the bucket's native `corsRules`), Get/PutBucketEncryption (its
 * default SSE) and the Object Lock reads that have native data behind them.
 */
import type { CorsOperation, CorsRule } from '../../b2/wire.js';
import type { BucketRecord } from '../model.js';
import { S3Failure, accessDenied, invalidArgument } from './errors.js';
import { owner } from './listing.js';
import {
  type S3Request,
  allow,
  bucketOf,
  isoDate,
  keyOf,
  objectTarget,
  readXml,
  sendEmpty,
  sendXml,
  signedGrant,
} from './request.js';
import { readableVersion } from './versions.js';
import { type XmlObject, childrenOf, textOf, textsOf } from './xml.js';

function updateBucket(r: S3Request, bucket: BucketRecord, change: Partial<BucketRecord>): void {
  r.ctx.store.put('buckets', bucket.bucketId, { ...bucket, ...change, revision: bucket.revision + 1 });
}

/** Only the buckets the key may see (all, or its bucket restriction). */
export async function listBuckets(r: S3Request): Promise<void> {
  const grant = signedGrant(r);
  if (!grant.key.capabilities.includes('listBuckets')) throw accessDenied();
  const allowed = grant.key.bucketIds;
  const buckets = r.ctx.store
    .values('buckets')
    .filter((b) => !allowed || allowed.includes(b.bucketId))
    .sort((a, b) => (a.bucketName < b.bucketName ? -1 : 1));
  await sendXml(r, 'ListAllMyBucketsResult', {
    Owner: owner(r),
    // Bucket records keep no creation time; the epoch stands in.
    Buckets: { Bucket: buckets.map((b) => ({ Name: b.bucketName, CreationDate: isoDate(0) })) },
  });
}

/** A key restricted to other buckets is refused; any capability on this bucket will do. */
function requireBucketAccess(r: S3Request, bucket: BucketRecord): void {
  const allowed = signedGrant(r).key.bucketIds;
  if (allowed && !allowed.includes(bucket.bucketId)) throw accessDenied();
}

export async function headBucket(r: S3Request): Promise<void> {
  const bucket = bucketOf(r);
  if (r.grant || bucket.bucketType !== 'allPublic') requireBucketAccess(r, bucket);
  await sendEmpty(r, 200, { 'x-amz-bucket-region': r.ctx.settings.region });
}

export async function getBucketLocation(r: S3Request): Promise<void> {
  const bucket = bucketOf(r);
  requireBucketAccess(r, bucket);
  await r.x.send(
    200,
    { ...r.headers, 'Content-Type': 'application/xml' },
    locationXml(r.ctx.settings.region),
  );
}

function locationXml(region: string): Buffer {
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${region}</LocationConstraint>`,
  );
}

/** B2 keeps every version: versioning is always on. */
export async function getBucketVersioning(r: S3Request): Promise<void> {
  const bucket = bucketOf(r);
  requireBucketAccess(r, bucket);
  await sendXml(r, 'VersioningConfiguration', { Status: 'Enabled' });
}

function aclXml(r: S3Request, bucket: BucketRecord): XmlObject {
  const grants: XmlObject[] = [
    {
      Grantee: {
        '@_xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
        '@_xsi:type': 'CanonicalUser',
        ...owner(r),
      },
      Permission: 'FULL_CONTROL',
    },
  ];
  if (bucket.bucketType === 'allPublic') {
    grants.push({
      Grantee: {
        '@_xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
        '@_xsi:type': 'Group',
        URI: 'http://acs.amazonaws.com/groups/global/AllUsers',
      },
      Permission: 'READ',
    });
  }
  return { Owner: owner(r), AccessControlList: { Grant: grants } };
}

export async function getBucketAcl(r: S3Request): Promise<void> {
  const bucket = bucketOf(r);
  allow(r, 'readBuckets', bucket);
  await sendXml(r, 'AccessControlPolicy', aclXml(r, bucket));
}

/** An object's ACL is always its bucket's on B2. */
export async function getObjectAcl(r: S3Request): Promise<void> {
  const bucket = bucketOf(r);
  allow(r, 'readFiles', bucket, keyOf(r));
  readableVersion(r, bucket, keyOf(r));
  await sendXml(r, 'AccessControlPolicy', aclXml(r, bucket));
}

/** S3 CORS methods ↔ B2's `s3_*` CORS operations. */
const METHOD_OPERATIONS: Record<string, CorsOperation> = {
  GET: 's3_get',
  HEAD: 's3_head',
  PUT: 's3_put',
  POST: 's3_post',
  DELETE: 's3_delete',
};

export async function getBucketCors(r: S3Request): Promise<void> {
  const bucket = bucketOf(r);
  allow(r, 'readBuckets', bucket);
  const rules = bucket.corsRules.filter((rule) => rule.allowedOperations.some((op) => op.startsWith('s3_')));
  if (rules.length === 0) {
    throw new S3Failure(404, 'NoSuchCORSConfiguration', 'The CORS configuration does not exist');
  }
  const methodOf = Object.fromEntries(Object.entries(METHOD_OPERATIONS).map(([m, op]) => [op, m]));
  await sendXml(r, 'CORSConfiguration', {
    CORSRule: rules.map((rule) => ({
      ID: rule.corsRuleName,
      AllowedOrigin: rule.allowedOrigins,
      AllowedMethod: rule.allowedOperations.flatMap((op) => (methodOf[op] ? [methodOf[op]] : [])),
      AllowedHeader: rule.allowedHeaders ?? [],
      ExposeHeader: rule.exposeHeaders ?? [],
      MaxAgeSeconds: rule.maxAgeSeconds,
    })),
  });
}

/** S3 rule ids may hold anything; B2 rule names are 6–50 letters, digits and `-`. */
function ruleName(id: string | undefined, index: number): string {
  return id && /^[A-Za-z0-9-]{6,50}$/.test(id) && !id.startsWith('b2-') ? id : `s3-cors-rule-${index + 1}`;
}

/** The S3 CORS document as B2 rules; they replace the bucket's rules, as PutBucketCors replaces S3's. */
function corsRulesOf(doc: XmlObject): CorsRule[] {
  const rules = childrenOf(doc, 'CORSRule');
  if (rules.length === 0 || rules.length > 100)
    throw new S3Failure(400, 'MalformedXML', 'CORSConfiguration needs 1 to 100 CORSRule');
  return rules.map((rule, i) => {
    const origins = textsOf(rule, 'AllowedOrigin');
    if (origins.length === 0 || origins.some((o) => !o))
      throw invalidArgument('AllowedOrigin must not be empty');
    const methods = textsOf(rule, 'AllowedMethod');
    if (methods.length === 0) throw new S3Failure(400, 'MalformedXML', 'A CORSRule needs an AllowedMethod');
    const operations = methods.map((m) => {
      const op = METHOD_OPERATIONS[m];
      if (!op)
        throw invalidArgument(`Found unsupported HTTP method in CORS config. Unsupported method is ${m}`);
      return op;
    });
    const maxAgeText = textOf(rule, 'MaxAgeSeconds');
    const maxAge = maxAgeText === undefined ? 0 : Number(maxAgeText);
    if (!Number.isInteger(maxAge) || maxAge < 0 || maxAge > 86_400)
      throw invalidArgument('MaxAgeSeconds must be 0 to 86400');
    const headers = textsOf(rule, 'AllowedHeader');
    const expose = textsOf(rule, 'ExposeHeader');
    return {
      corsRuleName: ruleName(textOf(rule, 'ID'), i),
      allowedOrigins: origins,
      allowedOperations: [...new Set(operations)],
      allowedHeaders: headers.length ? headers : null,
      exposeHeaders: expose.length ? expose : null,
      maxAgeSeconds: maxAge,
    };
  });
}

export async function putBucketCors(r: S3Request): Promise<void> {
  const bucket = bucketOf(r);
  allow(r, 'writeBuckets', bucket);
  const corsRules = corsRulesOf(await readXml(r, 'CORSConfiguration'));
  updateBucket(r, bucket, { corsRules });
  await sendEmpty(r, 200);
}

export async function deleteBucketCors(r: S3Request): Promise<void> {
  const bucket = bucketOf(r);
  allow(r, 'writeBuckets', bucket);
  updateBucket(r, bucket, { corsRules: [] });
  await sendEmpty(r, 204);
}

export async function getBucketEncryption(r: S3Request): Promise<void> {
  const bucket = bucketOf(r);
  allow(r, 'readBucketEncryption', bucket);
  if (!bucket.defaultSse) {
    throw new S3Failure(
      404,
      'ServerSideEncryptionConfigurationNotFoundError',
      'The server side encryption configuration was not found',
    );
  }
  await sendXml(r, 'ServerSideEncryptionConfiguration', {
    Rule: { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
  });
}

export async function putBucketEncryption(r: S3Request): Promise<void> {
  const bucket = bucketOf(r);
  allow(r, 'writeBucketEncryption', bucket);
  const doc = await readXml(r, 'ServerSideEncryptionConfiguration');
  const rules = childrenOf(doc, 'Rule');
  const byDefault = rules[0]?.ApplyServerSideEncryptionByDefault;
  const algorithm =
    typeof byDefault === 'object' && !Array.isArray(byDefault)
      ? textOf(byDefault, 'SSEAlgorithm')
      : undefined;
  if (rules.length !== 1 || algorithm === undefined)
    throw new S3Failure(400, 'MalformedXML', 'One Rule with ApplyServerSideEncryptionByDefault is required');
  if (algorithm !== 'AES256') throw invalidArgument(`SSEAlgorithm ${algorithm} is not supported; use AES256`);
  updateBucket(r, bucket, { defaultSse: 'SSE-B2' });
  await sendEmpty(r, 200);
}

export async function getObjectLockConfiguration(r: S3Request): Promise<void> {
  const bucket = bucketOf(r);
  allow(r, 'readBucketRetentions', bucket);
  if (!bucket.fileLockEnabled) {
    throw new S3Failure(
      404,
      'ObjectLockConfigurationNotFoundError',
      'Object Lock configuration does not exist for this bucket',
    );
  }
  const d = bucket.defaultRetention;
  const rule = d && {
    DefaultRetention: {
      Mode: d.mode.toUpperCase(),
      [d.period.unit === 'days' ? 'Days' : 'Years']: d.period.duration,
    },
  };
  await sendXml(r, 'ObjectLockConfiguration', { ObjectLockEnabled: 'Enabled', Rule: rule });
}

const noLock = () =>
  new S3Failure(
    404,
    'NoSuchObjectLockConfiguration',
    'The specified object does not have a ObjectLock configuration',
  );

/** A version's retention, as B2 keeps it (set natively or with x-amz-object-lock-* headers). */
export async function getObjectRetention(r: S3Request): Promise<void> {
  const { bucket, key } = objectTarget(r, 'readFileRetentions');
  const { retention } = readableVersion(r, bucket, key);
  if (!retention) throw noLock();
  await sendXml(r, 'Retention', {
    Mode: retention.mode.toUpperCase(),
    RetainUntilDate: isoDate(retention.retainUntilTimestamp),
  });
}

export async function getObjectLegalHold(r: S3Request): Promise<void> {
  const { bucket, key } = objectTarget(r, 'readFileLegalHolds');
  const { legalHold } = readableVersion(r, bucket, key);
  if (!legalHold) throw noLock();
  await sendXml(r, 'LegalHold', { Status: legalHold.toUpperCase() });
}
