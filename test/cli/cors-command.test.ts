/**
 * `b2up cors` against a real emulator: prints the rule, merges it into the bucket's rules, and proves
 * it with a real preflight to a part-upload URL — allowed for the listed origin, denied for another —
 * leaving no unfinished large file behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createB2Client } from '../../src/b2/client.js';
import type { CorsRule } from '../../src/b2/wire.js';
import { B2UP_CORS_RULE_NAME, browserUploadCorsRule } from '../../src/broker/bucket-cors.js';
import { runCli } from '../../src/cli/cli.js';
import type { CliIo } from '../../src/cli/command.js';
import { parseCorsArgs } from '../../src/cli/cors.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';

const APP = 'https://app.example.com';
const OTHER = 'https://other.example.com';
const KEEP: CorsRule = {
  corsRuleName: 'downloads-for-everyone',
  allowedOrigins: ['*'],
  allowedOperations: ['b2_download_file_by_name'],
  allowedHeaders: ['range'],
  exposeHeaders: [],
  maxAgeSeconds: 60,
};

let emulator: Emulator;
let admin: ReturnType<typeof createB2Client>;
let bucketId: string;
const bucketName = 'cli-cors-bucket';
/** writeBuckets needs an unrestricted key (restricted keys can't hold it): the master key. */
let bucketAdminKey: { applicationKeyId: string; applicationKey: string };
/** A broker's key: restricted to the bucket, files only. */
let filesKey: { applicationKeyId: string; applicationKey: string };

beforeAll(async () => {
  emulator = await startEmulator();
  admin = createB2Client({
    applicationKeyId: emulator.keyId,
    applicationKey: emulator.key,
    realm: emulator.url,
  });
  ({ bucketId } = await admin.createBucket({ bucketName, bucketType: 'allPrivate', corsRules: [KEEP] }));
  bucketAdminKey = { applicationKeyId: emulator.keyId, applicationKey: emulator.key };
  const k = await admin.createKey({
    keyName: 'cors-files',
    capabilities: ['writeFiles', 'readFiles', 'listFiles'],
    bucketIds: [bucketId],
  });
  filesKey = { applicationKeyId: k.applicationKeyId, applicationKey: k.applicationKey };
});

afterAll(async () => {
  await emulator?.close();
});

async function cors(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    signal: new AbortController().signal,
  };
  const code = await runCli(['cors', ...args], io);
  return { code, out, err, text: out.join('\n') };
}

const withKey = (k: { applicationKeyId: string; applicationKey: string }) => [
  '--realm',
  emulator.url,
  '--key-id',
  k.applicationKeyId,
  '--key',
  k.applicationKey,
  '--bucket',
  bucketName,
];

async function bucketRules(): Promise<CorsRule[]> {
  const [bucket] = (await admin.listBuckets({ bucketName })).buckets;
  return bucket!.corsRules;
}

async function unfinishedFiles(): Promise<number> {
  return (await admin.listUnfinishedLargeFiles({ bucketId })).files.length;
}

