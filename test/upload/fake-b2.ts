import { createHash } from 'node:crypto';
import { B2Error } from '../../src/b2/errors.js';
import type {
  BrokerClient,
  BrokerConfig,
  PartTarget,
  StartedUpload,
  UploadResult,
} from '../../src/upload/broker-client.js';
import { BrokerError } from '../../src/upload/broker-client.js';
import type { Send, SendHashed, SendRequest, SendResponse } from '../../src/upload/transport.js';

/**
 * An in-memory stand-in for broker + B2 part endpoint, for unit tests of the engine's logic only.
 * It enforces the rules the engine must obey: one request per part URL at a time, SHA-1 checked,
 * failed URLs are dead. Real behaviour is tested against the emulator and broker elsewhere.
 */
export type ScriptedFault = { status: number; code: string; retryAfter?: number } | 'network';

interface FakeUpload {
  size: number;
  name: string;
  parts: Map<number, { bytes: Buffer; sha1: string }>;
  state: 'open' | 'finished' | 'cancelled';
}

export function sha1(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}

export interface FakeBrokerBehaviour {
  /** Answer start's `partUrls` with part URLs, as current brokers do (default true; false: an older broker). */
  targetsAtStart?: boolean;
}

export function createFakeB2(config: Partial<BrokerConfig> = {}, behaviour: FakeBrokerBehaviour = {}) {
  const fullConfig: BrokerConfig = {
    protocol: 1,
    minPartSize: 1000,
    maxPartSize: 1_000_000,
    maxParts: 10_000,
    smallFileMaxSize: 2000,
    maxFileSize: 100_000_000,
    allowedTypes: null,
    ...config,
  };
  const uploads = new Map<string, FakeUpload>();
  const faults: ScriptedFault[] = [];
  const inFlight = new Set<string>();
  const deadTokens = new Set<string>();
  const stats = {
    partRequests: 0,
    partBytes: 0,
    concurrentUse: 0,
    deadTokenUse: 0,
    targetsIssued: 0,
    targetCalls: 0,
    /** Starts answered with part URLs. */
    startsWithTargets: 0,
    cancels: 0,
    /** Parts sent through `sendHashed`. */
    hashedSends: 0,
  };
  const smallFiles: { name: string; bytes: Buffer }[] = [];
  let serial = 0;
  let gateSends: Promise<void> | undefined;
  let gateTargets: Promise<void> | undefined;

  const result = (id: string, upload: FakeUpload): UploadResult => ({
    fileId: id,
    fileName: `u/${upload.name}`,
    size: upload.size,
    contentType: 'application/octet-stream',
    contentSha1: null,
    uploadTimestamp: 1,
  });

  const issue = (uploadId: string, count: number): PartTarget[] =>
    Array.from({ length: count }, () => ({
      uploadUrl: `fake://part/${uploadId}`,
      authorizationToken: `part-token-${++stats.targetsIssued}`,
    }));

  const broker: BrokerClient = {
    config: async () => fullConfig,
    async uploadSmall(request) {
      const bytes = Buffer.from(await request.file.arrayBuffer());
      if (sha1(bytes) !== request.sha1) throw new BrokerError(400, 'bad_request', 'sha1 mismatch');
      request.onProgress?.(bytes.length);
      smallFiles.push({ name: request.name, bytes });
      return {
        fileId: 'small',
        fileName: request.name,
        size: bytes.length,
        contentType: request.contentType,
        contentSha1: request.sha1,
        uploadTimestamp: 1,
      };
    },
    async start(request): Promise<StartedUpload> {
      const uploadId = `large-${++serial}`;
      uploads.set(uploadId, { size: request.size, name: request.name, parts: new Map(), state: 'open' });
      const withTargets = request.partUrls !== undefined && behaviour.targetsAtStart !== false;
      if (withTargets) stats.startsWithTargets += 1;
      return {
        uploadId,
        token: `token-${uploadId}`,
        fileName: `u/${request.name}`,
        partSize: request.partSize,
        expiresAt: Date.now() + 3_600_000,
        ...(withTargets ? { targets: issue(uploadId, request.partUrls!) } : {}),
      };
    },
    async partTargets(session, count): Promise<PartTarget[]> {
      stats.targetCalls += 1;
      if (gateTargets) await gateTargets;
      const upload = uploads.get(session.uploadId);
      if (upload?.state !== 'open') throw new BrokerError(404, 'not_found', 'no such upload');
      return issue(session.uploadId, count);
    },
    async listParts(session) {
      const upload = uploads.get(session.uploadId);
      if (upload?.state !== 'open') throw new BrokerError(404, 'not_found', 'no such upload');
      return [...upload.parts.entries()]
        .sort(([a], [b]) => a - b)
        .map(([partNumber, part]) => ({
          partNumber,
          contentLength: part.bytes.length,
          contentSha1: part.sha1,
        }));
    },
    async finish(session, partSha1Array) {
      const upload = uploads.get(session.uploadId);
      if (!upload) throw new BrokerError(404, 'not_found', 'no such upload');
      if (upload.state === 'finished') return result(session.uploadId, upload);
      const stored = partSha1Array.map((hash, i) => upload.parts.get(i + 1)?.sha1 === hash);
      if (stored.includes(false) || partSha1Array.length !== upload.parts.size) {
        throw new BrokerError(502, 'b2_error', 'part_sha1_mismatch');
      }
      const total = [...upload.parts.values()].reduce((sum, part) => sum + part.bytes.length, 0);
      if (total !== upload.size) throw new BrokerError(409, 'size_mismatch', 'size mismatch');
      upload.state = 'finished';
      return result(session.uploadId, upload);
    },
    async cancel(session) {
      stats.cancels += 1;
      const upload = uploads.get(session.uploadId);
      if (upload) upload.state = 'cancelled';
    },
  };

  const send: Send = async (request: SendRequest): Promise<SendResponse> => {
    if (gateSends) await gateSends;
    const token = request.headers.Authorization!;
    stats.partRequests += 1;
    if (deadTokens.has(token)) stats.deadTokenUse += 1;
    if (inFlight.has(token)) {
      stats.concurrentUse += 1;
      return errorResponse(400, 'auth_token_limit');
    }
    inFlight.add(token);
    try {
      if (request.signal?.aborted) throw new B2Error({ status: 0, code: 'aborted', message: 'aborted' });
      const bytes = Buffer.from(await request.body.arrayBuffer());
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (request.signal?.aborted) throw new B2Error({ status: 0, code: 'aborted', message: 'aborted' });
      stats.partBytes += bytes.length;
      request.onProgress?.(Math.floor(bytes.length / 2));
      const fault = faults.shift();
      if (fault === 'network') {
        deadTokens.add(token);
        throw new B2Error({ status: 0, code: 'network_error', message: 'reset' });
      }
      if (fault) {
        if (fault.status !== 429) deadTokens.add(token);
        return errorResponse(fault.status, fault.code, fault.retryAfter);
      }
      const uploadId = request.url.split('/').pop()!;
      const upload = uploads.get(uploadId);
      if (upload?.state !== 'open') return errorResponse(400, 'bad_request');
      const partNumber = Number(request.headers['X-Bz-Part-Number']);
      const hash = sha1(bytes);
      if (hash !== request.headers['X-Bz-Content-Sha1']) return errorResponse(400, 'bad_request');
      upload.parts.set(partNumber, { bytes, sha1: hash });
      request.onProgress?.(bytes.length);
      return {
        status: 200,
        headers: {},
        text: JSON.stringify({
          fileId: uploadId,
          partNumber,
          contentLength: bytes.length,
          contentSha1: hash,
        }),
      };
    } finally {
      inFlight.delete(token);
    }
  };

  // What a platform that hashes on the way out does (Node): B2 checks the trailing digits, which
  // the fake models as the same SHA-1 check on a header computed from the bytes sent.
  const sendHashed: SendHashed = async ({ file, start, end, ...request }) => {
    const body = file.slice(start, end);
    const hash = sha1(new Uint8Array(await body.arrayBuffer()));
    stats.hashedSends += 1;
    const headers = { ...request.headers, 'X-Bz-Content-Sha1': hash };
    return { ...(await send({ ...request, headers, body })), sha1: hash };
  };

  return {
    broker,
    send,
    sendHashed,
    uploads,
    smallFiles,
    stats,
    fail(...scripted: ScriptedFault[]) {
      faults.push(...scripted);
    },
    /** Holds every part-URL request to the broker until the returned function is called. */
    holdTargets(): () => void {
      let release!: () => void;
      gateTargets = new Promise((resolve) => {
        release = resolve;
      });
      return () => {
        gateTargets = undefined;
        release();
      };
    },
    /** Holds every part request until the returned function is called. */
    holdSends(): () => void {
      let release!: () => void;
      gateSends = new Promise((resolve) => {
        release = resolve;
      });
      return () => {
        gateSends = undefined;
        release();
      };
    },
    assembled(uploadId: string): Buffer {
      const upload = uploads.get(uploadId)!;
      return Buffer.concat(
        [...upload.parts.entries()].sort(([a], [b]) => a - b).map(([, part]) => part.bytes),
      );
    },
  };
}

function errorResponse(status: number, code: string, retryAfter?: number): SendResponse {
  return {
    status,
    headers: retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) },
    text: JSON.stringify({ status, code, message: code }),
  };
}
