/**
 * `b2up upload FILE…`: uploads files from Node through a broker with the same engine the browser
 * uses. Interrupted (Ctrl-C, a crash, a lost network), the same command run again resumes: resume
 * records live in ~/.b2up/uploads and the broker's part list says what B2 already holds.
 */
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { nodeHttpFetch } from '../node/http-fetch.js';
import { createNodeUploader, defaultStateDirectory, openFile } from '../node/node-uploader.js';
import type { LargeFileTransport } from '../upload/broker-client.js';
import { isUploadError } from '../upload/errors.js';
import { createHttpBrokerClient } from '../upload/http-broker.js';
import { type CliCommand, type CliIo, ExitCode, UsageError } from './command.js';
import { progressView } from './progress.js';

const help = `Usage: b2up upload FILE... --broker URL [options]

Uploads files to B2 through a b2up broker, in parallel parts, each verified by B2's SHA-1 check.
Run the same command again after an interruption and it continues where it stopped.

Options:
  --broker URL         the broker's base URL (default: $B2UP_BROKER)
  --header "N: V"      a header sent on every broker call, e.g. your app's login (repeatable)
  --concurrency N      parts in flight at once (default 4)
  --part-size BYTES    proposed part size (default 16777216; the broker clamps it)
  --transport T        how large files' parts travel: native (B2's part URLs, default) or s3
                       (presigned S3 UploadPart; the broker must offer it, see its GET /config)
  --state DIR          where resume records are kept (default ${defaultStateDirectory()})
  --no-resume          don't keep resume records
  --json               print one JSON line per finished file
  -h, --help           show this help`;

interface UploadCliOptions {
  files: string[];
  broker: string;
  headers: Record<string, string>;
  concurrency: number;
  partSize: number;
  transport: LargeFileTransport;
  stateDirectory: string | false;
  json: boolean;
}

export function parseUploadArgs(args: string[], env: NodeJS.ProcessEnv = process.env): UploadCliOptions {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (positionals.length === 0) throw new UsageError('name at least one FILE');
  const broker = values.broker ?? env.B2UP_BROKER;
  if (!broker) throw new UsageError('--broker URL (or B2UP_BROKER) is required');
  const headers: Record<string, string> = {};
  for (const line of values.header ?? []) {
    const colon = line.indexOf(':');
    if (colon < 1) throw new UsageError(`--header wants "Name: value", got "${line}"`);
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return {
    files: positionals,
    broker,
    headers,
    concurrency: positiveInteger(values.concurrency, 4, '--concurrency'),
    partSize: positiveInteger(values['part-size'], 16 * 1024 * 1024, '--part-size'),
    transport: transportFlag(values.transport),
    stateDirectory: values['no-resume'] ? false : (values.state ?? defaultStateDirectory()),
    json: values.json ?? false,
  };
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      broker: { type: 'string' },
      header: { type: 'string', multiple: true },
      concurrency: { type: 'string' },
      'part-size': { type: 'string' },
      transport: { type: 'string' },
      state: { type: 'string' },
      'no-resume': { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
}

function transportFlag(value: string | undefined): LargeFileTransport {
  if (value === undefined || value === 'native' || value === 's3') return value ?? 'native';
  throw new UsageError(`--transport wants native or s3, got "${value}"`);
}

function positiveInteger(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1) throw new UsageError(`${flag} wants a positive integer`);
  return number;
}

export const uploadCommand: CliCommand = {
  name: 'upload',
  summary: 'upload files through a broker, resuming interrupted uploads',
  help,
  async run(args, io) {
    const options = parseUploadArgs(args);
    const uploader = createNodeUploader({
      broker: createHttpBrokerClient(options.broker, {
        headers: () => options.headers,
        // node:http, not Node's fetch: see src/node/http-fetch.ts (peak memory).
        fetch: nodeHttpFetch,
      }),
      concurrency: options.concurrency,
      partSize: options.partSize,
      largeFileTransport: options.transport,
      stateDirectory: options.stateDirectory,
    });
    try {
      let failed = false;
      for (const path of options.files) {
        if (io.signal.aborted) return ExitCode.failure;
        const ok = await uploadOne(path, options, uploader, io);
        failed ||= !ok;
      }
      return failed ? ExitCode.failure : ExitCode.ok;
    } finally {
      uploader.close();
    }
  },
};

async function uploadOne(
  path: string,
  options: UploadCliOptions,
  uploader: ReturnType<typeof createNodeUploader>,
  io: CliIo,
): Promise<boolean> {
  let file: File;
  try {
    file = await openFile(await regularFile(path));
  } catch (error) {
    io.err(isNotAFile(error) ? error.message : `${path}: cannot open (${(error as Error).message})`);
    return false;
  }
  const view = await progressView(path, io);
  const upload = uploader.upload(file, { onProgress: (snapshot) => view.update(snapshot) });
  // Ctrl-C pauses rather than cancels: the resume record and the parts in B2 stay for the next run.
  const stop = () => upload.pause();
  io.signal.addEventListener('abort', stop, { once: true });
  const interrupted = new Promise<'interrupted'>((resolve) =>
    io.signal.addEventListener('abort', () => resolve('interrupted'), { once: true }),
  );
  try {
    const outcome = await Promise.race([upload.done, interrupted]);
    view.update(upload.snapshot());
    view.stop();
    if (outcome === 'interrupted') {
      io.err(`${path}: interrupted; run the same command again to resume`);
      return false;
    }
    if (options.json) io.out(JSON.stringify({ path, ...outcome, resumed: upload.snapshot().resumed }));
    else
      io.out(
        `${path}: uploaded as ${outcome.fileName} (${outcome.fileId})${upload.snapshot().resumed ? ', resumed' : ''}`,
      );
    return true;
  } catch (error) {
    view.stop();
    const code = isUploadError(error) ? error.code : 'error';
    io.err(`${path}: failed (${code}): ${(error as Error).message}`);
    return false;
  } finally {
    io.signal.removeEventListener('abort', stop);
  }
}

class NotAFile extends Error {
  override readonly name = 'NotAFile';
}

const isNotAFile = (error: unknown): error is NotAFile => error instanceof Error && error.name === 'NotAFile';

/** The path, once it names a regular file; what it is instead, in the user's words. */
async function regularFile(path: string): Promise<string> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') throw new NotAFile(`no such file: ${path}`);
    if (error.code === 'EACCES') throw new NotAFile(`not allowed to read: ${path}`);
    throw error;
  });
  if (info.isDirectory()) throw new NotAFile(`a directory, not a file: ${path}`);
  if (!info.isFile()) throw new NotAFile(`not a regular file: ${path}`);
  return path;
}
