// The dev stack (emulator + broker + bucket CORS) in a process of its own, as `b2up dev` runs it:
// in the runner it would share a process with Playwright's client, whose async context tracking
// slows every promise, and with the runner's own work. Prints the stack's addresses and keys as one
// JSON line, then runs until its stdin closes.
import { startDevStack } from '../../dist/src/cli/dev-stack.js';

const options = JSON.parse(process.argv[2]);
const stack = await startDevStack(options);
process.stdout.write(
  `${JSON.stringify({
    pid: process.pid,
    brokerUrl: stack.brokerUrl,
    bucketId: stack.bucketId,
    bucketName: stack.bucketName,
    emulator: {
      url: stack.emulator.url,
      keyId: stack.emulator.keyId,
      key: stack.emulator.key,
      region: stack.emulator.region,
    },
  })}\n`,
);
process.stdin.resume();
process.stdin.on('end', async () => {
  await stack.close();
  process.exit(0);
});
