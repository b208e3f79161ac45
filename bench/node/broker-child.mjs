// A broker in a process of its own (the tsc-built package, as an app would run it), so its CPU time
// is its own: it counts signing, confirming or proxying, never the emulator's work or the client's.
// Served by a plain node:http server through toNodeListener, as an app mounts it. Prints its URL as
// one JSON line; answers "stats" lines on stdin (bench/node/server-stats.mjs).
import { createServer } from 'node:http';
import { createBroker } from '../../dist/src/broker/index.js';
import { toNodeListener } from '../../dist/src/broker/node.js';
import { countServer, serveStats } from './server-stats.mjs';

const options = JSON.parse(process.argv[2]);
const broker = createBroker({
  b2: options.b2,
  smallFiles: options.smallFiles,
  authorize: () => ({ id: 'bench' }),
  limits: { startsPerMinute: Number.POSITIVE_INFINITY },
  ...(options.origins ? { cors: { origins: options.origins } } : {}),
});
const server = createServer(toNodeListener(broker));
const read = countServer(server);
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })}\n`);
serveStats(read, async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
