/**
 * Suite 5, emulator fuzzing (docs/reliability.md#emulator-fuzzing): a seeded, time-bounded run that
 * mutates every endpoint's headers, query and body, on raw sockets (so bodies can be truncated and
 * senders slow), the S3 operations through signed requests (s3-fuzz.ts). Bars: no crash (health
 * checked after each batch), no 5xx but the injected ones, no file written outside the data directory,
 * a wrong SHA-1 (S3: Content-MD5 or signed SHA-256) stores nothing, an S3 request whose signature
 * was broken is refused and changes nothing, and every stored object reads back with the SHA-1
 * recorded for it.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { baseSeed, figure, isLong, writeFigures } from '../../e2e/reliability/figures.js';
import { createB2Client } from '../../src/b2/client.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { ENDPOINT_NAMES } from '../../src/emulator/faults/endpoints.js';
import { mulberry32 } from '../../src/emulator/faults/random.js';
import { ALL_FILE_CAPABILITIES } from '../emulator-s3/helpers.js';
import { buildS3Request } from './s3-fuzz.js';

/**
 * How long to fuzz: B2UP_FUZZ_MS, else 600 s for the long run, 60 s under `npm run test:reliability`
 * (which sets B2UP_FIGURES_DIR), and a 5 s smoke run inside the ordinary unit suite.
 */
const DURATION_MS = Number(
  process.env.B2UP_FUZZ_MS ?? (isLong() ? 600_000 : process.env.B2UP_FIGURES_DIR ? 60_000 : 5_000),
);
const BATCH = 40;
const MIN_PART = 100;
const INJECTED_RATE = 0.02;

let parent: string;
let emulator: Emulator;
let admin: ReturnType<typeof createB2Client>;
let bucketId: string;
/** An application key for the S3 half (S3 refuses the master key). */
let s3Key: { keyId: string; key: string };
const bucketName = 'fuzz-bucket';
const unhandled: unknown[] = [];
const onUnhandled = (error: unknown) => unhandled.push(error);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
  parent = await mkdtemp(join(tmpdir(), 'b2up-fuzz-'));
  emulator = await startEmulator({ dataDir: join(parent, 'data'), minPartSize: MIN_PART });
  admin = createB2Client({
    applicationKeyId: emulator.keyId,
    applicationKey: emulator.key,
    realm: emulator.url,
  });
  ({ bucketId } = await admin.createBucket({ bucketName, bucketType: 'allPrivate' }));
  const created = await admin.createKey({ keyName: 'fuzz-s3', capabilities: [...ALL_FILE_CAPABILITIES] });
  s3Key = { keyId: created.applicationKeyId, key: created.applicationKey };
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
  await emulator?.close();
  await rm(parent, { recursive: true, force: true });
});

interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Send only this many body bytes, then end the socket (Content-Length stays the full size). */
  truncateAt?: number;
  /** Send the body in small chunks with pauses. */
  slow?: boolean;
}

interface RawResponse {
  status: number;
  body: Buffer;
}

function send(req: RawRequest): Promise<RawResponse | 'dropped'> {
  const url = new URL(emulator.url);
  return new Promise((resolve) => {
    for (const [name, value] of Object.entries(req.headers))
      if (typeof value !== 'string') delete req.headers[name];
    const r = request(
      { host: url.hostname, port: url.port, method: req.method, path: req.path, headers: req.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', () => resolve('dropped'));
      },
    );
    // A body that never arrives in full is rightly waited for; the client gives up, not the server.
    r.setTimeout(2_000, () => r.destroy());
    r.on('error', () => resolve('dropped'));
    const body = req.body ?? Buffer.alloc(0);
    if (req.truncateAt !== undefined) {
      r.write(body.subarray(0, req.truncateAt));
      setTimeout(() => r.destroy(), 20);
      return;
    }
    if (req.slow && body.length > 0) {
      let offset = 0;
      const chunk = Math.max(64, Math.ceil(body.length / 100));
      const tick = () => {
        if (offset >= body.length) return void r.end();
        r.write(body.subarray(offset, offset + chunk));
        offset += chunk;
        setTimeout(tick, 2);
      };
      tick();
      return;
    }
    r.end(body);
  });
}

