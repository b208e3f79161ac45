/**
 * 7. Server side.
 *   - The broker issuing part URLs (`POST /uploads/{id}/part-urls`, count 1, which calls the
 *     emulator's b2_get_upload_part_url) under load from autocannon, vs a bare Node handler answering
 *     a same-sized JSON body, in the same run.
 *   - The emulator's ingest of b2_upload_part bodies with SHA-1 verification on (real SHA-1 header)
 *     vs off (`do_not_verify`), and a bare sink that only drains bodies, from a Node client in a
 *     child process. Bar: verified ≥ 0.95x unverified.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type DevStack, startDevStack } from '../../src/cli/dev-stack.js';
import { runChild } from '../lib/child.js';
import { type BenchContext, type Figure, versus } from '../lib/figures.js';
import { MiB } from '../lib/files.js';
import { median, mibPerSecond } from '../lib/stats.js';

interface Target {
  uploadUrl: string;
  authorizationToken: string;
}

async function startUpload(stack: DevStack, count: number) {
  const auth = { Authorization: 'Bearer bench', 'Content-Type': 'application/json' };
  const response = await fetch(`${stack.brokerUrl}/uploads`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ name: 'ingest.bin', size: 10 * 1024 * MiB, partSize: 16 * MiB }),
  });
  const started = (await response.json()) as { uploadId: string; token: string };
  const headers = { ...auth, 'X-B2up-Upload-Token': started.token };
  const partUrls = `${stack.brokerUrl}/uploads/${encodeURIComponent(started.uploadId)}/part-urls`;
  const answer = await fetch(partUrls, { method: 'POST', headers, body: JSON.stringify({ count }) });
  const { targets } = (await answer.json()) as { targets: Target[] };
  return {
    partUrls,
    headers,
    targets,
    cancel: () => fetch(partUrls.replace(/\/part-urls$/, ''), { method: 'DELETE', headers }),
  };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

interface Load {
  requestsPerSecond: number;
  p99: number;
  non2xx: number;
  errors: number;
}

export async function serverScenario(context: BenchContext): Promise<Figure[]> {
  const { settings } = context;
  const seconds = settings.quick ? 3 : 10;
  const stack = await startDevStack({
    origins: ['http://127.0.0.1'],
    // The load is one user's calls on one upload: the per-user and per-upload budgets would answer
    // 429 within the first second and measure the limiter instead of the broker.
    broker: {
      limits: {
        startsPerMinute: Number.POSITIVE_INFINITY,
        uploadCallsPerMinute: Number.POSITIVE_INFINITY,
        uploadCallsPerUploadPerMinute: Number.POSITIVE_INFINITY,
      },
    },
  });
  const sinkServer = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('{}'));
  });
  const answer = JSON.stringify({
    targets: [
      {
        uploadUrl: `${stack.emulator.url}/b2api/v4/b2_upload_part/4_zxxxxxxxxxxxxxxxxxxxxxxxx`,
        authorizationToken: 'x'.repeat(200),
      },
    ],
  });
  const bareServer = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(answer));
  });
  const figures: Figure[] = [];
  try {
    const sink = await listen(sinkServer);
    const bare = await listen(bareServer);
    const upload = await startUpload(stack, settings.concurrency);
    const load = (url: string) =>
      runChild<Load>('load-child.mjs', {
        url,
        method: 'POST',
        headers: upload.headers,
        body: JSON.stringify({ count: 1 }),
        connections: 10,
        duration: seconds,
      });
    const brokerLoad = await load(upload.partUrls);
    const bareLoad = await load(`${bare}/part-urls`);
    if (brokerLoad.non2xx || brokerLoad.errors) {
      throw new Error(`broker answered ${brokerLoad.non2xx} non-2xx, ${brokerLoad.errors} errors under load`);
    }
    context.log(
      `  part-urls: broker ${brokerLoad.requestsPerSecond.toFixed(0)} req/s (p99 ${brokerLoad.p99} ms), bare ${bareLoad.requestsPerSecond.toFixed(0)} req/s`,
    );
    figures.push({
      id: 'server.broker_part_urls_vs_bare',
      group: '7. Server side',
      label: `broker part-urls under load (10 connections, ${seconds} s; p99 ${brokerLoad.p99} ms)`,
      ...versus(brokerLoad.requestsPerSecond, 'req/s', {
        label: 'bare Node handler',
        value: bareLoad.requestsPerSecond,
      }),
    });

    const count = settings.quick ? 8 : 32;
    const bytes = count * settings.partSize;
    const times = { verified: [] as number[], unverified: [] as number[], sink: [] as number[] };
    const ingest = async (targets: Target[], verify: boolean) =>
      (
        await runChild<{ ms: number }>('ingest-child.mjs', {
          targets,
          partSize: settings.partSize,
          count,
          verify,
        })
      ).ms;
    const sinkTargets = upload.targets.map(() => ({ uploadUrl: `${sink}/sink`, authorizationToken: 'x' }));
    for (let rep = 0; rep < Math.max(2, settings.reps); rep++) {
      // Each measurement gets a fresh large file, so part numbers never overwrite a stored part.
      for (const verify of rep % 2 ? [false, true] : [true, false]) {
        const fresh = await startUpload(stack, settings.concurrency);
        times[verify ? 'verified' : 'unverified'].push(await ingest(fresh.targets, verify));
        await fresh.cancel();
      }
      times.sink.push(await ingest(sinkTargets, false));
    }
    await upload.cancel();
    const rate = (k: keyof typeof times) => mibPerSecond(bytes, median(times[k]));
    context.log(
      `  ingest: verified ${rate('verified').toFixed(0)}, unverified ${rate('unverified').toFixed(0)}, sink ${rate('sink').toFixed(0)} MiB/s`,
    );
    figures.push(
      {
        id: 'server.ingest_verified_vs_unverified',
        group: '7. Server side',
        label: `emulator ingest, SHA-1 verified vs do_not_verify (${count} x ${settings.partSize / MiB} MiB, c=${settings.concurrency})`,
        ...versus(rate('verified'), 'MiB/s', { label: 'do_not_verify', value: rate('unverified') }),
        bar: { kind: 'min', value: 0.95 },
      },
      {
        id: 'server.ingest_vs_sink',
        group: '7. Server side',
        label: 'emulator ingest (verified) vs a bare Node sink that only drains bodies',
        ...versus(rate('verified'), 'MiB/s', { label: 'bare sink', value: rate('sink') }),
      },
    );
  } finally {
    await new Promise((resolve) => sinkServer.close(resolve));
    await new Promise((resolve) => bareServer.close(resolve));
    await stack.close();
  }
  return figures;
}
