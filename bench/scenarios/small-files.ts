/**
 * 8. Small files and the broker. The same small files uploaded from a Node client through one
 * broker, two ways, alternating batches in the same run:
 *   - proxied: POST /files, the broker receives the bytes and uploads them to B2 itself;
 *   - presigned: POST /files/presign, a PUT straight to B2's S3 API, POST /files/{id}/confirm.
 * Measured in the broker's own process (bench/node/broker-child.mjs): CPU time per file (signing +
 * confirming vs receiving and re-sending the file; B2 checks the SHA-1 either way) and the bytes
 * the broker's server received per file (request lines, headers, bodies).
 */
import { createHash } from 'node:crypto';
import { createB2Client } from '../../src/b2/client.js';
import { startEmulator } from '../../src/emulator/index.js';
import { type BenchContext, type Figure, versus } from '../lib/figures.js';
import { median } from '../lib/stats.js';
import { type ServerStats, startBrokerChild, statsPer } from '../lib/stats-child.js';

const GROUP = '8. Small files through the broker';

const digest = (algorithm: 'sha1' | 'md5', data: Uint8Array) =>
  createHash(algorithm).update(data).digest('hex');

async function proxied(broker: string, data: Uint8Array<ArrayBuffer>, name: string): Promise<void> {
  const response = await fetch(`${broker}/files`, {
    method: 'POST',
    headers: {
      'Content-Type': 'image/jpeg',
      'X-B2up-Name': name,
      'X-B2up-Content-Sha1': digest('sha1', data),
    },
    body: data,
  });
  if (!response.ok) throw new Error(`POST /files: ${response.status} ${await response.text()}`);
}

async function presigned(broker: string, data: Uint8Array<ArrayBuffer>, name: string): Promise<void> {
  const json = { 'Content-Type': 'application/json' };
  const presign = await fetch(`${broker}/files/presign`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({
      name,
      size: data.byteLength,
      contentType: 'image/jpeg',
      sha1: digest('sha1', data),
      md5: digest('md5', data),
    }),
  });
  if (!presign.ok) throw new Error(`presign: ${presign.status} ${await presign.text()}`);
  const p = (await presign.json()) as {
    uploadId: string;
    token: string;
    put: { url: string; headers: Record<string, string> };
  };
  const put = await fetch(p.put.url, { method: 'PUT', headers: p.put.headers, body: data });
  if (put.status !== 200) throw new Error(`PUT: ${put.status} ${await put.text()}`);
  const confirm = await fetch(`${broker}/files/${p.uploadId}/confirm`, {
    method: 'POST',
    headers: { 'X-B2up-Upload-Token': p.token },
  });
  if (!confirm.ok) throw new Error(`confirm: ${confirm.status} ${await confirm.text()}`);
}

export async function smallFilesScenario(context: BenchContext): Promise<Figure[]> {
  const { settings } = context;
  const count = settings.quick ? 20 : 100;
  const size = 1024 * 1024; // a phone photo
  const emulator = await startEmulator({});
  const admin = createB2Client({
    applicationKeyId: emulator.keyId,
    applicationKey: emulator.key,
    realm: emulator.url,
  });
  const bucketName = 'bench-small-files';
  const { bucketId } = await admin.createBucket({ bucketName, bucketType: 'allPrivate' });
  const broker = await startBrokerChild({ admin, bucketId, bucketName, emulator });
  try {
    const { url } = await broker.info;
    const data = new Uint8Array(size);
    for (let i = 0; i < size; i++) data[i] = (i * 2654435761) >>> 24;
    const runs = { proxied: [] as ServerStats[], presigned: [] as ServerStats[] };
    // A warm-up of each, then alternating batches so drift on a shared machine hits both alike.
    await proxied(url, data, 'warm.jpg');
    await presigned(url, data, 'warm.jpg');
    for (let rep = 0; rep < Math.max(2, settings.reps); rep++) {
      for (const way of rep % 2 ? (['presigned', 'proxied'] as const) : (['proxied', 'presigned'] as const)) {
        const before = await broker.stats();
        for (let i = 0; i < count; i++)
          await (way === 'proxied' ? proxied : presigned)(url, data, `photo-${i}.jpg`);
        const after = await broker.stats();
        runs[way].push(statsPer(before, after, count));
      }
    }
    const cpu = (way: keyof typeof runs) => median(runs[way].map((r) => r.cpuMicros)) / 1000;
    const bytes = (way: keyof typeof runs) => median(runs[way].map((r) => r.bytes));
    context.log(
      `  broker per 1 MiB file: proxied ${cpu('proxied').toFixed(2)} ms CPU, ${bytes('proxied').toFixed(0)} B received; presigned ${cpu('presigned').toFixed(2)} ms CPU, ${bytes('presigned').toFixed(0)} B received`,
    );
    return [
      {
        id: 'small.broker_cpu_presigned_vs_proxied',
        group: GROUP,
        label: `broker CPU per 1 MiB file, presign + confirm (${count} files a batch)`,
        ...versus(cpu('presigned'), 'ms', { label: 'proxied through POST /files', value: cpu('proxied') }),
      },
      {
        id: 'small.broker_bytes_presigned_vs_proxied',
        group: GROUP,
        label: 'bytes the broker receives per 1 MiB file, presigned (requests, headers, bodies)',
        ...versus(bytes('presigned'), 'B', { label: 'proxied through POST /files', value: bytes('proxied') }),
      },
    ];
  } finally {
    await broker.close();
    await emulator.close();
  }
}
