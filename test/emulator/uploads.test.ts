import { request } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import {
  download,
  makeBucket,
  reply,
  type Session,
  session,
  sha1,
  upload,
  uploadUrl,
  useBucket,
} from './helpers.js';

let s: Session;
let bucketId: string;
let bucketName: string;
useBucket((opened) => ({ s, bucketId, bucketName } = opened));

const names = async () =>
  (await s.call('b2_list_file_versions', { bucketId, maxFileCount: 1000 })).body.files.map(
    (f: { fileName: string }) => f.fileName,
  );

/** Raw HTTP/1.1 request text over a socket, for requests fetch cannot make (no Content-Length). */
function rawRequest(url: string, text: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(text));
    let out = '';
    socket.on('data', (d) => {
      out += d.toString();
    });
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
  });
}

describe('b2_upload_file', () => {
  it('stores the bytes and returns the file object', async () => {
    const r = await upload(s, bucketId, 'hello.txt', 'hello world', { 'X-Bz-Info-Author': 'ann%20lee' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      action: 'upload',
      bucketId,
      contentLength: 11,
      contentSha1: sha1('hello world'),
      contentMd5: '5eb63bbbe01eeed093cb22bb8f5acdc3',
      contentType: 'text/plain',
      fileInfo: { author: 'ann lee' },
      fileName: 'hello.txt',
      serverSideEncryption: { mode: null, algorithm: null },
    });
    expect(r.body.uploadTimestamp % 1000).toBe(0);
    const d = await download(`${s.emulator.url}/file/${bucketName}/hello.txt`, {
      headers: { Authorization: s.token },
    });
    expect(d.status).toBe(200);
    expect(d.bytes.toString()).toBe('hello world');
    expect(d.headers.get('x-bz-info-author')).toBe('ann%20lee');
  });

  it('hex_digits_at_end: trailing 40 hex bytes verified and not stored', async () => {
    const data = Buffer.from('payload with trailing hash');
    const body = Buffer.concat([data, Buffer.from(sha1(data))]);
    const r = await upload(s, bucketId, 'hexend.bin', body, { 'X-Bz-Content-Sha1': 'hex_digits_at_end' });
    expect(r.status).toBe(200);
    expect(r.body.contentLength).toBe(data.length);
    expect(r.body.contentSha1).toBe(sha1(data));
    const d = await download(`${s.emulator.url}/b2api/v2/b2_download_file_by_id?fileId=${r.body.fileId}`, {
      headers: { Authorization: s.token },
    });
    expect(d.bytes.equals(data)).toBe(true);
    const wrong = Buffer.concat([data, Buffer.from(sha1('other'))]);
    const bad = await upload(s, bucketId, 'hexend-bad.bin', wrong, {
      'X-Bz-Content-Sha1': 'hex_digits_at_end',
    });
    expect(bad.status).toBe(400);
    expect(await names()).not.toContain('hexend-bad.bin');
  });

  it('do_not_verify stores and reports unverified:<sha1>', async () => {
    const r = await upload(s, bucketId, 'unverified.bin', 'abc', { 'X-Bz-Content-Sha1': 'do_not_verify' });
    expect(r.status).toBe(200);
    expect(r.body.contentSha1).toBe(`unverified:${sha1('abc')}`);
  });

  it('SHA-1 mismatch is 400 bad_request and stores nothing', async () => {
    const r = await upload(s, bucketId, 'mismatch.bin', 'real bytes', {
      'X-Bz-Content-Sha1': sha1('other bytes'),
    });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ status: 400, code: 'bad_request', message: 'Sha1 did not match data received' });
    expect(await names()).not.toContain('mismatch.bin');
  });

  it('refuses chunked bodies and missing Content-Length', async () => {
    const u = await uploadUrl(s, bucketId);
    const chunked = await reply(
      await fetch(u.uploadUrl, {
        method: 'POST',
        headers: {
          Authorization: u.authorizationToken,
          'X-Bz-File-Name': 'chunked.bin',
          'Content-Type': 'b2/x-auto',
          'X-Bz-Content-Sha1': sha1('abc'),
        },
        body: new ReadableStream({
          start(c) {
            c.enqueue(new TextEncoder().encode('abc'));
            c.close();
          },
        }),
        duplex: 'half',
      } as RequestInit),
    );
    expect(chunked.status).toBe(400);
    expect(chunked.body.code).toBe('bad_request');
    const path = new URL(u.uploadUrl).pathname;
    const raw = await rawRequest(
      u.uploadUrl,
      `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: ${u.authorizationToken}\r\nX-Bz-File-Name: nolength.bin\r\nContent-Type: text/plain\r\nX-Bz-Content-Sha1: ${sha1('')}\r\nConnection: close\r\n\r\n`,
    );
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect(raw).toContain('Content-Length header is required');
    expect(await names()).not.toContain('chunked.bin');
    expect(await names()).not.toContain('nolength.bin');
  });

  it('b2/x-auto picks the type by extension', async () => {
    const png = await upload(s, bucketId, 'pic.png', 'x', { 'Content-Type': 'b2/x-auto' });
    expect(png.body.contentType).toBe('image/png');
    const none = await upload(s, bucketId, 'noext', 'x', { 'Content-Type': 'b2/x-auto' });
    expect(none.body.contentType).toBe('application/octet-stream');
  });

  it('enforces name rules', async () => {
    for (const name of ['bad\u0001name', 'del\u007fname', 'x'.repeat(1025)]) {
      const r = await upload(s, bucketId, name, 'x');
      expect(r.status, name).toBe(400);
      expect(r.body.code).toBe('bad_request');
    }
    const max = await upload(s, bucketId, 'é'.repeat(512), 'x');
    expect(max.status).toBe(200);
  });

  it('enforces file info rules', async () => {
    const eleven: Record<string, string> = {};
    for (let i = 0; i < 11; i++) eleven[`X-Bz-Info-k${i}`] = 'v';
    expect((await upload(s, bucketId, 'info11', 'x', eleven)).status).toBe(400);
    expect((await upload(s, bucketId, 'infob2', 'x', { 'X-Bz-Info-b2-unknown': 'v' })).status).toBe(400);
    expect(
      (await upload(s, bucketId, 'infolong', 'x', { [`X-Bz-Info-${'k'.repeat(51)}`]: 'v' })).status,
    ).toBe(400);
    expect((await upload(s, bucketId, 'infobig', 'x', { 'X-Bz-Info-big': 'v'.repeat(7000) })).status).toBe(
      400,
    );
    const ok = await upload(s, bucketId, 'infob2ok', 'x', {
      'X-Bz-Info-b2-content-disposition': 'attachment',
    });
    expect(ok.status).toBe(200);
    const d = await download(`${s.emulator.url}/file/${bucketName}/infob2ok`, {
      headers: { Authorization: s.token },
    });
    expect(d.headers.get('content-disposition')).toBe('attachment');
  });

  it('upload tokens are bound to their URL and expire after 24 h', async () => {
    const u = await uploadUrl(s, bucketId);
    const other = await uploadUrl(s, bucketId);
    const mixed = await reply(
      await fetch(other.uploadUrl, {
        method: 'POST',
        headers: {
          Authorization: u.authorizationToken,
          'X-Bz-File-Name': 'mixed',
          'Content-Type': 'text/plain',
          'X-Bz-Content-Sha1': sha1('x'),
        },
        body: 'x',
      }),
    );
    expect(mixed.status).toBe(401);
    const local = await session();
    try {
      const b = await makeBucket(local);
      const lu = await uploadUrl(local, b);
      local.emulator.clock.advance(24 * 3600 * 1000);
      const r = await reply(
        await fetch(lu.uploadUrl, {
          method: 'POST',
          headers: {
            Authorization: lu.authorizationToken,
            'X-Bz-File-Name': 'late',
            'Content-Type': 'text/plain',
            'X-Bz-Content-Sha1': sha1('x'),
          },
          body: 'x',
        }),
      );
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('expired_auth_token');
    } finally {
      await local.emulator.close();
    }
  });
});

