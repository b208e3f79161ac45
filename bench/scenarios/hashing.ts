/**
 * 2. Hashing, the same bytes checked equal everywhere, vs native SHA-1 (node:crypto reading the
 *    file from disk):
 *    - b2up's worker pool hashing the File as parts, as an upload does (WebCrypto per part);
 *    - one worker hashing the whole File in one job (hash-wasm over a byte stream, as wholeFileSha1),
 *      also vs WebCrypto in the page (crypto.subtle.digest over the whole file read into memory).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { BenchContext, Figure } from '../lib/figures.js';
import { MiB } from '../lib/files.js';
import { shaExtensions } from '../lib/procfs.js';
import { median, mibPerSecond } from '../lib/stats.js';

/** node:crypto reading the file from disk: the whole file's SHA-1, and each `partSize` part's. */
async function nodeSha1(
  path: string,
  partSize: number,
): Promise<{ ms: number; sha1: string; parts: string[] }> {
  const t0 = performance.now();
  const whole = createHash('sha1');
  const parts: string[] = [];
  let part = createHash('sha1');
  let inPart = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 2 * MiB })) {
    const bytes = chunk as Buffer;
    whole.update(bytes);
    // highWaterMark divides partSize, so a chunk never straddles two parts.
    part.update(bytes);
    inPart += bytes.length;
    if (inPart === partSize) {
      parts.push(part.digest('hex'));
      part = createHash('sha1');
      inPart = 0;
    }
  }
  if (inPart) parts.push(part.digest('hex'));
  const sha1 = whole.digest('hex');
  return { ms: performance.now() - t0, sha1, parts };
}

export async function hashingScenario(context: BenchContext): Promise<Figure[]> {
  const { settings } = context;
  const size = settings.hashSize;
  const path = await context.files.file(size);
  const bench = await context.browser();
  const page = await bench.open(path);
  const times = {
    node: [] as number[],
    worker: [] as number[],
    webCrypto: [] as number[],
    pool: [] as number[],
    ranges: [] as number[],
  };
  let workers = 0;
  try {
    for (let rep = 0; rep < settings.reps; rep++) {
      const native = await nodeSha1(path, settings.partSize);
      const ranges = await page.evaluate((p) => window.bench.hashParts(p, 'ranges'), settings.partSize);
      const pool = await page.evaluate((p) => window.bench.hashParts(p, 'separate'), settings.partSize);
      for (const run of [ranges, pool]) {
        if (run.sha1s.join() !== native.parts.join()) throw new Error('part SHA-1s differ from node:crypto');
      }
      workers = pool.workers;
      times.pool.push(pool.ms);
      times.ranges.push(ranges.ms);
      const worker = await page.evaluate(() => window.bench.hashWorker(1));
      const web = await page.evaluate(() => window.bench.hashWebCrypto());
      if (worker.sha1 !== native.sha1 || web.sha1 !== native.sha1) {
        throw new Error(`SHA-1s differ: node ${native.sha1}, worker ${worker.sha1}, WebCrypto ${web.sha1}`);
      }
      times.node.push(native.ms);
      times.worker.push(worker.ms);
      times.webCrypto.push(web.ms);
      context.log(
        `  node ${mibPerSecond(size, native.ms).toFixed(0)}, parts as uploads ${mibPerSecond(size, ranges.ms).toFixed(0)}, ` +
          `separate parts ${mibPerSecond(size, pool.ms).toFixed(0)}, worker ${mibPerSecond(size, worker.ms).toFixed(0)}, ` +
          `WebCrypto ${mibPerSecond(size, web.ms).toFixed(0)} MiB/s`,
      );
    }
  } finally {
    await page.close();
  }
  const rate = (k: keyof typeof times) => mibPerSecond(size, median(times[k]));
  const group = '2. Hashing';
  const sha = shaExtensions();
  return [
    {
      id: 'hash.upload_parts_vs_node',
      group,
      label: `${settings.partSize / MiB} MiB parts as uploads hash them (one stream per file, one worker, hash-wasm)`,
      value: rate('ranges'),
      unit: 'MiB/s',
      reference: { label: 'node:crypto read + hash, 1 thread', value: rate('node') },
      ratio: rate('ranges') / rate('node'),
    },
    {
      id: 'hash.parts_vs_node',
      group,
      label: `${settings.partSize / MiB} MiB parts as separate Blobs on the pool (${workers} workers, WebCrypto per part; resume checks)`,
      value: rate('pool'),
      unit: 'MiB/s',
      reference: { label: 'node:crypto read + hash, 1 thread', value: rate('node') },
      ratio: rate('pool') / rate('node'),
    },
    {
      id: 'hash.worker_vs_node',
      group,
      label: `one worker, whole ${size / MiB} MiB File (hash-wasm over a byte stream, as wholeFileSha1), CPU SHA ext: ${sha}`,
      value: rate('worker'),
      unit: 'MiB/s',
      reference: { label: 'node:crypto read + hash', value: rate('node') },
      ratio: rate('worker') / rate('node'),
    },
    {
      id: 'hash.worker_vs_webcrypto',
      group,
      label: 'the same one-worker hash vs WebCrypto in the page (whole file in memory)',
      value: rate('worker'),
      unit: 'MiB/s',
      reference: { label: 'crypto.subtle.digest', value: rate('webCrypto') },
      ratio: rate('worker') / rate('webCrypto'),
    },
  ];
}
