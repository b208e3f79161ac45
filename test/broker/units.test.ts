/** Pure pieces of the broker: tokens, names, types, info, rate limits, origins, routes. */
import { describe, expect, it } from 'vitest';
import {
  createTypePolicy,
  isActiveContentType,
  normaliseContentType,
} from '../../src/broker/content-types.js';
import { decideOrigin, normaliseOrigins } from '../../src/broker/cors.js';
import { buildFileInfo, checkHeaderBudget } from '../../src/broker/file-info.js';
import { checkFinalName, normalisePrefix, safeFileName } from '../../src/broker/names.js';
import { createMemoryRateLimiter } from '../../src/broker/rate-limit.js';
import { routePath } from '../../src/broker/router.js';
import { createTokenSigner, fromBase64Url, toBase64Url } from '../../src/broker/token.js';

const secret = new TextEncoder().encode('s'.repeat(32));
const claims = {
  uploadId: '4_zabc',
  principalId: 'alice',
  fileName: 'uploads/x/a.bin',
  size: 123,
  expiresAt: 2_000,
};

describe('upload tokens', () => {
  it('round-trips claims and refuses after expiry', async () => {
    const signer = createTokenSigner(secret);
    const token = await signer.sign(claims);
    expect(await signer.verify(token, 1_999)).toEqual({ ok: true, claims });
    expect(await signer.verify(token, 2_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses other secrets, flipped bits and malformed tokens', async () => {
    const token = await createTokenSigner(secret).sign(claims);
    const other = createTokenSigner(new TextEncoder().encode('t'.repeat(32)));
    expect((await other.verify(token, 0)).ok).toBe(false);
    const [payload, mac] = token.split('.') as [string, string];
    const flipped = fromBase64Url(mac);
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    const signer = createTokenSigner(secret);
    expect(await signer.verify(`${payload}.${toBase64Url(flipped)}`, 0)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    for (const bad of [
      '',
      '.',
      'a',
      `${payload}`,
      `${payload}.${mac}.x`,
      `${payload}.a`,
      `${payload}.@@`,
      'x'.repeat(9000),
    ]) {
      expect((await signer.verify(bad, 0)).ok, bad.slice(0, 20)).toBe(false);
    }
  });
});

describe('safe names', () => {
  it.each([
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\me\\photo.jpg', 'photo.jpg'],
    ['a\r\nb.txt', 'ab.txt'],
    ['invoice\u202Efdp.exe', 'invoicefdp.exe'],
    ['\u2066x\u2069.png', 'x.png'],
    ['zero\u200Bwidth.txt', 'zerowidth.txt'],
    ['  lots   of \t space .txt ', 'lots of space .txt'],
    ['...', 'file'],
    ['', 'file'],
    ['.hidden', 'hidden'],
    ['trailing...', 'trailing'],
    ['dir/', 'dir'],
    ['a／b', 'b'],
    ['cafe\u0301', 'café'],
    ['\ud800lone.txt', 'lone.txt'],
  ])('%j → %j', (input, expected) => {
    expect(safeFileName(input)).toBe(expected);
  });

  it('caps UTF-8 bytes at 200 and keeps the extension and whole code points', () => {
    const name = safeFileName(`${'😀'.repeat(100)}.jpeg`);
    expect(new TextEncoder().encode(name).length).toBeLessThanOrEqual(200);
    expect(name.endsWith('😀.jpeg')).toBe(true);
    expect(name).not.toMatch(/\p{Cs}/u);
  });

  it('checks custom names against B2 rules and the key prefix', () => {
    expect(checkFinalName('tenant/a', 'tenant/')).toBe('tenant/a');
    for (const bad of ['', 'a\u007fb', 'x'.repeat(1025), 'other/a', 7, '\ud800']) {
      expect(() => checkFinalName(bad, 'tenant/'), String(bad).slice(0, 10)).toThrow();
    }
  });

  it('normalises and checks the prefix option', () => {
    expect(normalisePrefix('/uploads/')).toBe('uploads/');
    expect(normalisePrefix('')).toBe('');
    expect(() => normalisePrefix('a/../b')).toThrow(TypeError);
    expect(() => normalisePrefix('a//b')).toThrow(TypeError);
  });
});

describe('content types', () => {
  it('normalises, keeps a charset, refuses b2/x-auto and garbage', () => {
    expect(normaliseContentType(undefined).stored).toBe('application/octet-stream');
    expect(normaliseContentType('Text/Plain; Charset="UTF-8"').stored).toBe('text/plain; charset=utf-8');
    expect(() => normaliseContentType('b2/x-auto')).toThrow(
      expect.objectContaining({ code: 'type_not_allowed' }),
    );
    expect(() => normaliseContentType('not a type')).toThrow(
      expect.objectContaining({ code: 'bad_request' }),
    );
  });

  it('blocks active content by default and under wildcards, unless listed exactly', () => {
    const open = createTypePolicy(null);
    expect(open('image/png')).toBe(true);
    expect(open('text/html')).toBe(false);
    expect(open('image/svg+xml')).toBe(false);
    const images = createTypePolicy(['image/*', 'video/mp4']);
    expect(images('image/jpeg')).toBe(true);
    expect(images('image/svg+xml')).toBe(false);
    expect(images('video/webm')).toBe(false);
    expect(createTypePolicy(['*/*'])('text/html')).toBe(false);
    expect(createTypePolicy(['*/*', 'text/html'])('text/html')).toBe(true);
  });
});

describe('active content by shape', () => {
  it('keeps the types browsers show as media, text or downloads', () => {
    for (const type of [
      'image/png',
      'image/jpeg',
      'video/mp4',
      'audio/mpeg',
      'font/woff2',
      'application/pdf',
      'application/json',
      'application/zip',
      'application/octet-stream',
      'application/postscript',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'text/plain',
      'text/csv',
    ]) {
      expect(isActiveContentType(type), type).toBe(false);
    }
  });

  it('refuses XML documents, scripts, unknown text, multipart and message types', () => {
    for (const type of [
      'application/mathml+xml',
      'application/vnd.wap.xhtml+xml',
      'application/xml-dtd',
      'text/rdf',
      'text/x-anything',
      'multipart/x-mixed-replace',
      'message/rfc822',
      'text/jscript',
      'application/x-ecmascript',
      'application/vnd.adobe.flash.movie',
    ]) {
      expect(isActiveContentType(type), type).toBe(true);
    }
  });
});

describe('file info', () => {
  const base = { userName: 'a.txt', principalId: 'alice', lastModified: 5, info: undefined };

  it('stores the name, user and last-modified, and passes the app’s keys lower-cased', () => {
    expect(buildFileInfo({ ...base, info: { Album: '2024' } })).toEqual({
      'b2up-name': 'a.txt',
      'b2up-user': 'alice',
      src_last_modified_millis: '5',
      album: '2024',
    });
  });

  it('refuses reserved, invalid, duplicate and too many keys', () => {
    const bad = [
      { 'b2-content-disposition': 'inline' },
      { 'B2UP-NAME': 'x' },
      { src_last_modified_millis: '1' },
      { 'a b': 'x' },
      { ['k'.repeat(51)]: 'x' },
      { A: '1', a: '2' },
      { large_file_sha1: 'xyz' },
      { n: 5 },
      Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`k${i}`, 'v'])),
      ['x'],
    ];
    for (const info of bad) expect(() => buildFileInfo({ ...base, info }), JSON.stringify(info)).toThrow();
  });

  it('enforces B2’s 7,000-byte header budget', () => {
    expect(() => checkHeaderBudget('a', { k: 'é'.repeat(1000) })).not.toThrow();
    expect(() => checkHeaderBudget('a', { k: 'é'.repeat(1200) })).toThrow();
  });
});

