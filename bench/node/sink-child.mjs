// The bare sink: a node:http server that only drains request bodies and answers 200, with CORS for
// any origin, so a browser can POST to it exactly as to B2. What the browser reaches against it is
// the browser's own ceiling (nothing on the server side hashes or stores). Prints {"url"} as one
// JSON line; answers "stats" lines on stdin (bench/node/server-stats.mjs).
import { createServer } from 'node:http';
import { countServer, serveStats } from './server-stats.mjs';

const cors = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'POST, PUT',
  'Access-Control-Max-Age': '86400',
};
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    // `*` doesn't cover Authorization: name back what the preflight asks for.
    const asked = req.headers['access-control-request-headers'];
    res.writeHead(
      req.method === 'OPTIONS' ? 204 : 200,
      asked ? { ...cors, 'Access-Control-Allow-Headers': asked } : cors,
    );
    res.end();
  });
});
const read = countServer(server);
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}/sink` })}\n`);
});
serveStats(read, async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
