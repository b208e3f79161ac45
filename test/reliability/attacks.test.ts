/**
 * Suite 4, broker attack corpus (docs/reliability.md#broker-attack-corpus): ≥ 300 hostile requests
 * generated systematically against a real broker over a real emulator. test/broker/attacks.test.ts
 * proves each kind of refusal once with its exact code; this suite multiplies them across every call,
 * token variant, origin and input, and counts how many got through (bar: 0).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { serveBroker } from '../../src/broker/node.js';
import { startDevServer } from '../../src/cli/dev-server.js';
import { createTokenSigner, toBase64Url } from '../../src/broker/token.js';
import { figure, isLong, writeFigures } from '../../e2e/reliability/figures.js';
import {
  as,
  bytes,
  call,
  leakedSecrets,
  MIN_PART,
  type Reply,
  SECRET,
  sha1,
  start,
  startBroker,
  uploadParts,
} from '../broker/helpers.js';
import { useBrokerWorld } from '../broker/use-world.js';
import {
  confirmMismatches,
  keysWithoutS3,
  multipartUrlMisuse,
  otherUsersS3Uploads,
  presignedPutMisuse,
  type S3Arena,
} from './s3-attacks.js';

const APP_ORIGIN = 'http://127.0.0.1:5173';
const MAX_FILE = 100 * MIN_PART;
const STARTS_PER_MINUTE = 20;

/** Requests sent and how many of them a hostile caller got through, per category. */
const tally = new Map<string, { sent: number; succeeded: string[] }>();

function count(category: string, label: string, succeeded: boolean): void {
  const entry = tally.get(category) ?? { sent: 0, succeeded: [] };
  entry.sent += 1;
  if (succeeded) entry.succeeded.push(label);
  tally.set(category, entry);
}
const ok = (r: Reply) => r.status >= 200 && r.status < 300;

const brokerOptions = {
  cors: { origins: [APP_ORIGIN] },
  limits: { maxFileSize: MAX_FILE, startsPerMinute: 10_000 },
};
const { world, broker } = useBrokerWorld({ broker: brokerOptions });
/** A second world whose broker signs S3 (its key has deleteFiles): the S3 cases run there. */
const s3: S3Arena = { ...useBrokerWorld({ s3: true, broker: brokerOptions }), count, wrongErrors: [] };

afterAll(async () => {
  const rows = [...tally].map(([category, { sent, succeeded }]) =>
    figure(
      `${category}: hostile requests / succeeded`,
      `${sent} / ${succeeded.length}`,
      '0 succeed',
      succeeded.length === 0,
    ),
  );
  const total = [...tally.values()].reduce((n, t) => n + t.sent, 0);
  const got = [...tally.values()].reduce((n, t) => n + t.succeeded.length, 0);
  rows.unshift(
    figure(
      'hostile requests in all / succeeded',
      `${total} / ${got}`,
      '≥ 300 / 0',
      total >= 300 && got === 0,
    ),
  );
  const leaks = [...leakedSecrets(world), ...leakedSecrets(s3.world)];
  rows.push(figure('secrets in any broker response', leaks.length, '0', leaks.length === 0));
  writeFigures('4-broker-attacks', isLong() ? 'long' : 'ci', rows);
});

const pathOf = (uploadId: string) => `/uploads/${encodeURIComponent(uploadId)}`;
type Session = { uploadId: string; token: string; fileName: string };

