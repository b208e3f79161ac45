/**
 * The S3 half of the broker attack corpus (docs/reliability.md#broker-attack-corpus): presigned
 * PutObject and UploadPart URLs used for anything but what was signed, confirms of what B2 does not
 * hold as declared, S3 uploads reached with another user's token (broker routes and Uppy's sign
 * routes), and keys S3 can't be used with. Every case is a real request to the emulator or the
 * broker; each must fail with a typed error (an S3 `<Code>` or the broker's `code`) and leave the
 * bucket exactly as it was.
 */
import { expect } from 'vitest';
import { createTokenSigner } from '../../src/broker/token.js';
import {
  as,
  bytes,
  call,
  MIN_PART,
  type Reply,
  type RunningBroker,
  SECRET,
  sha1,
  startBroker,
  startWorld,
  type World,
} from '../broker/helpers.js';
import {
  confirmFile,
  md5,
  presignFile,
  s3PartUrls,
  sendPresigned,
  startS3Upload,
  type S3Session,
} from '../broker/s3-world.js';

export type Count = (category: string, label: string, succeeded: boolean) => void;

export interface S3Arena {
  world: World;
  broker: RunningBroker;
  count: Count;
  /** Typed errors that were not the expected one: the test fails on any. */
  wrongErrors: string[];
}

/** Every file version, unfinished large file and part the bucket holds, as one comparable string. */
export async function storageOf(world: World): Promise<string> {
  const bucketId = world.bucketId;
  const { files } = await world.admin.listFileVersions({ bucketId, maxFileCount: 10_000 });
  const unfinished = (await world.admin.listUnfinishedLargeFiles({ bucketId, maxFileCount: 100 })).files;
  const parts = await Promise.all(
    unfinished.map(async (f) =>
      (await world.admin.listParts({ fileId: f.fileId ?? '' })).parts.map(
        (p) => `${f.fileId}#${p.partNumber}:${p.contentSha1}`,
      ),
    ),
  );
  return JSON.stringify([
    files.map((f) => `${f.fileId} ${f.fileName} ${f.action} ${f.contentLength}`),
    unfinished.map((f) => f.fileId),
    parts,
  ]);
}

/** The `<Code>` of an S3 error answer, or the broker's JSON `code`. */
async function codeOf(response: Response): Promise<string> {
  const text = await response.text();
  return /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? (/"code":"([^"]+)"/.exec(text)?.[1] || `(${text})`);
}

/**
 * Runs one hostile request: it must not succeed, must answer `expected` (one code or several),
 * and the bucket must hold afterwards what it held before.
 */
async function attempt(
  arena: S3Arena,
  category: string,
  label: string,
  expected: string | string[],
  send: () => Promise<Response | Reply>,
): Promise<void> {
  const before = await storageOf(arena.world);
  const answer = await send();
  const status = answer.status;
  const code = 'text' in answer ? await codeOf(answer) : String((answer.body as { code?: string })?.code);
  const changed = (await storageOf(arena.world)) !== before;
  arena.count(
    category,
    `${label}: ${status} ${code}${changed ? ', storage changed' : ''}`,
    ok(status) || changed,
  );
  if (![expected].flat().includes(code))
    arena.wrongErrors.push(`${label}: ${code}, expected ${[expected].flat().join(' or ')}`);
}

const ok = (status: number) => status >= 200 && status < 300;

