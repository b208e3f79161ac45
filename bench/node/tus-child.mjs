// @tus/server with its file store, in a process of its own like the emulator's (stack-child.mjs),
// so the servers compared run under the same conditions. Prints {"endpoint"} as one JSON line,
// answers "stats" lines on stdin (bench/node/server-stats.mjs), and runs until its stdin closes.
import { createServer } from 'node:http';
import { FileStore } from '@tus/file-store';
import { Server } from '@tus/server';
import { countServer, serveStats } from './server-stats.mjs';

const { directory } = JSON.parse(process.argv[2]);
const tus = new Server({ path: '/files', datastore: new FileStore({ directory }) });
const http = createServer((req, res) => void tus.handle(req, res));
const read = countServer(http);
http.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ endpoint: `http://127.0.0.1:${http.address().port}/files` })}\n`);
});
serveStats(read, async () => {
  http.closeAllConnections();
  await new Promise((resolve) => http.close(resolve));
});