async function startAs(user: string, size = 2 * MIN_PART): Promise<Session> {
  const r = await start(broker.url, user, { name: 'victim.bin', size });
  if (r.status !== 200) throw new Error(`start: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** A 100-byte small file of `contentType` through POST /files, as alice. */
function smallFile(url: string, contentType: string): Promise<Reply> {
  const body = bytes(100);
  return call(url, '/files', {
    method: 'POST',
    headers: {
      ...as('alice'),
      'Content-Type': contentType,
      'X-B2up-Name': 'x.bin',
      'X-B2up-Content-Sha1': sha1(body),
    },
    body,
  });
}

const PER_UPLOAD_CALLS = [
  { name: 'part-urls', method: 'POST', suffix: '/part-urls', json: { count: 1 } },
  { name: 'parts', method: 'GET', suffix: '/parts', json: undefined },
  { name: 'finish', method: 'POST', suffix: '/finish', json: { partSha1Array: ['0'.repeat(40)] } },
  { name: 'cancel', method: 'DELETE', suffix: '', json: undefined },
] as const;

describe('per-upload calls with someone else’s upload or a bad token', () => {
  it('refuses every call × every token variant, for both users’ uploads', async () => {
    const alice = await startAs('alice');
    const bob = await startAs('bob');
    const other = await startAs('alice');
    const signer = createTokenSigner(new TextEncoder().encode(SECRET));
    const past = Date.now() - 1000;
    const expired = (s: Session, user: string) =>
      signer.sign({
        uploadId: s.uploadId,
        principalId: user,
        fileName: s.fileName,
        size: 2 * MIN_PART,
        expiresAt: past,
      });
    const tamper = (token: string, change: Record<string, unknown>) => {
      const [payload, signature] = token.split('.');
      const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
      return `${toBase64Url(new TextEncoder().encode(JSON.stringify({ ...claims, ...change })))}.${signature}`;
    };
    // [label, user, upload attacked, token sent (undefined = none)]
    const variants = async (
      victim: Session,
      owner: string,
      stranger: string,
    ): Promise<[string, string | undefined, string, string | undefined][]> => [
      ['stranger with the owner’s token', stranger, victim.uploadId, victim.token],
      [
        'stranger with own token for another upload',
        stranger,
        victim.uploadId,
        stranger === 'bob' ? bob.token : alice.token,
      ],
      [
        'owner with a token for another upload',
        owner,
        victim.uploadId,
        owner === 'alice' ? other.token : alice.token,
      ],
      ['no login, owner’s token', undefined, victim.uploadId, victim.token],
      ['owner, no token', owner, victim.uploadId, undefined],
      ['owner, empty token', owner, victim.uploadId, ''],
      ['owner, garbage token', owner, victim.uploadId, 'garbage'],
      ['owner, three-part token', owner, victim.uploadId, `${victim.token}.x`],
      ['owner, signature stripped', owner, victim.uploadId, `${victim.token.split('.')[0]}.`],
      ['owner, forged signature', owner, victim.uploadId, `${victim.token.split('.')[0]}.${'A'.repeat(43)}`],
      ['owner, token of 9000 chars', owner, victim.uploadId, `${'A'.repeat(9000)}.${'A'.repeat(43)}`],
      ['owner, size raised in payload', owner, victim.uploadId, tamper(victim.token, { s: 10 ** 12 })],
      [
        'stranger, principal swapped in payload',
        stranger,
        victim.uploadId,
        tamper(victim.token, { p: stranger }),
      ],
      [
        'owner, expiry pushed in payload',
        owner,
        victim.uploadId,
        tamper(victim.token, { e: Date.now() + 10 ** 9 }),
      ],
      ['owner, expired (validly signed)', owner, victim.uploadId, await expired(victim, owner)],
      ['stranger, expired token of the victim', stranger, victim.uploadId, await expired(victim, owner)],
      [
        'owner, token with CRLF appended',
        owner,
        victim.uploadId,
        `${victim.token}\r\nX-Evil: 1`.replace(/[\r\n]/g, ' '),
      ],
      [
        'owner’s token, path of another upload',
        owner,
        bob.uploadId === victim.uploadId ? alice.uploadId : bob.uploadId,
        victim.token,
      ],
      ['owner’s token, traversal in the path', owner, `../${victim.uploadId}`, victim.token],
      ['owner’s token, id with suffix', owner, `${victim.uploadId}x`, victim.token],
    ];
    for (const [victim, owner, stranger] of [
      [alice, 'alice', 'bob'],
      [bob, 'bob', 'mallory'],
    ] as const) {
      for (const [label, user, uploadId, token] of await variants(victim, owner, stranger)) {
        for (const c of PER_UPLOAD_CALLS) {
          const headers: Record<string, string> = { ...(user ? as(user) : {}) };
          if (token !== undefined) headers['X-B2up-Upload-Token'] = token;
          const r = await call(broker.url, `${pathOf(uploadId)}${c.suffix}`, {
            method: c.method,
            headers,
            json: c.json,
          });
          count('other user’s upload / bad tokens', `${c.name} ${label}: ${r.status}`, ok(r));
        }
      }
    }
    // Nothing changed: both uploads are still open and hold no parts.
    const { files } = await world.admin.listUnfinishedLargeFiles({ bucketId: world.bucketId });
    expect(files.map((f) => f.fileId)).toEqual(expect.arrayContaining([alice.uploadId, bob.uploadId]));
    expect(tally.get('other user’s upload / bad tokens')?.succeeded).toEqual([]);
  });

  it('refuses a replayed token after cancel and after finish, on every call', async () => {
    const cancelled = await startAs('alice');
    expect(
      (
        await call(broker.url, pathOf(cancelled.uploadId), {
          method: 'DELETE',
          headers: { ...as('alice'), 'X-B2up-Upload-Token': cancelled.token },
        })
      ).status,
    ).toBe(200);
    const finished = await startAs('alice');
    const parts = [bytes(MIN_PART, 1), bytes(MIN_PART, 2)];
    await uploadParts(broker.url, 'alice', finished, parts);
    const headers = { ...as('alice'), 'X-B2up-Upload-Token': finished.token };
    const first = await call(broker.url, `${pathOf(finished.uploadId)}/finish`, {
      method: 'POST',
      headers,
      json: { partSha1Array: parts.map(sha1) },
    });
    expect(first.status).toBe(200);
    for (const [label, session] of [
      ['cancelled', cancelled],
      ['finished', finished],
    ] as const) {
      for (const c of PER_UPLOAD_CALLS) {
        if (label === 'finished' && c.name === 'finish') continue; // a repeated finish is checked below
        const r = await call(broker.url, `${pathOf(session.uploadId)}${c.suffix}`, {
          method: c.method,
          headers: { ...as('alice'), 'X-B2up-Upload-Token': session.token },
          json: c.json,
        });
        // Cancelling a finished file must not delete it; listing its parts leaks nothing new but is refused too.
        count('replayed tokens', `${c.name} after ${label}: ${r.status}`, ok(r) && c.name !== 'parts');
      }
    }
    // A repeated finish answers the same result, however often it is repeated.
    for (let i = 0; i < 3; i++) {
      const again = await call(broker.url, `${pathOf(finished.uploadId)}/finish`, {
        method: 'POST',
        headers,
        json: { partSha1Array: parts.map(sha1) },
      });
      count(
        'repeated finish',
        `finish #${i + 2}: ${again.status}`,
        JSON.stringify(again.body) !== JSON.stringify(first.body),
      );
    }
    const file = await world.admin.getFileInfo({ fileId: finished.uploadId });
    expect(file.action).toBe('upload');
    expect(tally.get('replayed tokens')?.succeeded).toEqual([]);
    expect(tally.get('repeated finish')?.succeeded).toEqual([]);
  });
});