const sha1 = (data: Buffer) => createHash('sha1').update(data).digest('hex');

interface Tokens {
  apiToken: string;
  uploadPath: string;
  uploadToken: string;
  largeFileId: string;
  largeFileName: string;
  partPath: string;
  partToken: string;
  someFileId: string;
  someFileName: string;
}

async function freshTokens(): Promise<Tokens> {
  // The schedule injects 5xx here too: ask again until a token comes.
  let auth: { authorizationToken?: string } = {};
  while (!auth.authorizationToken) {
    auth = await fetch(`${emulator.url}/b2api/v4/b2_authorize_account`, {
      headers: {
        Authorization: `Basic ${Buffer.from(`${emulator.keyId}:${emulator.key}`).toString('base64')}`,
      },
    }).then((r) => r.json() as Promise<{ authorizationToken?: string }>);
  }
  const upload = await admin.getUploadUrl({ bucketId });
  const large = await admin.startLargeFile({
    bucketId,
    fileName: `fuzz/large-${Date.now()}`,
    contentType: 'b2/x-auto',
  });
  const part = await admin.getUploadPartUrl({ fileId: large.fileId ?? '' });
  const files = await admin.listFileNames({ bucketId, maxFileCount: 1 });
  return {
    apiToken: auth.authorizationToken,
    uploadPath: new URL(upload.uploadUrl).pathname,
    uploadToken: upload.authorizationToken,
    largeFileId: large.fileId ?? '',
    largeFileName: large.fileName,
    partPath: new URL(part.uploadUrl).pathname,
    partToken: part.authorizationToken,
    someFileId: files.files[0]?.fileId ?? 'none',
    someFileName: files.files[0]?.fileName ?? 'none',
  };
}

// Values a field may take: plausible, wrong-typed, huge, hostile.
const NASTY = [
  0,
  -1,
  1,
  10001,
  2 ** 31,
  2 ** 53,
  -(2 ** 53),
  1e308,
  0.5,
  Number.NaN,
  '',
  ' ',
  'x'.repeat(5000),
  '../../../../etc/passwd',
  '..\\..\\x',
  '/abs',
  'a\u0000b',
  '\r\n',
  '%00',
  '%2e%2e%2f',
  '{}',
  '[]',
  null,
  true,
  false,
  [],
  {},
  [1, 2],
  { a: { b: 1 } },
  '😀',
  '\uD800',
  'b2/x-auto',
  'text/html',
];
const FIELDS = [
  'accountId',
  'bucketId',
  'bucketName',
  'bucketType',
  'fileId',
  'fileName',
  'fileNamePrefix',
  'partNumber',
  'startFileName',
  'startFileId',
  'maxFileCount',
  'maxPartCount',
  'startPartNumber',
  'partSha1Array',
  'contentType',
  'fileInfo',
  'prefix',
  'delimiter',
  'sourceFileId',
  'sourceLargeFileId',
  'range',
  'validDurationInSeconds',
  'capabilities',
  'keyName',
  'applicationKeyId',
  'corsRules',
  'lifecycleRules',
  'bucketInfo',
  'ifRevisionMatch',
  'metadataDirective',
];

/** encodeURI(Component) throws on lone surrogates, which fuzzed values may hold. */
function safeEncodeUri(name: string, encode: (value: string) => string = encodeURI): string {
  try {
    return encode(name);
  } catch {
    return '%ED%A0%80';
  }
}

