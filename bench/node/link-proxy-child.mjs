// The far end of the bench's slow link (bench/lib/link.ts): a SOCKS5 proxy that the browser in the
// link's network namespace reaches over the shaped veth, and that adds the round-trip delay
// (`netem` is not available to do it in the kernel). Also a small front that serves the bench page
// and the broker under one origin, as an app serves its page and its broker.
//
// The delay model, per TCP connection the browser opens (one SOCKS CONNECT each):
// - every chunk from the browser reaches the server RTT/2 after it reached the proxy; the bytes of
//   a new connection no earlier than 1.5 RTT after it opened (the TCP handshake, then one way);
// - every chunk from the server reaches the browser RTT/2 after the server wrote it;
// - chunks keep their order; the proxy reads as fast as the shaped link delivers, so TCP's own
//   window never sees the delay (bandwidth is the kernel's tbf, latency this delay line).
// A keep-alive connection pays the handshake once; each request on it then costs one RTT plus its
// bytes' time on the link. No TLS: a real HTTPS connection adds one more RTT (TLS 1.3) when it opens.
//
// For each HTTP/1.1 request the browser sends, it notes when its head and its first body byte left
// the browser (as the model has it: the moment it reached the server minus RTT/2), and when the
// server began to answer (so server time can be told apart from the link's). Input: {"host", "rttMs"}. Prints {"socks", "front"} as one JSON line; then each stdin line
// is a command answered by one JSON line: {"route": {"pages", "broker", "brokerPath"}} sets the
// front's upstreams, {"events": true} lists the connections and requests seen since {"reset": true}.
// Times are epoch milliseconds (performance.timeOrigin + now), comparable with the page's.
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { connect, createServer } from 'node:net';
import { createInterface } from 'node:readline';

const { host, rttMs } = JSON.parse(process.argv[2]);
const half = rttMs / 2;
const now = () => performance.timeOrigin + performance.now();

let events = [];
let connections = 0;

/** Forwards `from` to `to`, each chunk at `dueAt(arrival)`, in order, pausing `from` while `to` is full. */
function delayLine(from, to, dueAt, onDeliver) {
  const queue = [];
  let timer;
  let full = false;
  const flush = () => {
    timer = undefined;
    const t = now();
    while (queue.length > 0 && queue[0].at <= t + 0.5) {
      const item = queue.shift();
      if (item.end) {
        to.end();
        return;
      }
      onDeliver?.(item.chunk, item.at);
      if (!to.write(item.chunk) && !full) {
        full = true;
        from.pause();
        to.once('drain', () => {
          full = false;
          from.resume();
        });
      }
    }
    schedule();
  };
  const schedule = () => {
    if (timer || queue.length === 0) return;
    timer = setTimeout(flush, Math.max(0, queue[0].at - now()));
  };
  from.on('data', (chunk) => {
    queue.push({ chunk, at: dueAt(now()) });
    schedule();
  });
  from.on('end', () => {
    queue.push({ end: true, at: dueAt(now()) });
    schedule();
  });
}

/**
 * Follows the HTTP/1.1 requests on one connection (heads, then Content-Length bodies) and records,
 * per request, when its head and its first body byte were delivered. Chunked bodies end the
 * tracking of that connection (browsers send Blob and string bodies with a length).
 */
function requestTracker(connection, target, pending) {
  let head = Buffer.alloc(0);
  let remaining = 0;
  let current;
  let lost = false;
  return (chunk, at) => {
    let offset = 0;
    while (!lost && offset < chunk.length) {
      if (remaining > 0) {
        if (current.firstBodyAt === undefined) current.firstBodyAt = at;
        const take = Math.min(remaining, chunk.length - offset);
        remaining -= take;
        offset += take;
        continue;
      }
      head = Buffer.concat([head, chunk.subarray(offset)]);
      offset = chunk.length;
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > 65536) lost = true;
        continue;
      }
      const text = head.subarray(0, end).toString('latin1');
      const rest = head.subarray(end + 4);
      head = Buffer.alloc(0);
      const [line, ...fields] = text.split('\r\n');
      const [method, path] = line.split(' ');
      const header = (name) =>
        fields
          .find((f) => f.toLowerCase().startsWith(`${name}:`))
          ?.slice(name.length + 1)
          .trim();
      current = { kind: 'request', connection, target, method, path, headAt: at };
      events.push(current);
      pending.push(current);
      if (header('transfer-encoding')) lost = true;
      remaining = Number(header('content-length') ?? 0);
      // The bytes after the head belong to this body or to the next request.
      chunk = rest;
      offset = 0;
    }
  };
}

