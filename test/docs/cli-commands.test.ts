/**
 * docs/cli.md "From an empty emulator to a broker", run as written: the emulator creates the bucket
 * and a restricted key, the broker accepts that key and signs S3 with the region the emulator wrote,
 * and a small and a large file go through it by presigned S3 URLs into the bucket.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createB2Client } from '../../src/b2/client.js';
import { freePort, type Running, runShell, scratchWithCli, shellBlock, terminals } from './shell.js';

const running: Running[] = [];
let scratch: string | undefined;

afterAll(async () => {
  for (const r of running.reverse()) await r.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('docs/cli.md: from an empty emulator to a broker', () => {
  it('runs the three terminals as written; the upload lands in the bucket', async () => {
    const block = await shellBlock('docs/cli.md', 'b2up emulator --data ./b2-data');
    const [emulatorTerminal, brokerTerminal, uploadTerminal] = terminals(block);
    expect(uploadTerminal).toBeDefined();
    const { dir, env } = await scratchWithCli();
    scratch = dir;
    const [emulatorPort, brokerPort] = [await freePort(), await freePort()];

    const emulator = runShell(
      emulatorTerminal!.replace(/^(b2up emulator .*)$/m, `$1 --port ${emulatorPort}`),
      dir,
      env,
    );
    running.push(emulator);
    const printed = await emulator.waitFor('Press Ctrl-C to stop.');
    const broker = runShell(
      brokerTerminal!.replace(/^(b2up broker .*)$/m, `$1 --port ${brokerPort}`),
      dir,
      env,
    );
    running.push(broker);
    await broker.waitFor('Press Ctrl-C to stop.');
    expect(broker.output()).not.toContain('refusing');

    const upload = runShell(uploadTerminal!.replaceAll(':8787/', `:${brokerPort}/`), dir, env);
    expect(await upload.exited, upload.output()).toBe(0);
    const stored = /hello\.txt: uploaded as (\S+)/.exec(upload.output())?.[1];
    expect(stored).toMatch(/^uploads\/.+\/hello\.txt$/);

    // Behind the broker's back, with the master key the emulator printed.
    const master = createB2Client({
      applicationKeyId: /master key id: (\S+)/.exec(printed)![1]!,
      applicationKey: /master key: +(\S+)/.exec(printed)![1]!,
      realm: `http://127.0.0.1:${emulatorPort}`,
    });
    const download = await master.downloadFileByName('b2up-dev', stored!);
    expect(await new Response(download.body).text()).toBe('hello from the CLI\n');

    // The large file went by presigned S3 parts (the broker signs S3 with the region the
    // emulator wrote), and B2 holds its bytes.
    const big = /big\.bin: uploaded as (\S+)/.exec(upload.output())?.[1];
    expect(big, upload.output()).toMatch(/^uploads\/.+\/big\.bin$/);
    const bigDownload = await master.downloadFileByName('b2up-dev', big!);
    const bigBytes = Buffer.from(await new Response(bigDownload.body).arrayBuffer());
    expect(bigBytes.equals(await readFile(join(dir, 'big.bin')))).toBe(true);
  });
});
