/**
 * The S3 half of the emulator fuzzer: well-formed SigV4 requests for every S3 operation, signed in
 * the `Authorization` header or presigned in the query, then mutated (tampered, truncated, missing
 * or malformed signatures and presign parameters, other regions and services, stale or future dates,
 * duplicated query parameters, huge headers, refused checksum headers, wrong Content-MD5 or payload
 * hash, hostile keys, query values and XML bodies). A request whose signature was broken on purpose
 * says so (`brokenAuth`): it must change nothing. The signer here only has
 * to produce valid signatures for the fuzzer; the AWS SDK suites check the verifier against real ones.
 */
import { createHash, createHmac } from 'node:crypto';
import { S3_OPERATIONS, type S3Operation } from '../../src/emulator/s3/operations.js';
import { canonicalRequest, uriEncode } from '../../src/emulator/s3/sigv4.js';

type Pick = <T>(list: readonly T[]) => T;

export interface S3FuzzContext {
  host: string;
  region: string;
  bucketName: string;
  keyId: string;
  key: string;
  now: number;
  /** An S3 multipart upload in progress (its UploadId) and its key. */
  uploadId: string;
  uploadKey: string;
  /** A key that exists. */
  someKey: string;
}

export interface S3FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** The body does not match the Content-MD5 or signed SHA-256 sent: nothing may be stored. */
  badDigest: boolean;
  /** The signature was broken on purpose: the request must be refused and change nothing. */
  brokenAuth: boolean;
}

const NASTY_KEYS = [
  'a//b',
  '..',
  '../../etc/passwd',
  'x'.repeat(1100),
  '😀/ü ñ',
  'a?b#c',
  ' ',
  '\u0001',
  '%00',
  'trailing/',
  '+plus+',
];
const NASTY_VALUES = [
  '',
  '-1',
  '0',
  '1001',
  '10001',
  'abc',
  '99999999999999999999',
  '%ZZ',
  '..',
  '😀',
  'x'.repeat(3000),
];
const XML_BODIES = [
  '',
  '<',
  'not xml',
  '<?xml version="1.0"?><Wrong/>',
  `${'<a>'.repeat(5000)}${'</a>'.repeat(5000)}`,
  '<!DOCTYPE x [<!ENTITY e "eeeeeeeeee">]><Delete><Object><Key>&e;&e;&e;</Key></Object></Delete>',
  '<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>"00"</ETag></Part></CompleteMultipartUpload>',
  '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>',
  '<Delete><Quiet>true</Quiet><Object><Key>fuzz-s3/gone</Key></Object></Delete>',
  '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>',
  '<CORSConfiguration><CORSRule><AllowedOrigin>https://a.example</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><MaxAgeSeconds>99999999</MaxAgeSeconds></CORSRule></CORSConfiguration>',
  '<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>',
];

const amzDate = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

