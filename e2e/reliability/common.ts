/**
 * Pieces the browser reliability suites share: expected SHA-1s of the harness's deterministic
 * bytes, downloads hashed as they stream, and the server-side checks of part-upload traffic.
 */
import { createHash } from 'node:crypto';
import { open, utimes } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { deterministicBlocks } from '../harness/data.js';
import type { EmulatorRequest, ReliabilityStack } from './stack.js';

export const MiB = 1024 * 1024;

/** SHA-1 of the harness's deterministic `size`-byte file for `seed` (see e2e/harness/data.ts). */
export function expectedSha1(seed: number, size: number): string {
  const hash = createHash('sha1');
  for (const block of deterministicBlocks(seed, size)) hash.update(block);
  return hash.digest('hex');
}

/** Writes the harness's deterministic bytes for `seed` to `path` (mtime fixed); returns their SHA-1. */
export async function writeDeterministicFile(
  path: string,
  seed: number,
  size: number,
  mtime = new Date('2026-01-02T03:04:05Z'),
): Promise<string> {
  const hash = createHash('sha1');
  const handle = await open(path, 'w');
  for (const block of deterministicBlocks(seed, size)) {
    hash.update(block);
    await handle.write(block);
  }
  await handle.close();
  await utimes(path, mtime, mtime);
  return hash.digest('hex');
}

/** SHA-1 of a stored file's bytes, read back through a download. */
export async function storedSha1(stack: ReliabilityStack, fileId: string): Promise<string> {
  const download = await stack.admin.downloadFileById(fileId);
  const hash = createHash('sha1');
  const reader = download.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    hash.update(value);
  }
  return hash.digest('hex');
}

/** Unfinished large files left in the bucket. */
export async function unfinishedCount(stack: ReliabilityStack): Promise<number> {
  const listed = await stack.admin.listUnfinishedLargeFiles({ bucketId: stack.bucketId, maxFileCount: 100 });
  return listed.files.length;
}

export interface PartTraffic {
  /** Part requests on one token while another was still open on it. */
  overlaps: number;
  /** 429s followed by a request on the same token sooner than Retry-After. */
  earlyAfter429: number;
  /** 429s seen. */
  answered429: number;
  /** The smallest gap after a 429, in ms (Infinity when the token was never reused). */
  minGapAfter429: number;
  /** Most attempts any one part (file id + part number) took. */
  maxAttemptsPerPart: number;
}

/** Server-side view of b2_upload_part traffic: token concurrency, Retry-After, attempts per part. */
export function partTraffic(requests: EmulatorRequest[]): PartTraffic {
  const parts = requests.filter((r) => r.endpoint === 'b2_upload_part' && r.method === 'POST');
  const byToken = new Map<string, EmulatorRequest[]>();
  const attempts = new Map<string, number>();
  for (const r of parts) {
    const list = byToken.get(r.authorization) ?? [];
    list.push(r);
    byToken.set(r.authorization, list);
    const key = `${r.fileId}#${r.partNumber}`;
    attempts.set(key, (attempts.get(key) ?? 0) + 1);
  }
  let overlaps = 0;
  let earlyAfter429 = 0;
  let answered429 = 0;
  let minGapAfter429 = Number.POSITIVE_INFINITY;
  for (const list of byToken.values()) {
    list.sort((a, b) => a.at - b.at);
    for (let i = 1; i < list.length; i++) {
      const previous = list[i - 1]!;
      if (previous.endedAt === undefined || list[i]!.at < previous.endedAt) overlaps += 1;
    }
    for (let i = 0; i < list.length; i++) {
      const r = list[i]!;
      if (r.status !== 429) continue;
      answered429 += 1;
      const next = list[i + 1];
      if (!next || r.endedAt === undefined) continue;
      const gap = next.at - r.endedAt;
      minGapAfter429 = Math.min(minGapAfter429, gap);
      if (gap < (r.retryAfter ?? 0) * 1000) earlyAfter429 += 1;
    }
  }
  return {
    overlaps,
    earlyAfter429,
    answered429,
    minGapAfter429,
    maxAttemptsPerPart: Math.max(0, ...attempts.values()),
  };
}

/** Every response the page receives, headers and body, as text a secret scan can read. */
export function recordResponses(page: Page): string[] {
  const seen: string[] = [];
  page.on('response', async (response) => {
    const headers = Object.entries(await response.allHeaders().catch(() => ({})))
      .map(([n, v]) => `${n}: ${v}`)
      .join('\n');
    let body = '';
    try {
      body = (await response.body()).toString('latin1');
    } catch {
      // redirects and aborted requests have no body
    }
    seen.push(`${response.url()}\n${headers}\n${body}`);
  });
  return seen;
}

/** What the page keeps: IndexedDB's b2up records and localStorage, as one string. */
export async function pageStorageDump(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const out: string[] = [JSON.stringify({ ...localStorage })];
    const databases = (await indexedDB.databases?.()) ?? [];
    for (const { name } of databases) {
      if (!name) continue;
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      for (const store of Array.from(db.objectStoreNames)) {
        const all = await new Promise<unknown[]>((resolve, reject) => {
          const request = db.transaction(store).objectStore(store).getAll();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
        out.push(JSON.stringify(all));
      }
      db.close();
    }
    return out.join('\n');
  });
}

/** Secrets (keys, key ids, account tokens) found in any of `texts`. */
export function leaks(secrets: Set<string>, texts: string[]): number {
  let found = 0;
  for (const text of texts) for (const secret of secrets) if (text.includes(secret)) found += 1;
  return found;
}
