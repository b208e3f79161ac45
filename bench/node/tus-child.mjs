// @tus/server with its file store, in a process of its own like the emulator's (stack-child.mjs),
// so the two servers compared in scenario 6b run under the same conditions. Prints
// {"endpoint"} as one JSON line, then runs until its stdin closes.
import { createServer } from 'node:http';
import { FileStore } from '@tus/file-store';
import { Server } from '@tus/server';

const { directory } = JSON.parse(process.argv[2]);
const tus = new Server({ path: '/files', datastore: new FileStore({ directory }) });
const http = createServer((req, res) => void tus.handle(req, res));
http.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ endpoint: `http://127.0.0.1:${http.address().port}/files` })}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => {
  http.closeAllConnections();
  http.close(() => process.exit(0));
});