describe('origins', () => {
  const routes = [
    ['GET', '/config'],
    ['POST', '/files'],
    ['POST', '/files/target'],
    ['POST', '/uploads'],
    ['POST', '/uploads/x/part-urls'],
    ['GET', '/uploads/x/parts'],
    ['POST', '/uploads/x/finish'],
    ['DELETE', '/uploads/x'],
  ] as const;
  it('refuses cross-origin calls and preflights from every origin but the app’s', async () => {
    const hostile = [
      'http://127.0.0.1:5174', // a second loopback origin
      'http://localhost:5173',
      'https://127.0.0.1:5173',
      'http://127.0.0.1:5173.evil.example',
      'http://evil.example',
      'null',
      'http://127.0.0.1',
    ];
    for (const origin of hostile) {
      for (const [method, path] of routes) {
        const actual = await call(broker.url, path, {
          method,
          headers: { ...as('alice'), Origin: origin, 'Content-Type': 'application/json' },
          ...(method === 'POST' ? { json: { name: 'x.bin', size: 10, count: 1 } } : {}),
        });
        const allowOrigin = actual.headers.get('access-control-allow-origin');
        count(
          'cross-origin requests',
          `${method} ${path} from ${origin}: ${actual.status}`,
          ok(actual) || allowOrigin === origin,
        );
        const preflight = await call(broker.url, path, {
          method: 'OPTIONS',
          headers: {
            Origin: origin,
            'Access-Control-Request-Method': method,
            'Access-Control-Request-Headers': 'authorization,content-type',
          },
        });
        count(
          'disallowed preflights',
          `OPTIONS ${path} from ${origin}: ${preflight.status}`,
          preflight.headers.get('access-control-allow-origin') === origin ||
            preflight.headers.get('access-control-allow-origin') === '*',
        );
      }
    }
    expect(tally.get('cross-origin requests')?.succeeded).toEqual([]);
    expect(tally.get('disallowed preflights')?.succeeded).toEqual([]);
  });
});