export async function presignedPutMisuse(arena: S3Arena): Promise<void> {
  const base = arena.broker.url;
  const data = bytes(2000, 8);
  const p = await presignFile(base, 'alice', data);
  const { url, headers } = p.put;
  const leaf = encodeURIComponent(p.fileName.split('/').pop()!);
  const category = 'presigned PUT used for something else';
  const put =
    (
      target: string,
      init: { method?: string; headers?: Record<string, string>; body?: Uint8Array<ArrayBuffer> },
    ) =>
    () =>
      sendPresigned(target, init);
  const cases: [string, string | string[], () => Promise<Response>][] = [
    ['another key', 'SignatureDoesNotMatch', put(url.replace(leaf, 'other.png'), { headers, body: data })],
    [
      'another prefix',
      'SignatureDoesNotMatch',
      put(url.replace(/\/uploads\/[0-9a-f-]{36}\//, '/uploads/elsewhere/'), { headers, body: data }),
    ],
    ['GET', 'SignatureDoesNotMatch', put(url, { method: 'GET' })],
    ['DELETE', 'SignatureDoesNotMatch', put(url, { method: 'DELETE' })],
    // B2 has no PostObject: a POST to an object is refused before any signature check.
    ['POST', 'NotImplemented', put(url, { method: 'POST', headers, body: data })],
    ['one byte more', 'SignatureDoesNotMatch', put(url, { headers, body: bytes(2001, 8) })],
    ['one byte less', 'SignatureDoesNotMatch', put(url, { headers, body: bytes(1999, 8) })],
    ['empty body', 'SignatureDoesNotMatch', put(url, { headers })],
    [
      'another Content-Type',
      'SignatureDoesNotMatch',
      put(url, { headers: { ...headers, 'content-type': 'text/html' }, body: data }),
    ],
    [
      'no Content-MD5',
      'SignatureDoesNotMatch',
      put(url, { headers: { ...headers, 'content-md5': '' }, body: data }),
    ],
    [
      'the Content-MD5 of other bytes',
      'SignatureDoesNotMatch',
      put(url, {
        headers: { ...headers, 'content-md5': Buffer.from(md5(bytes(2000, 9)), 'hex').toString('base64') },
        body: bytes(2000, 9),
      }),
    ],
    // Same size and signed headers, other bytes: B2 checks them against the signed MD5.
    ['other bytes of the same size', 'BadDigest', put(url, { headers, body: bytes(2000, 9) })],
    [
      'a signed file info changed',
      'SignatureDoesNotMatch',
      put(url, { headers: { ...headers, 'x-amz-meta-b2up-user': 'mallory' }, body: data }),
    ],
    [
      'tampered signature',
      'SignatureDoesNotMatch',
      put(
        url.replace(
          /X-Amz-Signature=([0-9a-f])/,
          (_, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`,
        ),
        {
          headers,
          body: data,
        },
      ),
    ],
    [
      'expiry stretched',
      'SignatureDoesNotMatch',
      put(url.replace(/X-Amz-Expires=\d+/, 'X-Amz-Expires=604800'), { headers, body: data }),
    ],
    [
      'signature dropped',
      ['AuthorizationQueryParametersError', 'AccessDenied'],
      put(url.replace(/&?X-Amz-Signature=[0-9a-f]+/, ''), { headers, body: data }),
    ],
  ];
  for (const [label, expected, send] of cases) await attempt(arena, category, label, expected, send);

  // An x-amz-meta-* the broker didn't sign: whatever B2 does with it, the confirm keeps nothing.
  const q = await presignFile(base, 'alice', data, { name: 'meta.png' });
  await attempt(
    arena,
    category,
    'an unsigned x-amz-meta-* header, then confirm',
    'content_mismatch',
    async () => {
      await sendPresigned(q.put.url, {
        headers: { ...q.put.headers, 'x-amz-meta-b2up-admin': 'yes' },
        body: data,
      });
      return confirmFile(base, 'alice', q);
    },
  );

  // Past its expiry (the emulator's clock), B2 answers UnauthorizedAccess.
  arena.world.emulator.clock.advance(901_000);
  try {
    await attempt(arena, category, 'after expiry', 'UnauthorizedAccess', put(url, { headers, body: data }));
  } finally {
    arena.world.emulator.clock.advance(-901_000);
  }
  // None of it landed: the confirm finds nothing.
  const nothing = await confirmFile(base, 'alice', p);
  arena.count(
    category,
    `confirm after every refusal: ${nothing.status} ${nothing.body?.code}`,
    ok(nothing.status),
  );
}

export async function confirmMismatches(arena: S3Arena): Promise<void> {
  const base = arena.broker.url;
  const data = bytes(500, 4);
  const category = 'confirm of bytes other than declared';
  const missing = await presignFile(base, 'alice', data);
  await attempt(arena, category, 'nothing stored', 'not_found', () => confirmFile(base, 'alice', missing));
  for (const [label, body, type, code] of [
    ['more bytes than declared', bytes(501, 4), 'image/png', 'size_mismatch'],
    ['fewer bytes than declared', bytes(499, 4), 'image/png', 'size_mismatch'],
    ['another SHA-1', bytes(500, 5), 'image/png', 'content_mismatch'],
    ['another type', data, 'image/jpeg', 'content_mismatch'],
  ] as const) {
    const p = await presignFile(base, 'alice', data);
    // Something else lands under the name (a client that declared one file and sent another).
    await attempt(arena, category, label, code, async () => {
      const before = await storageOf(arena.world);
      await arena.world.admin.uploadFile({
        bucketId: arena.world.bucketId,
        fileName: p.fileName,
        contentType: type,
        body,
        contentSha1: sha1(body),
      });
      expect(await storageOf(arena.world)).not.toBe(before);
      return confirmFile(base, 'alice', p);
    });
  }
}

export async function multipartUrlMisuse(arena: S3Arena): Promise<void> {
  const base = arena.broker.url;
  const category = 'S3 part URLs used for something else';
  const session = await startS3Upload(base, 'alice', 2 * MIN_PART);
  const other = await startS3Upload(base, 'alice', 2 * MIN_PART);
  const urls = (await s3PartUrls(base, 'alice', session, [1, 2])).body.parts as { url: string }[];
  const [one, two] = urls.map((u) => u.url) as [string, string];
  const part = bytes(MIN_PART, 1);
  const cases: [string, string, () => Promise<Response | Reply>][] = [
    [
      'part 1’s URL for part 2',
      'SignatureDoesNotMatch',
      () => sendPresigned(one.replace('partNumber=1', 'partNumber=2'), { body: part }),
    ],
    [
      'part 2’s URL for part 1',
      'SignatureDoesNotMatch',
      () => sendPresigned(two.replace('partNumber=2', 'partNumber=1'), { body: part }),
    ],
    ['another size', 'SignatureDoesNotMatch', () => sendPresigned(one, { body: bytes(MIN_PART + 1, 1) })],
    [
      'another upload',
      'SignatureDoesNotMatch',
      () =>
        sendPresigned(one.replace(encodeURIComponent(session.uploadId), encodeURIComponent(other.uploadId)), {
          body: part,
        }),
    ],
    ['GET (ListParts)', 'SignatureDoesNotMatch', () => sendPresigned(one, { method: 'GET' })],
    [
      'DELETE (AbortMultipartUpload)',
      'SignatureDoesNotMatch',
      () => sendPresigned(one, { method: 'DELETE' }),
    ],
    ['part number 0', 'bad_request', () => s3PartUrls(base, 'alice', session, [0])],
    ['a part beyond the plan', 'bad_request', () => s3PartUrls(base, 'alice', session, [3])],
    ['part number 10001', 'bad_request', () => s3PartUrls(base, 'alice', session, [10_001])],
  ];
  for (const [label, expected, send] of cases) await attempt(arena, category, label, expected, send);

  // Replayed after CompleteMultipartUpload: the upload is gone, and so is what the URL could write.
  const parts = [bytes(MIN_PART, 1), bytes(MIN_PART, 2)];
  for (const [i, body] of parts.entries()) await sendPresigned(urls[i]!.url, { body });
  const done = await call(base, `/uploads/${encodeURIComponent(session.uploadId)}/finish`, {
    method: 'POST',
    headers: { ...as('alice'), 'X-B2up-Upload-Token': session.token },
    json: { partSha1Array: parts.map((body) => sha1(body)) },
  });
  expect(done.status, JSON.stringify(done.body)).toBe(200);
  for (const [i, body] of parts.entries())
    await attempt(arena, category, `part ${i + 1} replayed after complete`, 'NoSuchUpload', () =>
      sendPresigned(urls[i]!.url, { body }),
    );
}

/** The per-upload S3 calls, through the broker's routes and Uppy's sign route. */
function s3Calls(base: string) {
  const withToken = (user: string | undefined, token: string | undefined) => ({
    ...(user ? as(user) : {}),
    ...(token === undefined ? {} : { 'X-B2up-Upload-Token': token }),
  });
  const path = (s: { uploadId: string }) => `/uploads/${encodeURIComponent(s.uploadId)}`;
  const sign = (user: string | undefined, json: Record<string, unknown>) =>
    call(base, '/uppy/sign', { method: 'POST', headers: user ? as(user) : {}, json });
  type Victim = { uploadId: string; fileName: string };
  return {
    's3-part-urls': (user: string | undefined, v: Victim, token: string | undefined) =>
      call(base, `${path(v)}/s3-part-urls`, {
        method: 'POST',
        headers: withToken(user, token),
        json: { partNumbers: [1] },
      }),
    'list parts': (user: string | undefined, v: Victim, token: string | undefined) =>
      call(base, `${path(v)}/parts`, { headers: withToken(user, token) }),
    finish: (user: string | undefined, v: Victim, token: string | undefined) =>
      call(base, `${path(v)}/finish`, {
        method: 'POST',
        headers: withToken(user, token),
        json: { partSha1Array: ['0'.repeat(40)] },
      }),
    cancel: (user: string | undefined, v: Victim, token: string | undefined) =>
      call(base, path(v), { method: 'DELETE', headers: withToken(user, token) }),
    'Uppy: sign UploadPart': (user: string | undefined, v: Victim, token: string | undefined) =>
      sign(user, { method: 'PUT', key: v.fileName, uploadId: token ?? '', partNumber: 1 }),
    'Uppy: sign ListParts': (user: string | undefined, v: Victim, token: string | undefined) =>
      sign(user, { method: 'GET', key: v.fileName, uploadId: token ?? '' }),
    'Uppy: sign AbortMultipartUpload': (user: string | undefined, v: Victim, token: string | undefined) =>
      sign(user, { method: 'DELETE', key: v.fileName, uploadId: token ?? '' }),
    'Uppy: sign CompleteMultipartUpload': (user: string | undefined, v: Victim, token: string | undefined) =>
      sign(user, { method: 'POST', key: v.fileName, uploadId: token ?? '' }),
  };
}

const TOKEN_REFUSALS = [
  'forbidden',
  'bad_upload_token',
  'expired_upload_token',
  'unauthenticated',
  'bad_request',
];

export async function otherUsersS3Uploads(arena: S3Arena): Promise<void> {
  const base = arena.broker.url;
  const category = 'S3 uploads with another user’s id or token';
  const victim = await startS3Upload(base, 'alice', 2 * MIN_PART);
  const mine = await startS3Upload(base, 'mallory', 2 * MIN_PART);
  const aliceOther = await startS3Upload(base, 'alice', 2 * MIN_PART);
  const native = (
    await call(base, '/uploads', {
      method: 'POST',
      headers: as('alice'),
      json: { name: 'n.bin', size: 2 * MIN_PART },
    })
  ).body as S3Session;
  const signer = createTokenSigner(new TextEncoder().encode(SECRET));
  const expired = await signer.sign({
    uploadId: victim.uploadId,
    principalId: 'alice',
    fileName: victim.fileName,
    size: 2 * MIN_PART,
    expiresAt: Date.now() - 1000,
    s3PartSize: MIN_PART,
  });
  // [label, user, token]; the upload attacked is always alice's `victim`.
  const variants: [string, string | undefined, string | undefined][] = [
    ['mallory with alice’s token', 'mallory', victim.token],
    ['mallory with her own upload’s token', 'mallory', mine.token],
    ['alice with another of her uploads’ token', 'alice', aliceOther.token],
    ['alice with her native upload’s token', 'alice', native.token],
    ['no login, alice’s token', undefined, victim.token],
    ['alice, forged signature', 'alice', `${victim.token.split('.')[0]}.${'A'.repeat(43)}`],
    ['alice, expired token (validly signed)', 'alice', expired],
  ];
  for (const [call, send] of Object.entries(s3Calls(base))) {
    for (const [label, user, token] of variants) {
      // A token is an Uppy UploadId: one for another upload names that upload, not alice's `victim`,
      // so on the sign route it must at least not reach the victim under another key.
      await attempt(arena, category, `${call}, ${label}`, TOKEN_REFUSALS, () => send(user, victim, token));
    }
  }
  // A confirm is the uploader's own too.
  const data = bytes(10, 1);
  const presigned = await presignFile(base, 'alice', data);
  await sendPresigned(presigned.put.url, { headers: presigned.put.headers, body: data });
  for (const [label, user, token] of [
    ['mallory with alice’s token', 'mallory', presigned.token],
    ['alice without a token', 'alice', undefined],
    ['alice, forged signature', 'alice', `${presigned.token.split('.')[0]}.${'A'.repeat(43)}`],
    ['alice with a large upload’s token', 'alice', victim.token],
  ] as const) {
    await attempt(arena, category, `confirm, ${label}`, TOKEN_REFUSALS, () =>
      call(base, `/files/${presigned.uploadId}/confirm`, {
        method: 'POST',
        headers: { ...(user ? as(user) : {}), ...(token ? { 'X-B2up-Upload-Token': token } : {}) },
      }),
    );
  }
}

/**
 * Keys S3 can't be used with: the master key (B2 refuses it on S3) and a key without deleteFiles
 * (a confirm could not remove wrong bytes). The broker falls back to proxying, says why in
 * GET /config, and signs nothing.
 */
export async function keysWithoutS3(arena: S3Arena): Promise<void> {
  const category = 'S3 with a key it can’t be used with';
  const plain = await startWorld();
  const cases: [string, RegExp, () => Promise<RunningBroker>][] = [
    [
      'master key',
      /refused the key/,
      () =>
        startBroker(arena.world, {
          b2: {
            applicationKeyId: arena.world.emulator.keyId,
            applicationKey: arena.world.emulator.key,
            bucket: arena.world.bucketName,
            realm: arena.world.emulator.url,
            s3Region: arena.world.emulator.region,
          },
          unsafeAllowUnrestrictedKey: true,
        }),
    ],
    [
      'key without deleteFiles',
      /deleteFiles/,
      () =>
        startBroker(plain, {
          b2: {
            ...plain.key,
            bucket: plain.bucketName,
            realm: plain.emulator.url,
            s3Region: plain.emulator.region,
          },
        }),
    ],
  ];
  try {
    for (const [label, reason, open] of cases) {
      const b = await open();
      try {
        const config = await call(b.url, '/config');
        arena.count(
          category,
          `${label}: GET /config says ${config.body.smallFiles} (${config.body.smallFilesReason})`,
          config.body.smallFiles !== 'proxy' ||
            !reason.test(config.body.smallFilesReason ?? '') ||
            config.body.largeFileTransports?.includes('s3'),
        );
        const data = bytes(10, 2);
        const presign = await call(b.url, '/files/presign', {
          method: 'POST',
          headers: as('alice'),
          json: { name: 'a.png', size: 10, contentType: 'image/png', sha1: sha1(data), md5: '0'.repeat(32) },
        });
        arena.count(
          category,
          `${label}: presign ${presign.status} ${presign.body?.code}`,
          ok(presign.status),
        );
        const large = await call(b.url, '/uploads', {
          method: 'POST',
          headers: as('alice'),
          json: { name: 'l.bin', size: 2 * MIN_PART, transport: 's3' },
        });
        arena.count(
          category,
          `${label}: transport s3 ${large.status} ${large.body?.transport ?? large.body?.code}`,
          ok(large.status) && large.body.transport === 's3',
        );
        const uppy = await call(b.url, '/uppy/sign', {
          method: 'POST',
          headers: as('alice'),
          json: { method: 'PUT', key: 'x', file: { name: 'a.png', size: 10, type: 'image/png' } },
        });
        arena.count(category, `${label}: Uppy sign ${uppy.status} ${uppy.body?.code}`, ok(uppy.status));
        if (presign.body?.code !== 'not_found' || uppy.body?.code !== 'not_found')
          arena.wrongErrors.push(`${label}: presign ${presign.body?.code}, Uppy ${uppy.body?.code}`);
      } finally {
        await b.close();
      }
    }
  } finally {
    await plain.close();
  }
}