describe('one request at a time per upload token', () => {
  it('a second concurrent upload on one token gets 400 auth_token_limit; the first succeeds', async () => {
    s.emulator.counters.reset();
    const u = await uploadUrl(s, bucketId);
    const data = Buffer.alloc(4096, 7);
    const target = new URL(u.uploadUrl);
    // First request: send half the body, hold the rest until the second one was answered.
    let finishFirst!: () => void;
    const first = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: {
            Authorization: u.authorizationToken,
            'X-Bz-File-Name': 'slow.bin',
            'Content-Type': 'application/octet-stream',
            'X-Bz-Content-Sha1': sha1(data),
            'Content-Length': String(data.length),
          },
        },
        (res) => {
          let body = '';
          res.on('data', (d) => {
            body += d;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.write(data.subarray(0, 2048));
      finishFirst = () => req.end(data.subarray(2048));
    });
    // Wait until the server has the first request in flight.
    await vi.waitFor(
      () => expect(s.emulator.counters.get('b2_upload_file').bytesReceived).toBeGreaterThanOrEqual(2048),
      { timeout: 30_000 },
    );
    const second = await reply(
      await fetch(u.uploadUrl, {
        method: 'POST',
        headers: {
          Authorization: u.authorizationToken,
          'X-Bz-File-Name': 'fast.bin',
          'Content-Type': 'text/plain',
          'X-Bz-Content-Sha1': sha1('x'),
        },
        body: 'x',
      }),
    );
    expect(second.status).toBe(400);
    expect(second.body.code).toBe('auth_token_limit');
    expect(s.emulator.counters.get('b2_upload_file').tokenConflicts).toBe(1);
    finishFirst();
    const done = await first;
    expect(done.status).toBe(200);
    expect(JSON.parse(done.body).contentSha1).toBe(sha1(data));
    // The token is free again once the first request finished.
    const third = await reply(
      await fetch(u.uploadUrl, {
        method: 'POST',
        headers: {
          Authorization: u.authorizationToken,
          'X-Bz-File-Name': 'third.bin',
          'Content-Type': 'text/plain',
          'X-Bz-Content-Sha1': sha1('x'),
        },
        body: 'x',
      }),
    );
    expect(third.status).toBe(200);
    expect(await names()).not.toContain('fast.bin');
  });
});