describe('b2up cors (real emulator)', () => {
  it('prints the rule as JSON without touching B2 (no key needed)', async () => {
    const run = await cors(['--origin', APP, '--origin', `${OTHER}/`]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.text)).toEqual(browserUploadCorsRule([APP, OTHER]));
    expect(await bucketRules()).toEqual([KEEP]);
  });

  it('--check before --apply: the preflight is denied, exit 1, and the check file is cancelled', async () => {
    const run = await cors(['--origin', APP, '--check', ...withKey(filesKey)]);
    expect(run.code).toBe(1);
    expect(run.text).toMatch(new RegExp(`denied +${APP} \\(preflight answered 403\\)`));
    expect(await unfinishedFiles()).toBe(0);
  });

  it('--apply merges the rule, keeping the bucket’s other rules; running it again changes nothing', async () => {
    const run = await cors(['--origin', APP, '--apply', ...withKey(bucketAdminKey)]);
    expect(run.err).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.text).toMatch(/applied: bucket cli-cors-bucket now has 2 CORS rule\(s\)/);
    expect(await bucketRules()).toEqual([KEEP, browserUploadCorsRule([APP])]);
    expect((await cors(['--origin', APP, '--apply', ...withKey(bucketAdminKey)])).code).toBe(0);
    expect(await bucketRules()).toEqual([KEEP, browserUploadCorsRule([APP])]);
  });

  it('--check: allowed for the applied origin, denied for another, exit 1, nothing left unfinished', async () => {
    const allowed = await cors(['--origin', APP, '--check', ...withKey(filesKey)]);
    expect(allowed.err).toEqual([]);
    expect(allowed.code).toBe(0);
    expect(allowed.text).toMatch(new RegExp(`allowed +${APP}\n`));
    // The S3 path too: a presigned PUT's preflight, with the signed type, MD5 and file info.
    expect(allowed.text).toMatch(new RegExp(`allowed +${APP} \\(S3 PUT\\)`));

    const mixed = await cors(['--origin', APP, '--origin', OTHER, '--check', ...withKey(filesKey)]);
    expect(mixed.code).toBe(1);
    expect(mixed.text).toMatch(new RegExp(`allowed +${APP}`));
    expect(mixed.text).toMatch(new RegExp(`denied +${OTHER}`));
    expect(mixed.text).toMatch(new RegExp(`denied +${OTHER} \\(S3 PUT: `));
    expect(mixed.text).toMatch(/2 preflight\(s\) denied/);
    expect(await unfinishedFiles()).toBe(0);
    // Nothing was stored either: the check never uploads a part.
    expect((await admin.listFileVersions({ bucketId })).files).toEqual([]);
  });

  it('a rule without the S3 operations (--native-only) passes the part preflight and fails the S3 one', async () => {
    expect((await cors(['--origin', APP, '--native-only', '--apply', ...withKey(bucketAdminKey)])).code).toBe(
      0,
    );
    const rule = (await bucketRules()).find((r) => r.corsRuleName === B2UP_CORS_RULE_NAME);
    expect(rule?.allowedOperations).toEqual(['b2_upload_part']);
    const checked = await cors(['--origin', APP, '--check', ...withKey(filesKey)]);
    expect(checked.code).toBe(1);
    expect(checked.text).toMatch(new RegExp(`allowed +${APP}\n`));
    expect(checked.text).toMatch(new RegExp(`denied +${APP} \\(S3 PUT: `));
    expect((await cors(['--origin', APP, '--native-only', '--check', ...withKey(filesKey)])).code).toBe(0);
    expect((await cors(['--origin', APP, '--apply', ...withKey(bucketAdminKey)])).code).toBe(0);
    expect(
      (await bucketRules()).find((r) => r.corsRuleName === B2UP_CORS_RULE_NAME)?.exposeHeaders,
    ).toContain('etag');
  });

  it('--apply with a key lacking writeBuckets fails with exit 1 and says what is missing', async () => {
    const run = await cors(['--origin', OTHER, '--apply', ...withKey(filesKey)]);
    expect(run.code).toBe(1);
    expect(run.err.join('\n')).toMatch(/B2 refused \(401 unauthorized\)[\s\S]*writeBuckets/);
    expect((await bucketRules()).find((r) => r.corsRuleName === B2UP_CORS_RULE_NAME)?.allowedOrigins).toEqual(
      [APP],
    );
  });
});

describe('b2up cors arguments', () => {
  it('needs an origin, and a key and bucket only with --apply or --check', () => {
    expect(() => parseCorsArgs([], {})).toThrow(/--origin/);
    expect(parseCorsArgs(['--origin', '*'], {}).b2).toBeUndefined();
    expect(() => parseCorsArgs(['--origin', APP, '--check'], {})).toThrow(/B2 key/);
    expect(() => parseCorsArgs(['--origin', 'not an origin'], {})).toThrow(/--origin/);
    const env = { B2_APPLICATION_KEY_ID: 'i', B2_APPLICATION_KEY: 'k', B2_BUCKET: 'b' };
    expect(parseCorsArgs(['--origin', 'https://*.example.com', '--apply'], env)).toMatchObject({
      origins: ['https://*.example.com'],
      b2: { bucket: 'b', credentials: { applicationKeyId: 'i' } },
    });
  });
});