/** SOCKS5, no authentication, CONNECT only (RFC 1928): all Chromium needs. */
const socks = createServer((client) => {
  let buffer = Buffer.alloc(0);
  let stage = 'greeting';
  const onData = (data) => {
    buffer = Buffer.concat([buffer, data]);
    if (stage === 'greeting') {
      if (buffer.length < 2 || buffer.length < 2 + buffer[1]) return;
      buffer = buffer.subarray(2 + buffer[1]);
      client.write(Buffer.from([5, 0]));
      stage = 'request';
    }
    if (stage !== 'request' || buffer.length < 5) return;
    const type = buffer[3];
    const addressLength = type === 1 ? 4 : type === 4 ? 16 : 1 + buffer[4];
    if (buffer.length < 4 + addressLength + 2) return;
    const address =
      type === 1
        ? [...buffer.subarray(4, 8)].join('.')
        : type === 4
          ? buffer.subarray(4, 20).toString('hex').match(/.{4}/g).join(':')
          : buffer.subarray(5, 5 + buffer[4]).toString();
    const port = buffer.readUInt16BE(4 + addressLength);
    const early = buffer.subarray(4 + addressLength + 2);
    stage = 'open';
    client.off('data', onData);
    client.pause();
    const id = ++connections;
    const target = `${address}:${port}`;
    const openedAt = now();
    events.push({ kind: 'connection', connection: id, target, at: openedAt });
    const server = connect(port, address, () => {
      client.write(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]));
      // Answers come in request order (HTTP/1.1): the first bytes from the server after a request
      // was delivered start its answer. Noted when the server wrote them, before the delay.
      const pending = [];
      server.on('data', () => {
        const request = pending.shift();
        if (request) request.answeredAt = now();
      });
      const track = requestTracker(id, target, pending);
      // Noted as when the bytes left the browser: delivered RTT/2 later.
      delayLine(
        client,
        server,
        (t) => Math.max(t, openedAt + rttMs) + half,
        (chunk, at) => track(chunk, at - half),
      );
      delayLine(server, client, (t) => t + half);
      if (early.length > 0) client.unshift(early);
      client.resume();
    });
    const close = () => {
      client.destroy();
      server.destroy();
    };
    server.on('error', close);
    client.on('error', close);
    server.on('close', close);
    client.on('close', close);
  };
  client.on('data', onData);
  client.on('error', () => client.destroy());
});

/** The front: `brokerPath` to the broker, everything else to the page server; the Host is kept. */
let route;
const front = createHttpServer((req, res) => {
  const upstream = new URL(req.url.startsWith(route.brokerPath) ? route.broker : route.pages);
  const forward = httpRequest(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    },
  );
  forward.on('error', () => res.destroy());
  req.pipe(forward);
});

await new Promise((resolve) => socks.listen(0, host, resolve));
await new Promise((resolve) => front.listen(0, '127.0.0.1', resolve));
process.stdout.write(
  `${JSON.stringify({ socks: `${host}:${socks.address().port}`, front: `http://127.0.0.1:${front.address().port}` })}\n`,
);

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const command = JSON.parse(line);
  if (command.route) {
    route = command.route;
    process.stdout.write('{}\n');
  } else if (command.events) {
    process.stdout.write(`${JSON.stringify({ events })}\n`);
  } else if (command.reset) {
    events = [];
    process.stdout.write('{}\n');
  }
});
lines.on('close', () => {
  socks.close();
  front.close();
  process.exit(0);
});
