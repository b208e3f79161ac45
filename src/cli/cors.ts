/**
 * `b2up cors`: the bucket CORS rule browser uploads need — printed, merged into the bucket (`--apply`),
 * and proven with a real preflight against a part-upload URL (`--check`).
 */
import { parseArgs } from 'node:util';
import type { B2Client } from '../b2/client.js';
import { isB2Error } from '../b2/errors.js';
import type { CorsRule } from '../b2/wire.js';
import { browserUploadCorsRule, withBrowserUploadRule } from '../broker/bucket-cors.js';
import { asUsage, isWildcardOrigin, originFlag } from './args.js';
import {
  type B2Credentials,
  CREDENTIAL_FLAGS,
  CREDENTIAL_HELP,
  readBucket,
  readCredentials,
} from './b2-credentials.js';
import { type CliCommand, type CliIo, ExitCode, UsageError } from './command.js';
import {
  CHECK_PREFIX,
  checkPartPreflights,
  checkS3Preflights,
  PART_REQUEST_HEADERS,
  S3_PUT_REQUEST_HEADERS,
} from './cors-check.js';

const help = `Usage: b2up cors --origin URL... [--bucket NAME] [--apply] [--check] [options]

Prints, as JSON, the bucket CORS rule that lets pages on the given origins upload straight to B2:
parts to B2's part URLs, small files (and S3-transport parts) to B2's S3 endpoint by presigned
PUT (rule name "b2up-browser-uploads"; the bucket's other rules are left alone).

Options:
  --origin URL         a page origin, e.g. https://app.example.com (repeatable, at least one);
                       B2's patterns * , https and https://*.example.com are accepted too
  --direct-small-files also allow b2_upload_file (only for a broker with smallFiles: 'direct')
  --native-only        leave out the S3 operations (s3_put, s3_get, s3_delete) and headers, for
                       a broker that proxies small files and never signs S3
  --apply              merge the rule into the bucket's rules (the key needs writeBuckets, which
                       B2 only grants to keys not restricted to a bucket, e.g. the master key)
  --check              send a real preflight from each origin to a part-upload URL of the bucket,
                       and one to the bucket on the S3 endpoint (a presigned PUT's), as a browser
                       would, and report allowed/denied (exit 1 if any is denied).
                       Starts a large file named ${CHECK_PREFIX}<uuid> and cancels it.
                       (the key needs writeFiles)
  -h, --help           show this help

${CREDENTIAL_HELP}
  (a key and bucket are only needed with --apply or --check)`;

export interface CorsCliOptions {
  origins: string[];
  directSmallFiles: boolean;
  /** Leave the S3 operations out of the rule (and out of --check). */
  nativeOnly: boolean;
  apply: boolean;
  check: boolean;
  /** Set when --apply or --check needs B2. */
  b2: { credentials: B2Credentials; bucket: string } | undefined;
}

const FLAGS = {
  ...CREDENTIAL_FLAGS,
  origin: { type: 'string', multiple: true },
  'direct-small-files': { type: 'boolean' },
  'native-only': { type: 'boolean' },
  apply: { type: 'boolean' },
  check: { type: 'boolean' },
} as const;

export function parseCorsArgs(args: string[], env: NodeJS.ProcessEnv = process.env): CorsCliOptions {
  const { values } = asUsage(() =>
    parseArgs({ args, options: FLAGS, strict: true, allowPositionals: false }),
  );
  const origins = (values.origin ?? []).map((origin) => originFlag(origin, { patterns: true }));
  if (origins.length === 0) throw new UsageError('name at least one --origin');
  const apply = values.apply ?? false;
  const check = values.check ?? false;
  return {
    origins,
    directSmallFiles: values['direct-small-files'] ?? false,
    nativeOnly: values['native-only'] ?? false,
    apply,
    check,
    b2:
      apply || check
        ? { credentials: readCredentials(values, env), bucket: readBucket(values, env) }
        : undefined,
  };
}

export const corsCommand: CliCommand = {
  name: 'cors',
  summary: 'print, apply (--apply) or check (--check) the bucket CORS rule browser uploads need',
  help,
  run: (args, io) => runCors(parseCorsArgs(args), io),
};