describe('DNS rebinding to the dev servers', () => {
  /** A raw request with the Host and Origin a page on `name` would send (fetch won't forge Host). */
  function asPageOn(
    url: string,
    name: string,
    method: string,
    path: string,
    json?: unknown,
  ): Promise<number> {
    const { port } = new URL(url);
    const body = json === undefined ? undefined : JSON.stringify(json);
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: Number(port),
          method,
          path,
          headers: {
            Host: `${name}:${port}`,
            Origin: `http://${name}:${port}`,
            Authorization: 'Bearer guest',
            ...(body ? { 'Content-Type': 'application/json', 'Content-Length': String(body.length) } : {}),
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  it('serves the dev page, its file list and its broker only under the names they print', async () => {
    const root = await mkdtemp(join(tmpdir(), 'b2up-rebind-'));
    await writeFile(join(root, 'index.html'), '<!doctype html><title>dev</title>');
    const dev = await startDevServer({ root, port: 0 });
    try {
      const start = { name: 'x.bin', size: 2 * MIN_PART };
      for (const name of ['rebind.attacker.example', '127.0.0.1.nip.io', 'localhost.evil']) {
        for (const [label, method, path, json] of [
          ['broker start', 'POST', '/b2up/uploads', start],
          ['broker config', 'GET', '/b2up/config', undefined],
          ['file list', 'GET', '/dev/files', undefined],
          ['page', 'GET', '/', undefined],
        ] as const) {
          const status = await asPageOn(dev.url, name, method, path, json);
          count('DNS rebinding', `b2up dev ${label} from ${name}: ${status}`, status >= 200 && status < 300);
        }
        const direct = await asPageOn(dev.stack.broker.url, name, 'POST', '/b2up/uploads', start);
        count('DNS rebinding', `dev stack broker from ${name}: ${direct}`, direct >= 200 && direct < 300);
      }
      // Its own names still work.
      expect(await asPageOn(dev.url, '127.0.0.1', 'POST', '/b2up/uploads', start)).toBe(200);
      expect(await asPageOn(dev.url, 'localhost', 'GET', '/', undefined)).toBe(200);
    } finally {
      await dev.close();
      await rm(root, { recursive: true, force: true });
    }
    expect(tally.get('DNS rebinding')?.succeeded).toEqual([]);
  });
});

describe('names and prefixes', () => {
  const names = [
    '../../etc/passwd',
    '..',
    '.',
    '../',
    '..\\..\\boot.ini',
    '/etc/shadow',
    '//server/share/x',
    'a/../../b',
    '%2e%2e%2fsecret',
    '%2e%2e/%2e%2e/x',
    'uploads/../other-user/x',
    'other-user/file.bin',
    '\u0000',
    'a\u0000b',
    'a\u0007b',
    'tab\there',
    'new\nline',
    'crlf\r\nX-Bz-Info-evil: 1',
    '\u0085next',
    '\u2028sep',
    '\u202Egnp.exe',
    '\u200Bzero-width',
    '\uFEFFbom',
    'ﬁle.txt',
    '／etc／passwd',
    '＼windows',
    'ａdmin.txt',
    'con',
    'NUL.txt',
    'x'.repeat(1025),
    'é'.repeat(600),
    '😀'.repeat(300),
    `${'a/'.repeat(200)}x`,
    ' ',
    '   .   ',
    'file.',
    '\\',
    '~/.ssh/authorized_keys',
    'C:\\Windows\\system.ini',
    'cafe\u0301.txt',
    '\uD800lone-surrogate',
  ];
  it('never lets a name leave <prefix>/<uuid>/ or carry separators and controls', async () => {
    for (const name of names) {
      const r = await start(broker.url, 'alice', { name, size: 2 * MIN_PART });
      if (!ok(r)) {
        count('hostile names', `${JSON.stringify(name.slice(0, 30))}: ${r.status}`, false);
        continue;
      }
      const match = /^uploads\/[0-9a-f-]{36}\/([^/]+)$/.exec(r.body.fileName);
      const safe = match?.[1] ?? '';
      const escaped =
        !match || /[\\\p{Cc}\p{Cf}\uff0f\uff3c]/u.test(safe) || /^\.|\.$/.test(safe) || safe.includes('..');
      count('hostile names', `${JSON.stringify(name.slice(0, 30))} → ${r.body.fileName}`, escaped);
    }
    // Fields that try to choose the name or prefix directly are ignored or refused.
    for (const extra of [
      { fileName: 'other/x.bin' },
      { prefix: 'other' },
      { namePrefix: '' },
      { bucketId: 'x' },
      { principal: 'bob' },
    ]) {
      const r = await start(broker.url, 'alice', { name: 'x.bin', size: 2 * MIN_PART, ...extra });
      const inside = ok(r) && /^uploads\/[0-9a-f-]{36}\/x\.bin$/.test(r.body.fileName);
      count(
        'prefixes outside the user’s',
        `${JSON.stringify(extra)}: ${r.status} ${r.body?.fileName}`,
        ok(r) && !inside,
      );
    }
    expect(tally.get('hostile names')?.succeeded).toEqual([]);
    expect(tally.get('prefixes outside the user’s')?.succeeded).toEqual([]);
  });
});

describe('sizes, types and file info', () => {
  it('refuses oversize or malformed declarations', async () => {
    for (const size of [
      MAX_FILE + 1,
      10 * 2 ** 40,
      2 ** 53,
      2 ** 53 + 2,
      -1,
      0,
      1.5,
      '100',
      null,
      Number.MAX_VALUE,
      1e308,
    ]) {
      const r = await start(broker.url, 'alice', { name: 'big.bin', size });
      count('oversize / bad declarations', `size ${size}: ${r.status}`, ok(r));
    }
    for (const partSize of [-1, 2 ** 53, 'x']) {
      const r = await start(broker.url, 'alice', { name: 'p.bin', size: 2 * MIN_PART, partSize });
      // An absurd part size is clamped, never obeyed.
      count(
        'oversize / bad declarations',
        `partSize ${partSize}: ${r.status} ${r.body?.partSize}`,
        ok(r) && !(r.body.partSize >= MIN_PART && r.body.partSize <= 5 * 10 ** 9),
      );
    }
    const small = await call(broker.url, '/files', {
      method: 'POST',
      headers: {
        ...as('alice'),
        'Content-Type': 'application/octet-stream',
        'X-B2up-Name': 'x.bin',
        'X-B2up-Content-Sha1': sha1(bytes(10)),
      },
      body: bytes(MAX_FILE + 10),
    });
    count('oversize / bad declarations', `small file over the limit: ${small.status}`, ok(small));
    expect(tally.get('oversize / bad declarations')?.succeeded).toEqual([]);
  });

  it('refuses extra parts beyond the declared size at finish', async () => {
    for (const [label, parts] of [
      ['one extra part', [bytes(MIN_PART, 1), bytes(MIN_PART, 2), bytes(MIN_PART, 3)]],
      ['a bigger last part', [bytes(MIN_PART, 1), bytes(MIN_PART + 1, 2)]],
      ['fewer bytes', [bytes(MIN_PART, 1)]],
    ] as const) {
      const s = await startAs('alice');
      // Asking for more part URLs than the declared size has parts is itself refused.
      const sent = await uploadParts(broker.url, 'alice', s, [...parts]).then(
        () => true,
        () => false,
      );
      const r = await call(broker.url, `${pathOf(s.uploadId)}/finish`, {
        method: 'POST',
        headers: { ...as('alice'), 'X-B2up-Upload-Token': s.token },
        json: { partSha1Array: parts.map(sha1) },
      });
      count('extra parts beyond the declared size', `${label}: sent ${sent}, ${r.status}`, ok(r));
    }
    expect(tally.get('extra parts beyond the declared size')?.succeeded).toEqual([]);
  });

  it('refuses a part that lands while finish is in flight (the finish race, held deterministically)', async () => {
    const faults = world.emulator.faults;
    for (const [label, claim] of [
      ['the client lists the late part', 'with-extra'],
      ['the client lists only the checked parts', 'checked'],
    ] as const) {
      const s = await startAs('alice');
      const parts = [bytes(MIN_PART, 61), bytes(MIN_PART, 62)];
      const extra = bytes(17_000, 63);
      const urls = await call(broker.url, `${pathOf(s.uploadId)}/part-urls`, {
        method: 'POST',
        headers: { ...as('alice'), 'X-B2up-Upload-Token': s.token },
        json: { count: 2 },
      });
      const send = (n: number, body: Uint8Array<ArrayBuffer>) =>
        fetch(urls.body.targets[0].uploadUrl, {
          method: 'POST',
          headers: {
            Authorization: urls.body.targets[0].authorizationToken,
            'X-Bz-Part-Number': String(n),
            'X-Bz-Content-Sha1': sha1(body),
          },
          body,
        });
      for (const [i, part] of parts.entries()) await send(i + 1, part);
      // B2's finish is held once it is called; the extra part lands, then B2 goes on.
      const disarm = faults.add({ endpoints: ['b2_finish_large_file'], fault: 'hold' });
      const partSha1Array = [...parts, ...(claim === 'with-extra' ? [extra] : [])].map(sha1);
      let answered = false;
      const answer = call(broker.url, `${pathOf(s.uploadId)}/finish`, {
        method: 'POST',
        headers: { ...as('alice'), 'X-B2up-Upload-Token': s.token },
        json: { partSha1Array },
      }).finally(() => (answered = true));
      while (!answered && faults.state().held === 0) await new Promise((r) => setTimeout(r, 5));
      const held = faults.state().held > 0;
      await send(3, extra);
      faults.release();
      disarm();
      const r = await answer;
      const stored = await world.admin.getFileInfo({ fileId: s.uploadId }).catch(() => undefined);
      count(
        'finish race',
        `${label} (finish ${held ? 'held' : 'never called'}): ${r.status}, B2 holds ${stored?.action} ${stored?.contentLength}`,
        ok(r) || (stored?.action === 'upload' && stored.contentLength !== 2 * MIN_PART),
      );
    }
    expect(tally.get('finish race')?.succeeded).toEqual([]);
  });

  it('stops storage amplification: no part URLs past the declared size, oversized uploads cancelled', async () => {
    const headers = (user: string, s: Session) => ({ ...as(user), 'X-B2up-Upload-Token': s.token });
    const partUrls = (user: string, s: Session, n: number) =>
      call(broker.url, `${pathOf(s.uploadId)}/part-urls`, {
        method: 'POST',
        headers: headers(user, s),
        json: { count: n },
      });
    const sendPart = (target: { uploadUrl: string; authorizationToken: string }, n: number) =>
      fetch(target.uploadUrl, {
        method: 'POST',
        headers: {
          Authorization: target.authorizationToken,
          'X-Bz-Part-Number': String(n),
          'X-Bz-Content-Sha1': sha1(bytes(MIN_PART, n)),
        },
        body: bytes(MIN_PART, n),
      });
    const unfinished = async () =>
      (await world.admin.listUnfinishedLargeFiles({ bucketId: world.bucketId })).files.map((f) => f.fileId);

    // A 10-byte upload needs one part: more URLs than parts it can have are refused.
    const tiny = await startAs('mallory', 10);
    for (const n of [2, 16]) {
      const r = await partUrls('mallory', tiny, n);
      count('storage amplification', `${n} URLs for a 10-byte upload: ${r.status}`, ok(r));
    }
    // Parts past the declared size through the one URL it got: the next part-urls call is refused
    // and the upload cancelled.
    const [target] = (await partUrls('mallory', tiny, 1)).body.targets;
    for (const n of [1, 2, 3, 4]) await sendPart(target, n);
    const again = await partUrls('mallory', tiny, 1);
    count('storage amplification', `part URLs after 20,000 B stored of 10: ${again.status}`, ok(again));
    count(
      'storage amplification',
      'the over-full upload still open after part-urls',
      (await unfinished()).includes(tiny.uploadId),
    );
    // The janitor: an over-full upload whose owner never calls again is cancelled at their next start.
    const quiet = await startAs('mallory', 10);
    const [quietTarget] = (await partUrls('mallory', quiet, 1)).body.targets;
    for (const n of [1, 2, 3]) await sendPart(quietTarget, n);
    await startAs('mallory');
    count(
      'storage amplification',
      'an over-full upload still open after its owner’s next start',
      (await unfinished()).includes(quiet.uploadId),
    );
    expect(tally.get('storage amplification')?.succeeded).toEqual([]);
  });

  it('never reports a whole-file SHA-1 the uploader only claimed as verified', async () => {
    const victim = [bytes(MIN_PART, 7), bytes(MIN_PART, 8)];
    const claimed = sha1(Buffer.concat(victim));
    for (const [label, info] of [
      ['another file’s SHA-1', { large_file_sha1: claimed }],
      ['the upper-cased SHA-1', { large_file_sha1: claimed.toUpperCase() }],
    ] as const) {
      const r = await start(broker.url, 'bob', { name: 'claim.bin', size: 2 * MIN_PART, info });
      const parts = [bytes(MIN_PART, 9), bytes(MIN_PART, 10)];
      await uploadParts(broker.url, 'bob', r.body, parts);
      const done = await call(broker.url, `${pathOf(r.body.uploadId)}/finish`, {
        method: 'POST',
        headers: { ...as('bob'), 'X-B2up-Upload-Token': r.body.token },
        json: { partSha1Array: parts.map(sha1) },
      });
      count(
        'claimed whole-file SHA-1s',
        `${label}: ${done.status} contentSha1 ${done.body?.contentSha1}`,
        done.status !== 200 || done.body.contentSha1 === claimed || done.body.claimedSha1 !== claimed,
      );
    }
    expect(tally.get('claimed whole-file SHA-1s')?.succeeded).toEqual([]);
  });

  it('refuses active content types, large and small', async () => {
    const types = [
      'text/html',
      'TEXT/HTML',
      'text/html; charset=utf-8',
      ' text/html',
      'image/svg+xml',
      'image/svg+xml; charset=utf-8',
      'application/xhtml+xml',
      'application/xml',
      'text/xml',
      'application/javascript',
      'text/javascript',
      'text/html,application/octet-stream',
    ];
    for (const contentType of types) {
      const large = await start(broker.url, 'alice', { name: 'x.bin', size: 2 * MIN_PART, contentType });
      count(
        'text/html and SVG types',
        `large ${contentType}: ${large.status} ${large.body?.fileName ?? ''}`,
        ok(large),
      );
      const small = await smallFile(broker.url, contentType);
      count('text/html and SVG types', `small ${contentType}: ${small.status}`, ok(small));
    }
    // A name ending in .html or .svg with no type must not be stored as active content either.
    for (const name of ['page.html', 'icon.svg', 'x.xhtml']) {
      const r = await start(broker.url, 'alice', { name, size: 2 * MIN_PART });
      let stored = '';
      if (ok(r)) stored = (await world.admin.getFileInfo({ fileId: r.body.uploadId })).contentType ?? '';
      count(
        'text/html and SVG types',
        `${name} stored as ${stored || r.status}`,
        /html|svg|xml|javascript/i.test(stored),
      );
    }
    expect(tally.get('text/html and SVG types')?.succeeded).toEqual([]);
  });

  it('refuses every type a browser runs as a document or script, on every path', async () => {
    const direct = await startBroker(world, { smallFiles: 'direct', limits: { maxFileSize: MAX_FILE } });
    // Types outside any fixed list that browsers still render with script: every +xml document,
    // RDF, server push, MHTML, WML, the non-standard script types.
    const types = [
      'application/mathml+xml',
      'application/rdf+xml',
      'application/vnd.wap.xhtml+xml',
      'text/rdf',
      'multipart/x-mixed-replace',
      'multipart/related',
      'message/rfc822',
      'application/rss+xml',
      'application/atom+xml',
      'application/xml-dtd',
      'text/vnd.wap.wml',
      'text/jscript',
      'text/x-javascript',
      'text/livescript',
      'text/vbscript',
      'application/x-ecmascript',
      'text/javascript1.5',
      'application/vnd.adobe.flash.movie',
      'text/html-sandboxed',
      'text/x-unknown-document',
    ];
    try {
      for (const contentType of types) {
        const large = await start(broker.url, 'alice', { name: 'x.bin', size: 2 * MIN_PART, contentType });
        count('script-capable types', `large ${contentType}: ${large.status}`, ok(large));
        const small = await smallFile(broker.url, contentType);
        count('script-capable types', `small ${contentType}: ${small.status}`, ok(small));
        const target = await call(direct.url, '/files/target', {
          method: 'POST',
          headers: as('alice'),
          json: { name: 'x.bin', size: 100, contentType },
        });
        count('script-capable types', `direct target ${contentType}: ${target.status}`, ok(target));
      }
    } finally {
      await direct.close();
    }
    expect(tally.get('script-capable types')?.succeeded).toEqual([]);
  });

  it('never lets CRLF or reserved keys through file info', async () => {
    const infos = [
      { note: 'a\r\nX-Injected: 1' },
      { 'bad\r\nkey': 'x' },
      { note: '\r\n\r\n<html>' },
      { 'b2-content-disposition': 'inline\r\nX-Evil: 1' },
      { 'b2-content-type': 'text/html' },
      { 'x-bz-info-evil': 'x' },
      { note: '\u0000' },
      { [''.padEnd(300, 'k')]: 'v' },
      { note: 'v'.repeat(8000) },
      { b2up_principal: 'bob' },
    ];
    for (const info of infos) {
      const r = await start(broker.url, 'alice', { name: 'x.bin', size: 2 * MIN_PART, info });
      let through = false;
      if (ok(r)) {
        const stored = (await world.admin.getFileInfo({ fileId: r.body.uploadId })).fileInfo ?? {};
        through =
          Object.entries(stored).some(
            ([k, v]) => /[\r\n\0]/.test(k + v) || (k === 'b2-content-type' && /html/.test(v)),
          ) || stored['b2up-user'] !== 'alice';
      }
      count(
        'CRLF / reserved keys in file info',
        `${JSON.stringify(info).slice(0, 40)}: ${r.status}`,
        through,
      );
    }
    expect(tally.get('CRLF / reserved keys in file info')?.succeeded).toEqual([]);
  });
  it('budgets the B2 calls per-upload calls cause, per upload and per user', async () => {
    const perUpload = 60;
    const perUser = 200;
    const limited = await startBroker(world, {
      limits: {
        maxFileSize: MAX_FILE,
        startsPerMinute: 10_000,
        uploadCallsPerUploadPerMinute: perUpload,
        uploadCallsPerMinute: perUser,
      },
      now: () => 0, // a stopped clock: no budget refills during the run
    });
    const b2Calls = () => world.emulator.counters.snapshot().totals.requests;
    const partUrls = (s: Session) =>
      call(limited.url, `${pathOf(s.uploadId)}/part-urls`, {
        method: 'POST',
        headers: { ...as('hammer'), 'X-B2up-Upload-Token': s.token },
        json: { count: 4 }, // 5 B2 calls: a part listing and 4 part URLs
      });
    try {
      const one = (await start(limited.url, 'hammer', { name: 'h.bin', size: 40 * MIN_PART })).body;
      let before = b2Calls();
      const answers: Reply[] = [];
      for (let i = 0; i < 30; i++) answers.push(await partUrls(one));
      const caused = b2Calls() - before;
      count('per-upload call budget', `one upload, 30 × 4 part URLs: ${caused} B2 calls`, caused > perUpload);
      const refused = answers.filter((r) => r.status === 429 && r.headers.get('Retry-After'));
      count('per-upload call budget', `429s with Retry-After: ${refused.length}`, refused.length === 0);
      // Spread over many uploads, each within its own budget, the user's budget still holds.
      const many = await Promise.all(
        Array.from({ length: 6 }, () => start(limited.url, 'hammer', { name: 'm.bin', size: 40 * MIN_PART })),
      );
      before = b2Calls();
      for (const upload of many) for (let i = 0; i < 10; i++) await partUrls(upload.body);
      const spread = b2Calls() - before;
      count('per-upload call budget', `6 uploads × 10 × 4 part URLs: ${spread} B2 calls`, spread > perUser);
    } finally {
      await limited.close();
    }
    expect(tally.get('per-upload call budget')?.succeeded).toEqual([]);
  });
});

describe('held connections', () => {
  /** A raw request to `url` with all its headers but only `sent` bytes of a `declared`-byte body. */
  function halfSent(url: string, user: string, declared: number, sent: number) {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    let answer = '';
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('error', () => {});
    socket.write(
      `POST /uploads HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${user}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n${'{'.padEnd(sent, ' ')}`,
    );
    return { socket, closed, answer: () => answer };
  }

  it('bounds the bodies one user may hold half-sent, and cuts them at the timeouts', async () => {
    const limit = 8;
    const held = await startBroker(world, {
      limits: { maxFileSize: MAX_FILE, bodiesPerUser: limit },
    });
    // Another server with short timeouts, to see a half-sent body cut.
    const timed = await serveBroker(held.broker, {
      headersTimeoutMs: 300,
      requestTimeoutMs: 600,
      idleTimeoutMs: 1000,
    });
    const sockets = Array.from({ length: 20 }, () => halfSent(held.url, 'slowloris', 500_000, 10));
    try {
      await vi.waitFor(
        () => expect(sockets.filter((s) => s.answer().includes(' 429 ')).length).toBe(20 - limit),
        {
          timeout: 20_000,
        },
      );
      const holding = sockets.filter((s) => s.answer() === '').length;
      count('held connections', `${holding} half-sent bodies held for one user`, holding > limit);
      // Another user is not starved by them.
      const other = await start(held.url, 'bystander', { name: 'b.bin', size: 2 * MIN_PART });
      count('held connections', `a bystander while one user holds bodies: ${other.status}`, !ok(other));

      const body = halfSent(timed.url, 'dripper', 500_000, 10);
      const cut = await Promise.race([
        body.closed.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 20_000)),
      ]);
      count('held connections', `a half-sent body cut by the server's timeout: ${cut}`, !cut);
      body.socket.destroy();
    } finally {
      for (const s of sockets) s.socket.destroy();
      await timed.close();
      await held.close();
    }
    expect(tally.get('held connections')?.succeeded).toEqual([]);
  });
});