describe('rate limiter', () => {
  it('allows a burst of perMinute, then refills continuously, per principal', () => {
    const limiter = createMemoryRateLimiter(2);
    expect(limiter.take('a', 0)).toEqual({ allowed: true });
    expect(limiter.take('a', 0)).toEqual({ allowed: true });
    expect(limiter.take('a', 0)).toEqual({ allowed: false, retryAfterSeconds: 30 });
    expect(limiter.take('b', 0)).toEqual({ allowed: true });
    expect(limiter.take('a', 30_000)).toEqual({ allowed: true });
    expect(limiter.take('a', 30_000)).toMatchObject({ allowed: false });
  });
});

describe('origins and routes', () => {
  const allowed = normaliseOrigins(['https://app.example.com']);
  const decide = (origin: string | undefined, url = 'http://app.example.com/b2up/config') =>
    decideOrigin(new Request(url, { headers: origin ? { Origin: origin } : {} }), new URL(url), allowed);

  it('tells same-origin, allowed and denied apart', () => {
    expect(decide(undefined).kind).toBe('same-origin');
    expect(decide('https://app.example.com').kind).toBe('allowed');
    expect(decide('https://app.example.com', 'http://internal:8080/config').kind).toBe('allowed');
    expect(decide('https://broker.example.com', 'http://broker.example.com/config').kind).toBe('same-origin');
    expect(decide('https://evil.example').kind).toBe('denied');
    expect(decide('null').kind).toBe('denied');
    expect(() => normaliseOrigins(['https://app.example.com/'])).toThrow(TypeError);
  });

  it('matches routes after the base path only', () => {
    expect(routePath('/b2up/config', '/b2up')).toBe('/config');
    expect(routePath('/b2upx/config', '/b2up')).toBeUndefined();
    expect(routePath('/config', '')).toBe('/config');
  });
});