export async function runCors(options: CorsCliOptions, io: CliIo): Promise<number> {
  const rule = browserUploadCorsRule(options.origins, {
    directSmallFiles: options.directSmallFiles,
    s3: !options.nativeOnly,
  });
  io.out(JSON.stringify(rule, null, 2));
  if (!options.b2) return ExitCode.ok;
  const { createB2Client } = await import('../b2/client.js');
  const client = createB2Client({ ...options.b2.credentials });
  const bucket = options.b2.bucket;
  try {
    if (options.apply) await applyRule(client, bucket, rule, io);
    if (options.check) return await check(client, bucket, options, io);
    return ExitCode.ok;
  } catch (error) {
    if (!isB2Error(error)) throw error;
    io.err(
      `b2up cors: B2 refused (${error.status} ${error.code}): ${error.message}${hint(error.code, options)}`,
    );
    return ExitCode.failure;
  }
}

function hint(code: string, options: CorsCliOptions): string {
  if (code !== 'unauthorized' && code !== 'access_denied') return '';
  const needs = [
    options.apply ? 'writeBuckets (for --apply; only unrestricted keys can hold it)' : '',
    options.check ? 'writeFiles (for --check)' : '',
  ]
    .filter(Boolean)
    .join(' and ');
  return `\n  the key may lack ${needs}, or not be allowed on this bucket`;
}

async function applyRule(client: B2Client, bucketName: string, rule: CorsRule, io: CliIo): Promise<void> {
  const [bucket] = (await client.listBuckets({ bucketName })).buckets;
  if (!bucket) throw new Error(`no bucket named "${bucketName}" for this key`);
  const corsRules = withBrowserUploadRule(bucket.corsRules, rule);
  // ifRevisionIs: if someone else changed the bucket since we read it, fail rather than drop their change.
  await client.updateBucket({ bucketId: bucket.bucketId, corsRules, ifRevisionIs: bucket.revision });
  io.out(
    `applied: bucket ${bucketName} now has ${corsRules.length} CORS rule(s), "${rule.corsRuleName}" among them`,
  );
}

async function check(
  client: B2Client,
  bucketName: string,
  options: CorsCliOptions,
  io: CliIo,
): Promise<number> {
  const origins = options.origins;
  const concrete = origins.filter((o) => o !== '*' && !isWildcardOrigin(o) && o.includes('://'));
  for (const pattern of origins.filter((o) => !concrete.includes(o))) {
    io.out(`skipped  ${pattern} (a pattern; pass a concrete origin to check it)`);
  }
  if (concrete.length === 0) return ExitCode.ok;
  const bucketId = await findBucketId(client, bucketName);
  const results = await checkPartPreflights(client, bucketId, concrete);
  for (const r of results) {
    io.out(r.allowed ? `allowed  ${r.origin}` : `denied   ${r.origin} (${r.reason})`);
  }
  const s3Results = options.nativeOnly ? [] : await checkS3Preflights(client, bucketName, concrete);
  for (const r of s3Results) {
    io.out(r.allowed ? `allowed  ${r.origin} (S3 PUT)` : `denied   ${r.origin} (S3 PUT: ${r.reason})`);
  }
  const denied = [...results, ...s3Results].filter((r) => !r.allowed).length;
  io.out(
    denied === 0
      ? `ok: B2 approves part uploads (headers ${PART_REQUEST_HEADERS})${
          options.nativeOnly ? '' : ` and S3 PUTs (headers ${S3_PUT_REQUEST_HEADERS})`
        } from every origin checked`
      : `${denied} preflight(s) denied: run with --apply (or fix the bucket's rules; an earlier rule can shadow b2up's)`,
  );
  return denied === 0 ? ExitCode.ok : ExitCode.failure;
}

/** The bucket's id: from the key's own restriction when it has one (no listBuckets capability needed). */
async function findBucketId(client: B2Client, bucketName: string): Promise<string> {
  const { allowed } = await client.authorize();
  const restricted = allowed.buckets?.find((b) => b.name === bucketName || b.id === bucketName);
  if (restricted) return restricted.id;
  const [bucket] = (await client.listBuckets({ bucketName })).buckets;
  if (!bucket) throw new Error(`no bucket named "${bucketName}" for this key`);
  return bucket.bucketId;
}
