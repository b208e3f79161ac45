// Counters a bench server child keeps about itself, and the stdin protocol that reads them
// (bench/lib/stats-child.ts): each "stats" line is answered with one JSON line; stdin's end stops it.
import { createInterface } from 'node:readline';

/** Counts what `server` (a node:http server) receives: socket bytes, calls and preflights. */
export function countServer(server) {
  const open = new Set();
  let closedBytes = 0;
  let calls = 0;
  let preflights = 0;
  server.on('connection', (socket) => {
    open.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      closedBytes += socket.bytesRead;
    });
  });
  server.on('request', (req) => {
    if (req.method === 'OPTIONS') preflights++;
    else calls++;
  });
  return () => {
    const cpu = process.cpuUsage();
    return {
      cpuMicros: cpu.user + cpu.system,
      bytes: [...open].reduce((sum, socket) => sum + socket.bytesRead, closedBytes),
      calls,
      preflights,
    };
  };
}

/** Answers "stats" lines with `read()`; runs `stop` when stdin ends. */
export function serveStats(read, stop) {
  const lines = createInterface({ input: process.stdin });
  lines.on('line', () => process.stdout.write(`${JSON.stringify(read())}\n`));
  lines.on('close', async () => {
    await stop();
    process.exit(0);
  });
}
