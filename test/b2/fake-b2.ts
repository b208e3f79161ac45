/**
 * A scripted stand-in for B2 on 127.0.0.1 (port 0) for the client's HTTP tests: it serves authorize,
 * get_upload_url / get_upload_part_url, uploads and a few JSON ops, and fails exactly when a test
 * says so. It records every request so tests can assert which URL and token were used.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the next request of a kind does: succeed, answer with an error, or cut the connection. */
export type Step =
  'ok' | 'reset' | 'hang' | { status: number; code: string; message?: string; retryAfter?: number };

export interface Recorded {
  method: string;
  path: string;
  authorization: string | undefined;
}

export interface FakeB2 {
  url: string;
  requests: Recorded[];
  /** Steps consumed in order by uploads (file and part); when empty, uploads succeed. */
  uploadSteps: Step[];
  /** Steps per JSON operation name (e.g. 'b2_list_file_names'); when empty, the op succeeds. */
  jsonSteps: Map<string, Step[]>;
  /** Account tokens the server now rejects with 401 expired_auth_token. */
  expiredTokens: Set<string>;
  /** How many uploads overlapped on the same upload token (must stay 0). */
  concurrentTokenUses: number;
  count(path: string): number;
  close(): Promise<void>;
}

export async function startFakeB2(): Promise<FakeB2> {
  let authorizations = 0;
  let uploadUrls = 0;
  const inFlightTokens = new Set<string>();
  const sockets = new Set<import('node:net').Socket>();

  const fake: FakeB2 = {
    url: '',
    requests: [],
    uploadSteps: [],
    jsonSteps: new Map(),
    expiredTokens: new Set(),
    concurrentTokenUses: 0,
    count: (path) => fake.requests.filter((r) => r.path.startsWith(path)).length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', fake.url);
    fake.requests.push({
      method: req.method ?? '',
      path: url.pathname,
      authorization: req.headers.authorization,
    });
    if (url.pathname.endsWith('/b2_authorize_account')) return authorize(res);
    if (url.pathname.startsWith('/upload/')) return upload(req, res);
    if (url.pathname.startsWith('/b2api/v4/b2_download_file_by_id')) return download(req, res);
    const op = url.pathname.replace('/b2api/v4/', '');
    const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as Record<string, unknown>;
    if (fake.expiredTokens.has(req.headers.authorization ?? '')) {
      return sendError(res, { status: 401, code: 'expired_auth_token', message: 'expired' });
    }
    const step = fake.jsonSteps.get(op)?.shift() ?? 'ok';
    if (step === 'reset') return req.socket.destroy();
    if (step === 'hang') return;
    if (step !== 'ok') return sendError(res, step);
    if (op === 'b2_get_upload_url' || op === 'b2_get_upload_part_url') {
      uploadUrls++;
      return sendJson(res, 200, {
        bucketId: body.bucketId,
        fileId: body.fileId,
        uploadUrl: `${fake.url}/upload/${uploadUrls}`,
        authorizationToken: `upload-token-${uploadUrls}`,
      });
    }
    if (op === 'b2_list_file_names') {
      // Two pages: a, b then c.
      const start = (body.startFileName as string | undefined) ?? '';
      const files = start === '' ? ['a', 'b'] : ['c'];
      return sendJson(res, 200, {
        files: files.map((fileName) => ({ fileName, accountId: body.accountId ?? null })),
        nextFileName: start === '' ? 'c' : null,
      });
    }
    return sendJson(res, 200, { op, echo: body });
  };
  const server = createServer((req, res) => void handle(req, res));

  function authorize(res: ServerResponse) {
    authorizations++;
    sendJson(res, 200, {
      accountId: 'account-1',
      authorizationToken: `account-token-${authorizations}`,
      applicationKeyExpirationTimestamp: null,
      apiInfo: {
        storageApi: {
          infoType: 'storageApi',
          apiUrl: fake.url,
          downloadUrl: fake.url,
          s3ApiUrl: fake.url,
          recommendedPartSize: 100_000_000,
          absoluteMinimumPartSize: 5_000_000,
          allowed: { buckets: null, capabilities: ['writeFiles'], namePrefix: null },
        },
      },
    });
  }

  async function upload(req: IncomingMessage, res: ServerResponse) {
    const token = req.headers.authorization ?? '';
    if (inFlightTokens.has(token)) fake.concurrentTokenUses++;
    inFlightTokens.add(token);
    try {
      const step = fake.uploadSteps.shift() ?? 'ok';
      if (step === 'reset') {
        // Cut the connection while the body is still arriving.
        await new Promise<void>((resolve) => req.once('data', () => resolve()));
        req.socket.destroy();
        return;
      }
      const body = await readBody(req);
      if (step === 'hang') return;
      if (step !== 'ok') return sendError(res, step);
      const sha1 = createHash('sha1').update(body).digest('hex');
      if (req.headers['x-bz-content-sha1'] !== sha1) {
        return sendError(res, {
          status: 400,
          code: 'bad_request',
          message: 'Sha1 did not match data received',
        });
      }
      const fileName = decodeURIComponent(String(req.headers['x-bz-file-name'] ?? ''));
      sendJson(res, 200, {
        fileName,
        partNumber: Number(req.headers['x-bz-part-number'] ?? 0),
        contentLength: body.length,
        contentSha1: sha1,
        uploadedWith: token,
      });
    } finally {
      inFlightTokens.delete(token);
    }
  }

  function download(req: IncomingMessage, res: ServerResponse) {
    if (fake.expiredTokens.has(req.headers.authorization ?? '')) {
      return sendError(res, { status: 401, code: 'expired_auth_token', message: 'expired' });
    }
    const content = Buffer.from('0123456789');
    const range = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''));
    const headers = {
      'X-Bz-File-Id': 'file-1',
      'X-Bz-File-Name': 'dir/na%C3%AFve%20file.txt',
      'X-Bz-Content-Sha1': createHash('sha1').update(content).digest('hex'),
      'X-Bz-Upload-Timestamp': '1639753356820',
      'X-Bz-Info-Author': 'Zo%C3%AB',
      'Content-Type': 'text/plain',
    };
    if (!range) {
      res.writeHead(200, { ...headers, 'Content-Length': content.length });
      return res.end(content);
    }
    const start = Number(range[1]);
    if (start >= content.length) {
      return sendError(res, { status: 416, code: 'range_not_satisfiable', message: 'bad range' });
    }
    const end = Math.min(range[2] ? Number(range[2]) : content.length - 1, content.length - 1);
    res.writeHead(206, {
      ...headers,
      'Content-Length': end - start + 1,
      'Content-Range': `bytes ${start}-${end}/${content.length}`,
    });
    res.end(content.subarray(start, end + 1));
  }

  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8' });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, step: Exclude<Step, 'ok' | 'reset' | 'hang'>) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json;charset=utf-8' };
  if (step.retryAfter !== undefined) headers['Retry-After'] = String(step.retryAfter);
  res.writeHead(step.status, headers);
  res.end(JSON.stringify({ status: step.status, code: step.code, message: step.message ?? step.code }));
}
