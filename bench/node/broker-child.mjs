// A broker in a process of its own (the tsc-built package, as an app would run it), so its CPU time
// is its own: process.cpuUsage() here counts signing, confirming or proxying, never the emulator's
// work or the client's. Prints its URL as one JSON line; each line on stdin ("stats") is answered
// with one JSON line: CPU microseconds so far and the bytes the broker's server has received.
import { createInterface } from 'node:readline';
import { createBroker } from '../../dist/src/broker/index.js';
import { serveBroker } from '../../dist/src/broker/node.js';

const options = JSON.parse(process.argv[2]);
const broker = createBroker({
  b2: options.b2,
  smallFiles: options.smallFiles,
  authorize: () => ({ id: 'bench' }),
  limits: { startsPerMinute: Number.POSITIVE_INFINITY },
});
const served = await serveBroker(broker);
process.stdout.write(`${JSON.stringify({ url: served.url })}\n`);
const lines = createInterface({ input: process.stdin });
lines.on('line', () => {
  const cpu = process.cpuUsage();
  process.stdout.write(
    `${JSON.stringify({ cpuMicros: cpu.user + cpu.system, bytes: served.bytesReceived() })}\n`,
  );
});
lines.on('close', async () => {
  await served.close();
  process.exit(0);
});