/** A picked value as a query-string value: strings as they are, anything else as JSON. */
function asText(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

function deepJson(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

type Pick = <T>(list: readonly T[]) => T;

function mutateHeaders(headers: Record<string, string>, random: () => number, pick: Pick): void {
  const roll = random();
  if (roll < 0.15) delete headers.Authorization;
  else if (roll < 0.25)
    headers.Authorization = pick([
      '',
      'garbage',
      `4_${'A'.repeat(200)}.${'B'.repeat(27)}`,
      'Basic !!!',
      'x'.repeat(8000),
    ]);
  if (random() < 0.2)
    headers['X-Bz-Part-Number'] = String(
      pick(['0', '10001', String(2 ** 53), '-1', '1.5', 'abc', '', '1e3']),
    );
  if (random() < 0.2)
    headers['X-Bz-Content-Sha1'] = pick([
      '',
      'zz',
      '0'.repeat(40),
      'do_not_verify',
      'hex_digits_at_end',
      'A'.repeat(40),
      'unverified:x',
    ]);
  if (random() < 0.2)
    headers['X-Bz-File-Name'] = pick([
      '',
      '..%2F..%2Fx',
      '%00',
      'a%0D%0Ab',
      '%ZZ',
      encodeURIComponent('x'.repeat(1100)),
      '%2F',
      'ok.txt',
    ]);
  if (random() < 0.1) headers['Content-Type'] = pick(['', 'text/html', 'a/b; x=', '\t', 'application/json']);
  if (random() < 0.1) headers['X-Bz-Info-src_last_modified_millis'] = pick(['-1', 'abc', '9'.repeat(40)]);
  if (random() < 0.1)
    headers['X-Bz-Test-Mode'] = pick(['fail_some_uploads', 'nonsense', 'force_cap_exceeded']);
  if (random() < 0.05)
    headers.Range = pick([
      'bytes=0-0',
      'bytes=-1',
      'bytes=5-2',
      'bytes=0-99999999999',
      'items=1-2',
      'bytes=a-b',
    ]);
}

function jsonBody(random: () => number, pick: Pick, t: Tokens): Buffer {
  const roll = random();
  if (roll < 0.05) return Buffer.from(deepJson(Math.floor(random() * 20000)));
  if (roll < 0.1)
    return Buffer.from(pick(['{', 'null', '[]', '"x"', '1', '{"a":}', '\u0000', '{"bucketId":"x"}{}', '']));
  const body: Record<string, unknown> = {};
  const plausible: Record<string, unknown> = {
    bucketId,
    bucketName,
    fileId: pick([t.largeFileId, t.someFileId]),
    fileName: t.someFileName,
    partNumber: 1,
    maxFileCount: 10,
    partSha1Array: ['0'.repeat(40)],
    contentType: 'b2/x-auto',
    bucketType: 'allPrivate',
  };
  for (const field of FIELDS) {
    const r = random();
    if (r < 0.25) body[field] = pick(NASTY);
    else if (r < 0.5 && field in plausible) body[field] = plausible[field];
  }
  return Buffer.from(JSON.stringify(body));
}

function buildRequest(
  endpoint: string,
  random: () => number,
  t: Tokens,
): { req: RawRequest; badSha1Upload: boolean; brokenAuth: boolean } {
  const pick: Pick = (list) => list[Math.floor(random() * list.length)]!;
  const version = pick(['v1', 'v2', 'v3', 'v4']);
  const headers: Record<string, string> = {};
  let req: RawRequest;
  let s3BadDigest = false;
  let brokenAuth = false;
  let payload = Buffer.from(
    createHash('sha256')
      .update(String(random()))
      .digest('hex')
      .repeat(1 + Math.floor(random() * 8)),
  );
  switch (endpoint) {
    case 'b2_authorize_account':
      headers.Authorization = `Basic ${Buffer.from(`${emulator.keyId}:${pick([emulator.key, 'wrong', ''])}`).toString('base64')}`;
      req = { method: 'GET', path: `/b2api/${version}/b2_authorize_account`, headers };
      break;
    case 'b2_upload_file':
      headers.Authorization = t.uploadToken;
      headers['X-Bz-File-Name'] = encodeURIComponent(`fuzz/${Math.floor(random() * 1e9)}.bin`);
      headers['Content-Type'] = 'b2/x-auto';
      headers['X-Bz-Content-Sha1'] = sha1(payload);
      req = { method: 'POST', path: t.uploadPath.replace(/v\d/, version), headers, body: payload };
      break;
    case 'b2_upload_part':
      headers.Authorization = t.partToken;
      headers['X-Bz-Part-Number'] = String(1 + Math.floor(random() * 3));
      headers['X-Bz-Content-Sha1'] = sha1(payload);
      req = { method: 'POST', path: t.partPath.replace(/v\d/, version), headers, body: payload };
      break;
    case 'b2_download_file_by_id':
      headers.Authorization = t.apiToken;
      req = {
        method: pick(['GET', 'HEAD', 'POST']),
        path: `/b2api/${version}/b2_download_file_by_id?fileId=${safeEncodeUri(asText(pick([t.someFileId, t.largeFileId, ...NASTY])), encodeURIComponent)}`,
        headers,
      };
      break;
    case 'b2_download_file_by_name':
      headers.Authorization = t.apiToken;
      req = {
        method: pick(['GET', 'HEAD']),
        path: `/file/${pick([bucketName, '..', '%2e%2e', 'other'])}/${pick([safeEncodeUri(t.someFileName), '..%2F..%2Fetc%2Fpasswd', '%00', 'a/../../b', '%ZZ'])}`,
        headers,
      };
      break;
    default: {
      if (endpoint.startsWith('s3:')) {
        const s3 = buildS3Request(
          endpoint,
          {
            host: new URL(emulator.url).host,
            region: emulator.region,
            bucketName,
            ...s3Key,
            now: emulator.clock.now(),
            uploadId: t.largeFileId,
            uploadKey: t.largeFileName,
            someKey: t.someFileName,
          },
          random,
          pick,
          payload,
        );
        req = { method: s3.method, path: s3.path, headers: s3.headers, body: s3.body };
        s3BadDigest = s3.badDigest;
        brokenAuth = s3.brokenAuth;
        break;
      }
      headers.Authorization = t.apiToken;
      const asGet = random() < 0.2;
      const body = jsonBody(random, pick, t);
      if (asGet) {
        let query: string;
        try {
          query = new URLSearchParams(
            Object.entries(JSON.parse(body.toString()) as Record<string, unknown>).map(([k, v]) => [
              k,
              typeof v === 'string' ? v : JSON.stringify(v),
            ]),
          ).toString();
        } catch {
          query = 'bucketId=%ZZ&maxFileCount=1e400';
        }
        req = { method: 'GET', path: `/b2api/${version}/${endpoint}?${query}`, headers };
      } else {
        headers['Content-Type'] = 'application/json';
        req = { method: 'POST', path: `/b2api/${version}/${endpoint}`, headers, body };
      }
    }
  }
  const uploading = endpoint === 'b2_upload_file' || endpoint === 'b2_upload_part';
  // Half the requests go out unmutated, so the run also stores things the integrity pass can check.
  // (S3 requests carry their own mutations: a mutated signed header only tests the signature.)
  if (!endpoint.startsWith('s3:') && random() < 0.5) mutateHeaders(req.headers, random, pick);
  let badSha1Upload = s3BadDigest;
  if (uploading && random() < 0.15) {
    // A wrong SHA-1 for these bytes: must store nothing.
    req.headers['X-Bz-Content-Sha1'] = sha1(Buffer.concat([payload, Buffer.from('x')]));
    badSha1Upload = true;
  }
  if (uploading && random() < 0.1) {
    payload = Buffer.concat([payload, Buffer.from(sha1(payload))]);
    req.headers['X-Bz-Content-Sha1'] = pick(['hex_digits_at_end', 'do_not_verify']);
    req.body = payload;
  }
  if (req.body) {
    if (random() < 0.1) req.truncateAt = Math.floor(random() * req.body.length);
    else if (random() < 0.05) req.slow = true;
    req.headers['Content-Length'] = String(req.body.length);
  }
  if (random() < 0.03) req.headers['Content-Length'] = pick(['abc', '-1', '99999999999']);
  if (!s3BadDigest && badSha1Upload && !/^[0-9a-f]{40}$/.test(req.headers['X-Bz-Content-Sha1'] ?? ''))
    badSha1Upload = false;
  return { req, badSha1Upload, brokenAuth };
}

/**
 * What the bucket holds (versions, unfinished large files, and the parts of the one the S3 requests
 * aim at), to see a request changed nothing. Three listings: cheap enough to run per request.
 */
async function storageFingerprint(t: Tokens): Promise<string> {
  const { files } = await admin.listFileVersions({ bucketId, maxFileCount: 10_000 });
  const { files: unfinished } = await admin.listUnfinishedLargeFiles({ bucketId, maxFileCount: 100 });
  const parts = unfinished.some((f) => f.fileId === t.largeFileId)
    ? (await admin.listParts({ fileId: t.largeFileId })).parts.map((p) => p.partNumber)
    : [];
  return JSON.stringify([
    files.map((f) => `${f.fileId}:${f.action}`),
    unfinished.map((f) => f.fileId),
    parts,
  ]);
}

async function filesOutside(dir: string, inside: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const full = join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
    if (!full.startsWith(inside)) out.push(relative(dir, full));
  }
  return out;
}

it(
  'survives a seeded, time-bounded fuzz of every endpoint',
  async () => {
    const seed = baseSeed();
    const random = mulberry32(seed);
    emulator.faults.schedule({ seed, rate: INJECTED_RATE, kinds: ['503', '500'] });
    const started = Date.now();
    let sent = 0;
    let batches = 0;
    let crashes = 0;
    let fiveXx = 0;
    let dropped = 0;
    const badSha1Stored: string[] = [];
    let brokenAuthSent = 0;
    const brokenAuthThrough: string[] = [];
    const statusCounts = new Map<number, number>();
    const perEndpoint = new Map<string, number>();
    const unplannedSamples: string[] = [];
    const slowSamples: string[] = [];
    while (Date.now() - started < DURATION_MS) {
      const t = await freshTokens();
      for (let i = 0; i < BATCH; i++) {
        // Every endpoint once first, so a slow (loaded) machine still covers them all; then at random.
        const endpoint =
          sent < ENDPOINT_NAMES.length
            ? ENDPOINT_NAMES[sent]!
            : ENDPOINT_NAMES[Math.floor(random() * ENDPOINT_NAMES.length)]!;
        const { req, badSha1Upload, brokenAuth } = buildRequest(endpoint, random, t);
        // A request with a broken signature that could write is checked against the whole bucket.
        const writes = brokenAuth && req.method !== 'GET' && req.method !== 'HEAD';
        const stored = writes ? await storageFingerprint(t) : '';
        const before = emulator.faults.history().length;
        const t0 = Date.now();
        const res = await send(req);
        if (Date.now() - t0 > 1500 && slowSamples.length < 5)
          slowSamples.push(
            `${req.method} ${req.path.slice(0, 60)} ${JSON.stringify(req.headers).slice(0, 200)} trunc=${req.truncateAt} slow=${req.slow}`,
          );
        sent += 1;
        perEndpoint.set(endpoint, (perEndpoint.get(endpoint) ?? 0) + 1);
        if (res === 'dropped') {
          dropped += 1;
          continue;
        }
        statusCounts.set(res.status, (statusCounts.get(res.status) ?? 0) + 1);
        const injected = emulator.faults.history().length > before;
        // 501 is a deliberate answer (B2's S3 API has no PostObject), not a failure.
        if (res.status >= 500 && res.status !== 501 && !injected) {
          fiveXx += 1;
          if (unplannedSamples.length < 5)
            unplannedSamples.push(
              `${req.method} ${req.path.slice(0, 80)} → ${res.status} ${res.body.toString().slice(0, 120)}`,
            );
        }
        if (badSha1Upload && res.status === 200) badSha1Stored.push(`${endpoint} ${req.path}`);
        if (brokenAuth) {
          brokenAuthSent += 1;
          const changed = writes && (await storageFingerprint(t)) !== stored;
          if ((res.status >= 200 && res.status < 300) || changed)
            brokenAuthThrough.push(
              `${req.method} ${req.path.slice(0, 80)} → ${res.status}${changed ? ', storage changed' : ''}`,
            );
        }
      }
      batches += 1;
      const health = await fetch(`${emulator.url}/b2api/v4/b2_authorize_account`, {
        headers: {
          Authorization: `Basic ${Buffer.from(`${emulator.keyId}:${emulator.key}`).toString('base64')}`,
        },
      }).catch(() => undefined);
      if (health?.status !== 200 && health?.status !== 503 && health?.status !== 500) crashes += 1;
    }
    emulator.faults.schedule({ seed, rate: 0, kinds: ['503'] });

    // Integrity pass: every stored file reads back with the SHA-1 recorded for it.
    let checked = 0;
    let matching = 0;
    let startFileName: string | undefined;
    let startFileId: string | undefined;
    for (;;) {
      const page = await admin.listFileVersions({
        bucketId,
        maxFileCount: 1000,
        ...(startFileName ? { startFileName, startFileId } : {}),
      });
      for (const file of page.files) {
        if (file.action !== 'upload') continue;
        const recorded = file.contentSha1 ?? 'none';
        if (recorded === 'none') continue; // large files: parts were verified one by one when stored
        const download = await admin.downloadFileById(file.fileId ?? '');
        const bytes = Buffer.from(await new Response(download.body).arrayBuffer());
        checked += 1;
        const expected = recorded.replace(/^unverified:/, '');
        if (sha1(bytes) === expected) matching += 1;
      }
      if (!page.nextFileName) break;
      startFileName = page.nextFileName;
      startFileId = page.nextFileId ?? undefined;
    }
    const outside = await filesOutside(parent, join(parent, 'data'));
    const figures = [
      figure(
        'requests sent / batches / endpoints covered',
        `${sent} / ${batches} / ${perEndpoint.size} of ${ENDPOINT_NAMES.length}`,
        'all endpoints',
        perEndpoint.size === ENDPOINT_NAMES.length,
      ),
      figure(
        'crashes (health check after each batch) / unhandled errors',
        `${crashes} / ${unhandled.length}`,
        '0 / 0',
        crashes === 0 && unhandled.length === 0,
      ),
      figure('unplanned 5xx', fiveXx, '0', fiveXx === 0),
      figure('requests dropped (truncated bodies, injected resets)', dropped, 'info', true),
      figure(
        'wrong-SHA-1 (or S3 Content-MD5 / SHA-256) uploads that stored something',
        badSha1Stored.length,
        '0',
        badSha1Stored.length === 0,
      ),
      figure(
        'S3 requests with a broken signature / answered 2xx or changed storage',
        `${brokenAuthSent} / ${brokenAuthThrough.length}`,
        '0 through',
        brokenAuthSent > 0 && brokenAuthThrough.length === 0,
      ),
      figure('files written outside the data directory', outside.length, '0', outside.length === 0),
      figure(
        'stored objects matching their SHA-1',
        `${matching}/${checked}`,
        '100 %',
        checked > 0 && matching === checked,
      ),
    ];
    writeFigures('5-emulator-fuzz', isLong() ? 'long' : DURATION_MS >= 60_000 ? 'ci' : 'smoke', figures);
    console.log(
      JSON.stringify({
        statuses: Object.fromEntries(statusCounts),
        slowSamples,
        unplannedSamples,
        badSha1Stored,
        brokenAuthThrough,
        outside,
      }),
    );
    expect(figures.filter((f) => !f.pass).map((f) => `${f.name}: ${f.value}`)).toEqual([]);
  },
  DURATION_MS + 300_000,
);
