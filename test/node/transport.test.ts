/**
 * In Node the part sender streams a Blob body in 1 MiB reads with Content-Length set (never chunked,
 * which B2 refuses), and the bytes that arrive are exactly the Blob's.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSend } from '../../src/upload/transport.js';

interface Seen {
  headers: IncomingHttpHeaders;
  sha1: string;
  length: number;
}

describe('Node transport', () => {
  let server: Server;
  let url: string;
  const seen: Seen[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const hash = createHash('sha1');
      let length = 0;
      req.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        length += chunk.length;
      });
      req.on('end', () => {
        seen.push({ headers: req.headers, sha1: hash.digest('hex'), length });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/part`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  for (const size of [0, 1, 1024 * 1024, 3 * 1024 * 1024 + 5]) {
    it(`sends a ${size}-byte Blob whole, with Content-Length and no chunked encoding`, async () => {
      const bytes = randomBytes(size);
      const progress: number[] = [];
      const response = await defaultSend()({
        url,
        method: 'POST',
        headers: { 'X-Bz-Part-Number': '1' },
        body: new Blob([bytes]),
        onProgress: (loaded) => progress.push(loaded),
      });
      expect(response.status).toBe(200);
      expect(response.text).toBe('{"ok":true}');
      const last = seen.at(-1)!;
      expect(last.length).toBe(size);
      expect(last.sha1).toBe(createHash('sha1').update(bytes).digest('hex'));
      expect(last.headers['content-length']).toBe(String(size));
      expect(last.headers['transfer-encoding']).toBeUndefined();
      expect(last.headers['x-bz-part-number']).toBe('1');
      expect(progress.at(-1)).toBe(size);
    });
  }

  it('rejects with status 0 and code aborted when the signal fires mid-body', async () => {
    const controller = new AbortController();
    const body = new Blob([randomBytes(8 * 1024 * 1024)]);
    const sending = defaultSend()({ url, method: 'POST', headers: {}, body, signal: controller.signal });
    controller.abort();
    await expect(sending).rejects.toMatchObject({ status: 0, code: 'aborted' });
  });
});
