/**
 * Page-side driver for the reliability suites (e2e/reliability): like ./uploads.ts, but uploaders
 * are shared per (user, options) so a soak of many uploads runs on one hash-worker pool, and each
 * upload's outcome is kept as plain data a spec can poll.
 */
import type { Upload, Uploader, UploaderOptions } from '../../../src/index.js';
import * as sdk from '../../../src/index.js';

export interface ReliabilityStart {
  file: File;
  /** Bearer user the test broker logs in as. Default 'alice'. */
  user?: string;
  uploader?: Omit<Partial<UploaderOptions>, 'broker' | 'retry'> & {
    retry?: { initialDelayMs?: number; maxDelayMs?: number; uploadAttempts?: number };
  };
}

export interface Outcome {
  state: string;
  resumed: boolean;
  bytesSent: number;
  partsDone: number;
  result?: { fileId: string; fileName: string; size: number; contentSha1: string | null };
  error?: { code: string; message: string; status: number | undefined; cause?: string };
  /** How often bytesSent went down between two progress events (must stay 0). */
  backwards: number;
}

interface Entry {
  upload: Upload;
  backwards: number;
  settled: boolean;
}

export function createReliabilityDriver(params: Record<string, string>) {
  const uploaders = new Map<string, Uploader>();
  const entries = new Map<string, Entry>();

  const uploaderFor = (user: string, options: ReliabilityStart['uploader'] = {}) => {
    const key = JSON.stringify([user, options]);
    let uploader = uploaders.get(key);
    if (!uploader) {
      if (!params.broker) throw new Error('open the harness with ?broker=<url>');
      const broker = sdk.createHttpBrokerClient(params.broker, {
        headers: () => ({ Authorization: `Bearer ${user}` }),
      });
      uploader = sdk.createUploader({ broker, ...options });
      uploaders.set(key, uploader);
    }
    return uploader;
  };

  const outcome = (id: string): Outcome => {
    const entry = entries.get(id);
    if (!entry) throw new Error(`no upload ${id} in this page`);
    const snapshot = entry.upload.snapshot();
    return {
      state: snapshot.state,
      resumed: snapshot.resumed,
      bytesSent: snapshot.bytesSent,
      partsDone: snapshot.partsDone,
      backwards: entry.backwards,
      ...(snapshot.result
        ? {
            result: {
              fileId: snapshot.result.fileId,
              fileName: snapshot.result.fileName,
              size: snapshot.result.size,
              contentSha1: snapshot.result.contentSha1,
            },
          }
        : {}),
      ...(snapshot.error
        ? {
            error: {
              code: snapshot.error.code,
              message: snapshot.error.message,
              status: snapshot.error.status,
              cause: describeCause(snapshot.error.cause),
            },
          }
        : {}),
    };
  };

  return {
    start(options: ReliabilityStart): string {
      const uploader = uploaderFor(options.user ?? 'alice', options.uploader);
      let last = 0;
      const entry: Entry = { upload: undefined as unknown as Upload, backwards: 0, settled: false };
      entry.upload = uploader.upload(options.file, {
        onProgress: (snapshot) => {
          if (snapshot.bytesSent < last) entry.backwards += 1;
          last = snapshot.bytesSent;
        },
      });
      entry.upload.done.then(
        () => (entry.settled = true),
        () => (entry.settled = true),
      );
      entries.set(entry.upload.id, entry);
      return entry.upload.id;
    },
    outcome,
    /** Waits until the upload settles; its final outcome. */
    async finished(id: string): Promise<Outcome> {
      await entries.get(id)?.upload.done.catch(() => undefined);
      return outcome(id);
    },
    /** `uploader.resumable` of the uploader a started upload used (false without IndexedDB). */
    resumable(user = 'alice', options: ReliabilityStart['uploader'] = {}): boolean {
      return uploaderFor(user, options).resumable;
    },
    pending: (user = 'alice', options: ReliabilityStart['uploader'] = {}) =>
      uploaderFor(user, options).pending(),
    /** Drops a settled upload (and with it its File), so a long soak doesn't keep every file alive. */
    forget(id: string) {
      entries.delete(id);
      (globalThis as { gc?: () => void }).gc?.();
    },
    closeAll() {
      for (const uploader of uploaders.values()) uploader.close();
      uploaders.clear();
    },
  };
}

/** The chain of causes of an error, as one line (names and messages only). */
function describeCause(cause: unknown): string | undefined {
  const parts: string[] = [];
  for (let c = cause, depth = 0; c && depth < 5; depth++) {
    const { name, message } = c as { name?: string; message?: string };
    parts.push(`${name}: ${message}`);
    c = (c as { cause?: unknown }).cause;
  }
  return parts.length ? parts.join(' <- ') : undefined;
}