describe('rate limit', () => {
  it('refuses starts beyond startsPerMinute in a burst', async () => {
    const frozen = Date.now(); // a stopped clock: the bucket never refills during the burst
    const limited = await startBroker(world, {
      limits: { maxFileSize: MAX_FILE, startsPerMinute: STARTS_PER_MINUTE },
      now: () => frozen,
    });
    const burst = await Promise.all(
      Array.from({ length: STARTS_PER_MINUTE + 20 }, () =>
        start(limited.url, 'rate-limited-user', { name: 'x.bin', size: 2 * MIN_PART }),
      ),
    ).finally(() => limited.close());
    const allowed = burst.filter(ok).length;
    for (const [i, r] of burst.entries()) {
      count(
        'bursts beyond the rate limit',
        `start #${i}: ${r.status}`,
        ok(r) && i >= STARTS_PER_MINUTE && allowed > STARTS_PER_MINUTE,
      );
    }
    expect(allowed).toBeLessThanOrEqual(STARTS_PER_MINUTE);
    expect(burst.filter((r) => r.status === 429).length).toBe(burst.length - allowed);
  });
});

describe('S3 mode', () => {
  const cases: [string, (arena: S3Arena) => Promise<void>, string][] = [
    [
      'a presigned PUT URL writes nothing but the key, method, size, type, MD5 and info it was signed for',
      presignedPutMisuse,
      'presigned PUT used for something else',
    ],
    [
      'confirm keeps nothing B2 holds other than declared: missing, bigger, smaller, other SHA-1, other type',
      confirmMismatches,
      'confirm of bytes other than declared',
    ],
    [
      'an UploadPart URL writes only its part of its upload, and nothing after complete',
      multipartUrlMisuse,
      'S3 part URLs used for something else',
    ],
    [
      'no S3 call, broker or Uppy route, reaches an upload with another user’s id or token',
      otherUsersS3Uploads,
      'S3 uploads with another user’s id or token',
    ],
    [
      'the master key or a key without deleteFiles: proxied, GET /config says why, nothing signed',
      keysWithoutS3,
      'S3 with a key it can’t be used with',
    ],
  ];
  for (const [title, run, category] of cases) {
    it(title, async () => {
      await run(s3);
      expect(tally.get(category)?.succeeded).toEqual([]);
      expect(s3.wrongErrors).toEqual([]);
    });
  }
});
