/**
 * `b2up dev --data DIR`: the files and the broker's token secret both survive a restart, so an
 * upload started before it continues after it (its upload token is still the broker's).
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEV_SECRET_FILE, type DevStack, startDevStack } from '../../src/cli/dev-stack.js';

const stacks: DevStack[] = [];
let dir: string | undefined;

afterAll(async () => {
  for (const stack of stacks) await stack.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function start(dataDir?: string) {
  const stack = await startDevStack({
    origins: ['http://127.0.0.1:1'],
    minPartSize: 5000,
    ...(dataDir ? { dataDir } : {}),
  });
  stacks.push(stack);
  return stack;
}

const alice = { Authorization: 'Bearer alice', 'Content-Type': 'application/json' };

async function partUrls(stack: DevStack, session: { uploadId: string; token: string }) {
  return fetch(`${stack.brokerUrl}/uploads/${encodeURIComponent(session.uploadId)}/part-urls`, {
    method: 'POST',
    headers: { ...alice, 'X-B2up-Upload-Token': session.token },
    body: JSON.stringify({ count: 1 }),
  });
}

describe('b2up dev --data DIR', () => {
  it('keeps the broker secret: an upload started before a restart continues after it', async () => {
    dir = await mkdtemp(join(tmpdir(), 'b2up-dev-data-'));
    const first = await start(dir);
    const started = await fetch(`${first.brokerUrl}/uploads`, {
      method: 'POST',
      headers: alice,
      body: JSON.stringify({ name: 'big.bin', size: 20_000 }),
    });
    expect(started.status).toBe(200);
    const session = (await started.json()) as { uploadId: string; token: string };
    await first.close();
    stacks.length = 0;
    expect((await stat(join(dir, DEV_SECRET_FILE))).mode & 0o777).toBe(0o600);

    const second = await start(dir);
    const urls = await partUrls(second, session);
    expect(urls.status, await urls.clone().text()).toBe(200);
  });

  it('in memory, a restart forgets uploads, and tokens with them', async () => {
    const first = await start();
    const other = await start();
    const started = await fetch(`${first.brokerUrl}/uploads`, {
      method: 'POST',
      headers: alice,
      body: JSON.stringify({ name: 'big.bin', size: 20_000 }),
    });
    const session = (await started.json()) as { uploadId: string; token: string };
    expect((await partUrls(other, session)).status).toBe(401);
  });
});
