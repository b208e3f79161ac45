/**
 * A `fetch` over node:http(s), for the broker calls of Node uploads (`b2up upload`): small JSON
 * requests and answers, each answer read whole.
 *
 * Why not Node's own fetch: it parses HTTP with llhttp compiled to WebAssembly, and after the first
 * few answers V8 re-compiles that module with its optimizing compiler on a background thread. On
 * Node 20 that compilation alone raised the peak RSS of a process making eight small calls from 44
 * to 85 MiB (with `--liftoff-only`, which skips it: 56 MiB); the same calls through node:http, which
 * parses in C: 46 MiB. An upload of any size makes about five broker calls, so a CLI upload paid
 * more for them than for all its part buffers. See docs/performance.md.
 *
 * What it does not do, because the broker protocol (docs/broker-protocol.md) needs none of it:
 * follow redirects (a 3xx comes back as it is), decompress (it asks for none), stream the request
 * body (it is read whole first) or the answer (read whole, then handed over).
 */
import { type IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Statuses whose Response must have a null body. */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

export const nodeHttpFetch: typeof fetch = async (input, init) => {
  const request = new Request(input, init);
  const { signal } = request;
  signal.throwIfAborted();
  const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
  const headers: Record<string, string> = Object.fromEntries(request.headers);
  if (body) headers['content-length'] = String(body.length);
  const url = new URL(request.url);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  // The default agents keep connections alive (Node 19+), as fetch does.
  const answer = await new Promise<{ res: IncomingMessage; bytes: Uint8Array<ArrayBuffer> }>(
    (resolve, reject) => {
      const req = send(url, { method: request.method, headers, signal });
      const fail = (error: Error) =>
        // fetch rejects with the signal's reason when aborted, and with a TypeError otherwise.
        reject(signal.aborted ? signal.reason : new TypeError('fetch failed', { cause: error }));
      req.once('error', fail);
      req.once('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('error', fail);
        // Its own ArrayBuffer, which Response takes whatever the typings say of Buffer's; answers
        // are small JSON, so the copy costs nothing.
        res.once('end', () => resolve({ res, bytes: new Uint8Array(Buffer.concat(chunks)) }));
      });
      req.end(body);
    },
  );
  const { res, bytes } = answer;
  const status = res.statusCode ?? 0;
  const responseHeaders = new Headers();
  // rawHeaders keeps repeated headers (e.g. several Set-Cookie) as separate entries.
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
    responseHeaders.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
  }
  return new Response(NULL_BODY_STATUSES.has(status) ? null : bytes, {
    status,
    statusText: res.statusMessage ?? '',
    headers: responseHeaders,
  });
};