/** The SigV4 signature of a canonical request, and the scope it was signed for. */
function signatureOf(
  c: S3FuzzContext,
  request: { method: string; rawPath: string; rawQuery: string; headers: Record<string, string> },
  payloadHash: string,
  date: string,
  region: string,
): { signature: string; scope: string; signed: string[] } {
  const signed = Object.keys(request.headers)
    .map((h) => h.toLowerCase())
    .sort();
  const lower = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), [v]]));
  const canonical = canonicalRequest({ ...request, headers: lower }, signed, payloadHash);
  const scope = `${date.slice(0, 8)}/${region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', date, scope, createHash('sha256').update(canonical).digest('hex')].join(
    '\n',
  );
  const kSigning = hmac(hmac(hmac(hmac(`AWS4${c.key}`, date.slice(0, 8)), region), 's3'), 'aws4_request');
  return { signature: createHmac('sha256', kSigning).update(toSign).digest('hex'), scope, signed };
}

function sign(
  c: S3FuzzContext,
  method: string,
  rawPath: string,
  rawQuery: string,
  headers: Record<string, string>,
  payloadHash: string,
  region: string,
): string {
  const date = headers['x-amz-date']!;
  const { signature, scope, signed } = signatureOf(
    c,
    { method, rawPath, rawQuery, headers },
    payloadHash,
    date,
    region,
  );
  return `AWS4-HMAC-SHA256 Credential=${c.keyId}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`;
}

/**
 * A presigned query string (the operation's own parameters first), then maybe mutated: a parameter
 * dropped, a hostile Expires, Credential, Date, SignedHeaders or Algorithm, a broken or duplicated
 * signature. Changing any signed parameter after signing breaks the signature too.
 */
function presignedQuery(
  c: S3FuzzContext,
  request: { method: string; rawPath: string; rawQuery: string; headers: Record<string, string> },
  random: () => number,
  pick: Pick,
): { rawQuery: string; brokenAuth: boolean } {
  const date = amzDate(c.now);
  const region = random() < 0.05 ? 'eu-central-003' : c.region;
  const signedNames = Object.keys(request.headers)
    .map((h) => h.toLowerCase())
    .sort();
  const params: [string, string][] = [
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Credential', `${c.keyId}/${date.slice(0, 8)}/${region}/s3/aws4_request`],
    ['X-Amz-Date', date],
    ['X-Amz-Expires', '900'],
    ['X-Amz-SignedHeaders', signedNames.join(';')],
  ];
  const encode = (list: [string, string][]) =>
    list.map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join('&');
  const query = [request.rawQuery, encode(params)].filter(Boolean).join('&');
  const { signature } = signatureOf(c, { ...request, rawQuery: query }, 'UNSIGNED-PAYLOAD', date, region);
  let brokenAuth = region !== c.region;
  const roll = random();
  const set = (name: string, value: string) => {
    const at = params.findIndex(([k]) => k === name);
    params[at] = [name, value];
    brokenAuth = true;
  };
  let signatures = [signature];
  if (roll < 0.06) {
    params.splice(Math.floor(random() * params.length), 1);
    brokenAuth = true;
  } else if (roll < 0.12)
    set('X-Amz-Expires', pick(['0', '-1', '604801', 'abc', '1e20', '', '9'.repeat(30)]));
  else if (roll < 0.18)
    set(
      'X-Amz-Credential',
      pick([
        c.keyId,
        `${c.keyId}/${date.slice(0, 8)}`,
        `${c.keyId}/${date.slice(0, 8)}/${c.region}/s3`,
        `${c.keyId}/${date.slice(0, 8)}/${c.region}/sts/aws4_request`,
        `${c.keyId}/19990101/${c.region}/s3/aws4_request`,
        `nobody/${date.slice(0, 8)}/${c.region}/s3/aws4_request`,
        '/////',
        'x'.repeat(5000),
      ]),
    );
  else if (roll < 0.24)
    set(
      'X-Amz-Date',
      pick(['', '2026', '99999999T999999Z', amzDate(c.now - 2 * 86_400_000), amzDate(c.now + 86_400_000)]),
    );
  else if (roll < 0.3)
    set('X-Amz-SignedHeaders', pick(['', 'content-type', 'host;nonexistent', 'HOST', ';;']));
  else if (roll < 0.34) set('X-Amz-Algorithm', pick(['AWS4-HMAC-SHA1', 'AWS4-ECDSA-P256-SHA256', '']));
  else if (roll < 0.42) {
    signatures = [pick(['', 'zz', '0'.repeat(64), signature.slice(0, 63), `${signature}00`])];
    brokenAuth = true;
  } else if (roll < 0.48) {
    // Signature given twice: the wrong one last (refused), or first (the valid one stands).
    const wrong = '0'.repeat(64);
    const wrongLast = random() < 0.5;
    signatures = wrongLast ? [signature, wrong] : [wrong, signature];
    brokenAuth ||= wrongLast;
  }
  const signaturePart = signatures.map((v) => `X-Amz-Signature=${v}`).join('&');
  return {
    rawQuery: [request.rawQuery, encode(params), signaturePart].filter(Boolean).join('&'),
    brokenAuth,
  };
}

/** Method, key and query of an operation, with fuzzed values mixed in. */
function shapeOf(op: S3Operation, key: string, c: S3FuzzContext, random: () => number, pick: Pick) {
  const v = (plausible: string) => (random() < 0.25 ? pick(NASTY_VALUES) : plausible);
  const upload = v(c.uploadId);
  const table: Record<S3Operation, [string, boolean, [string, string][]]> = {
    ListBuckets: ['GET', false, []],
    HeadBucket: ['HEAD', false, []],
    GetBucketLocation: ['GET', false, [['location', '']]],
    GetBucketVersioning: ['GET', false, [['versioning', '']]],
    ListObjects: [
      'GET',
      false,
      [
        ['prefix', v('fuzz')],
        ['delimiter', v('/')],
        ['marker', v('')],
        ['max-keys', v('5')],
      ],
    ],
    ListObjectsV2: [
      'GET',
      false,
      [
        ['list-type', '2'],
        ['prefix', v('')],
        ['continuation-token', v('Zg')],
        ['max-keys', v('3')],
        ['encoding-type', v('url')],
      ],
    ],
    ListObjectVersions: [
      'GET',
      false,
      [
        ['versions', ''],
        ['key-marker', v(c.someKey)],
        ['version-id-marker', v('x')],
      ],
    ],
    ListMultipartUploads: [
      'GET',
      false,
      [
        ['uploads', ''],
        ['max-uploads', v('2')],
        ['upload-id-marker', v(c.uploadId)],
      ],
    ],
    GetBucketCors: ['GET', false, [['cors', '']]],
    PutBucketCors: ['PUT', false, [['cors', '']]],
    DeleteBucketCors: ['DELETE', false, [['cors', '']]],
    GetBucketEncryption: ['GET', false, [['encryption', '']]],
    PutBucketEncryption: ['PUT', false, [['encryption', '']]],
    GetObjectLockConfiguration: ['GET', false, [['object-lock', '']]],
    GetBucketAcl: ['GET', false, [['acl', '']]],
    DeleteObjects: ['POST', false, [['delete', '']]],
    PostObject: ['POST', false, []],
    HeadObject: ['HEAD', true, [['versionId', v('null')]]],
    GetObject: ['GET', true, [['response-content-type', v('text/plain')]]],
    PutObject: ['PUT', true, []],
    CopyObject: ['PUT', true, []],
    DeleteObject: ['DELETE', true, random() < 0.5 ? [] : [['versionId', v('4_zbad')]]],
    GetObjectAcl: ['GET', true, [['acl', '']]],
    GetObjectRetention: ['GET', true, [['retention', '']]],
    GetObjectLegalHold: ['GET', true, [['legal-hold', '']]],
    CreateMultipartUpload: ['POST', true, [['uploads', '']]],
    UploadPart: [
      'PUT',
      true,
      [
        ['partNumber', v('1')],
        ['uploadId', upload],
      ],
    ],
    UploadPartCopy: [
      'PUT',
      true,
      [
        ['partNumber', v('2')],
        ['uploadId', upload],
      ],
    ],
    ListParts: [
      'GET',
      true,
      [
        ['uploadId', upload],
        ['max-parts', v('1')],
        ['part-number-marker', v('0')],
      ],
    ],
    CompleteMultipartUpload: ['POST', true, [['uploadId', upload]]],
    AbortMultipartUpload: ['DELETE', true, [['uploadId', upload]]],
  };
  const [method, withKey, query] = table[op];
  return { method, path: withKey ? `/${c.bucketName}/${uriEncode(key, true)}` : `/${c.bucketName}`, query };
}

export function buildS3Request(
  endpoint: string,
  c: S3FuzzContext,
  random: () => number,
  pick: Pick,
  payload: Buffer,
): S3FuzzRequest {
  const op = endpoint.slice('s3:'.length) as S3Operation;
  if (!S3_OPERATIONS.includes(op)) throw new Error(`not an S3 endpoint: ${endpoint}`);
  const multipart = [
    'UploadPart',
    'UploadPartCopy',
    'ListParts',
    'CompleteMultipartUpload',
    'AbortMultipartUpload',
  ].includes(op);
  const roll0 = random();
  const key =
    roll0 < 0.2
      ? pick(NASTY_KEYS)
      : multipart
        ? c.uploadKey
        : roll0 < 0.4
          ? c.someKey
          : `fuzz-s3/${Math.floor(random() * 1e9)}.bin`;
  const shape = shapeOf(op, key, c, random, pick);
  const path = op === 'ListBuckets' ? '/' : shape.path;
  // Now and then a parameter twice, with another value (signed as sent: the server must pick one or refuse).
  const query =
    shape.query.length > 0 && random() < 0.1
      ? [...shape.query, [shape.query[0]![0], pick(NASTY_VALUES)] as [string, string]]
      : shape.query;
  const rawQuery = query
    .map(([k, v]) => (v === '' && random() < 0.5 ? k : `${uriEncode(k)}=${uriEncode(v)}`))
    .join('&');
  let body: Buffer | undefined;
  if (op === 'PutObject' || op === 'UploadPart') body = payload;
  else if (
    [
      'CompleteMultipartUpload',
      'DeleteObjects',
      'PutBucketCors',
      'PutBucketEncryption',
      'PostObject',
    ].includes(op)
  )
    body = Buffer.from(pick(XML_BODIES));
  const headers: Record<string, string> = { host: c.host, 'x-amz-date': amzDate(c.now) };
  if (op === 'CopyObject' || op === 'UploadPartCopy') {
    headers['x-amz-copy-source'] =
      random() < 0.7
        ? `${c.bucketName}/${uriEncode(c.someKey, true)}`
        : pick(['', '/', 'nobucket', '%ZZ/x', `${c.bucketName}/`]);
    if (random() < 0.3)
      headers['x-amz-copy-source-range'] = pick(['bytes=0-0', 'bytes=5-1', 'bytes=0-999999999', 'x']);
  }
  let badDigest = false;
  const bodyHash = createHash('sha256')
    .update(body ?? Buffer.alloc(0))
    .digest('hex');
  let payloadHash = random() < 0.3 ? 'UNSIGNED-PAYLOAD' : bodyHash;
  if (body && random() < 0.1) {
    payloadHash = createHash('sha256')
      .update(Buffer.concat([body, Buffer.from('x')]))
      .digest('hex');
    badDigest = true;
  }
  headers['x-amz-content-sha256'] = payloadHash;
  let badDigestMd5 = false;
  if (body && random() < 0.3) {
    const wrong = random() < 0.4;
    badDigestMd5 = wrong;
    headers['content-md5'] = createHash('md5')
      .update(wrong ? Buffer.concat([body, Buffer.from('x')]) : body)
      .digest('base64');
    badDigest ||= wrong;
  }
  if (random() < 0.1)
    headers[pick(['x-amz-checksum-crc32', 'x-amz-sdk-checksum-algorithm', 'x-amz-checksum-sha256'])] =
      'AAAAAA==';
  if (random() < 0.1)
    headers[
      pick([
        'x-amz-acl',
        'x-amz-storage-class',
        'x-amz-server-side-encryption',
        'x-amz-meta-bad key'.replace(' ', '_'),
      ])
    ] = pick(['public-read-write', 'GLACIER', 'aws:kms', 'x'.repeat(9000)]);
  if (random() < 0.05) headers.range = pick(['bytes=0-0', 'bytes=-1', 'bytes=9-2', 'items=1-2']);
  if (random() < 0.03) {
    // Huge headers: one of 20 KB (over Node's 16 KB limit: 431), or 150 file-info headers.
    if (random() < 0.5) headers['x-amz-meta-big'] = 'b'.repeat(20_000);
    else for (let i = 0; i < 150; i++) headers[`x-amz-meta-n${i}`] = String(i);
  }
  if (random() < 0.05) headers['if-match'] = pick(['"x"', '*', '']);
  if (random() < 0.3) {
    // Presigned: the signature travels in the query, the payload is UNSIGNED-PAYLOAD, so only
    // Content-MD5 can catch wrong bytes.
    delete headers['x-amz-content-sha256'];
    delete headers['x-amz-date'];
    badDigest = !!headers['content-md5'] && badDigestMd5;
    const signedHeaders = Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'range'));
    const presigned = presignedQuery(
      c,
      { method: shape.method, rawPath: path, rawQuery, headers: signedHeaders },
      random,
      pick,
    );
    const out: Record<string, string> = { ...headers };
    delete out.host;
    return {
      method: shape.method,
      path: `${path}?${presigned.rawQuery}`,
      headers: out,
      body,
      badDigest,
      brokenAuth: presigned.brokenAuth,
    };
  }
  const roll = random();
  const region = roll < 0.05 ? 'eu-central-003' : c.region;
  if (roll >= 0.05 && roll < 0.1) headers['x-amz-date'] = amzDate(c.now - 20 * 60_000);
  const signedHeaders = Object.fromEntries(
    Object.entries(headers).filter(([k]) => k !== 'range' || random() < 0.5),
  );
  const valid = sign(c, shape.method, path, rawQuery, signedHeaders, payloadHash, region);
  let authorization = valid;
  if (roll >= 0.1 && roll < 0.2)
    authorization = valid.replace(/Signature=./, (m) => (m.endsWith('0') ? 'Signature=1' : 'Signature=0'));
  if (roll >= 0.2 && roll < 0.25)
    authorization = pick([
      '',
      'AWS x:y',
      'AWS4-HMAC-SHA256',
      `AWS4-HMAC-SHA256 Credential=${'/'.repeat(5)}`,
      'x'.repeat(8000),
    ]);
  if (roll >= 0.25 && roll < 0.3) authorization = '';
  // Truncated anywhere: a proxy that cut the header, a client that built it badly.
  if (roll >= 0.3 && roll < 0.36) authorization = valid.slice(0, Math.floor(random() * valid.length));
  // Another region or a date 20 minutes old (beyond the 15 minutes of skew allowed) break it too.
  const brokenAuth = roll < 0.1 || authorization !== valid;
  const out: Record<string, string> = { ...headers };
  if (authorization) out.authorization = authorization;
  delete out.host;
  return {
    method: shape.method,
    path: rawQuery ? `${path}?${rawQuery}` : path,
    headers: out,
    body,
    badDigest,
    brokenAuth,
  };
}
