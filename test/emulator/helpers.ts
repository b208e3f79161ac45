/** Shared helpers for the emulator tests: real HTTP on loopback, no client library in between. */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../src/emulator/index.js';

export const sha1 = (data: Buffer | string) => createHash('sha1').update(data).digest('hex');

export interface Session {
  emulator: Emulator;
  token: string;
  accountId: string;
  /** POST JSON to an api op; returns status and parsed body. */
  call(
    op: string,
    body: Record<string, unknown>,
    options?: { token?: string; version?: string },
  ): Promise<Reply>;
}

export interface Reply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test code reads arbitrary JSON fields.
  body: any;
  headers: Headers;
}

export async function reply(res: Response): Promise<Reply> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body, headers: res.headers };
}

export function basic(keyId: string, key: string): string {
  return `Basic ${Buffer.from(`${keyId}:${key}`).toString('base64')}`;
}

export async function authorize(url: string, keyId: string, key: string, version = 'v2'): Promise<Reply> {
  return reply(
    await fetch(`${url}/b2api/${version}/b2_authorize_account`, {
      headers: { Authorization: basic(keyId, key) },
    }),
  );
}

export async function session(options: EmulatorOptions = {}): Promise<Session> {
  const emulator = await startEmulator({ minPartSize: 1000, ...options });
  const auth = await authorize(emulator.url, emulator.keyId, emulator.key);
  const token = auth.body.authorizationToken as string;
  const call: Session['call'] = async (op, body, opts = {}) =>
    reply(
      await fetch(`${emulator.url}/b2api/${opts.version ?? 'v2'}/${op}`, {
        method: 'POST',
        headers: { Authorization: opts.token ?? token, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      }),
    );
  return { emulator, token, accountId: auth.body.accountId, call };
}

let bucketCounter = 0;
export async function makeBucket(
  s: Session,
  type = 'allPrivate',
  extra: Record<string, unknown> = {},
): Promise<string> {
  const r = await s.call('b2_create_bucket', {
    accountId: s.accountId,
    bucketName: `test-bucket-${process.pid}-${++bucketCounter}`,
    bucketType: type,
    ...extra,
  });
  if (r.status !== 200) throw new Error(`create bucket failed: ${JSON.stringify(r.body)}`);
  return r.body.bucketId;
}

export interface OpenedBucket {
  s: Session;
  bucketId: string;
  bucketName: string;
}

/**
 * An emulator session with one fresh bucket for the enclosing file or describe block: opened before
 * its first test (handed to `assign`, which keeps what the tests use), closed after its last.
 */
export function useBucket(assign: (opened: OpenedBucket) => void, options: EmulatorOptions = {}): void {
  let s: Session | undefined;
  beforeAll(async () => {
    s = await session(options);
    const bucketId = await makeBucket(s);
    const listed = await s.call('b2_list_buckets', { accountId: s.accountId, bucketId });
    assign({ s, bucketId, bucketName: listed.body.buckets[0].bucketName });
  });
  afterAll(() => s?.emulator.close());
}

export async function uploadUrl(
  s: Session,
  bucketId: string,
  token?: string,
): Promise<{ uploadUrl: string; authorizationToken: string }> {
  const r = await s.call('b2_get_upload_url', { bucketId }, { token });
  if (r.status !== 200) throw new Error(`get upload url failed: ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function upload(
  s: Session,
  bucketId: string,
  fileName: string,
  data: Buffer | string,
  headers: Record<string, string> = {},
  token?: string,
): Promise<Reply> {
  const u = await uploadUrl(s, bucketId, token);
  const bytes = Buffer.from(data);
  return reply(
    await fetch(u.uploadUrl, {
      method: 'POST',
      headers: {
        Authorization: u.authorizationToken,
        'X-Bz-File-Name': encodeURIComponent(fileName),
        'Content-Type': 'text/plain',
        'X-Bz-Content-Sha1': sha1(bytes),
        ...headers,
      },
      body: bytes,
    }),
  );
}

/** Starts a large file, uploads the given parts, finishes it; returns the finish reply. */
export async function largeUpload(
  s: Session,
  bucketId: string,
  fileName: string,
  parts: Buffer[],
): Promise<Reply> {
  const start = await s.call('b2_start_large_file', {
    bucketId,
    fileName,
    contentType: 'application/octet-stream',
  });
  if (start.status !== 200) throw new Error(`start failed: ${JSON.stringify(start.body)}`);
  const fileId = start.body.fileId;
  const url = (await s.call('b2_get_upload_part_url', { fileId })).body;
  for (const [i, part] of parts.entries()) {
    const r = await reply(
      await fetch(url.uploadUrl, {
        method: 'POST',
        headers: {
          Authorization: url.authorizationToken,
          'X-Bz-Part-Number': String(i + 1),
          'X-Bz-Content-Sha1': sha1(part),
        },
        body: new Uint8Array(part),
      }),
    );
    if (r.status !== 200) throw new Error(`part failed: ${JSON.stringify(r.body)}`);
  }
  return s.call('b2_finish_large_file', { fileId, partSha1Array: parts.map((p) => sha1(p)) });
}

export async function download(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; bytes: Buffer; headers: Headers }> {
  const res = await fetch(url, init);
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()), headers: res.headers };
}
