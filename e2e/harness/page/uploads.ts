/**
 * Page-side driver for upload specs: starts uploads with the real SDK against the broker the spec
 * passed in (`?broker=…`), and turns their state into plain data a spec can read.
 */

import type { Upload, UploaderOptions, UploadSnapshot } from '../../../src/index.js';
import * as sdk from '../../../src/index.js';

export interface StartOptions {
  /** The file: the one on #file-input, or a `File` built in the page. */
  file: File;
  /** Bearer user the dev broker logs in as. Default 'alice'. */
  user?: string;
  uploader?: Omit<Partial<UploaderOptions>, 'broker'>;
}

export interface PlainSnapshot extends Omit<UploadSnapshot, 'error'> {
  error: { code: string; message: string; status: number | undefined } | undefined;
  /** How often bytesSent went down between two progress events (must stay 0). */
  backwards: number;
  /** Progress events that moved bytesSent while no part completed: progress finer than a part. */
  withinPart: number;
}

interface Tracked {
  upload: Upload;
  uploader: sdk.Uploader;
  backwards: number;
  withinPart: number;
}

const tracked = new Map<string, Tracked>();

export function uploaderFor(
  params: Record<string, string>,
  user = 'alice',
  options: StartOptions['uploader'] = {},
) {
  if (!params.broker) throw new Error('open the harness with ?broker=<url>');
  const broker = sdk.createHttpBrokerClient(params.broker, {
    headers: () => ({ Authorization: `Bearer ${user}` }),
  });
  return sdk.createUploader({ broker, ...options });
}

export function start(params: Record<string, string>, options: StartOptions): string {
  const uploader = uploaderFor(params, options.user, options.uploader);
  let last = 0;
  let lastParts = 0;
  const entry: Tracked = { upload: undefined as unknown as Upload, uploader, backwards: 0, withinPart: 0 };
  entry.upload = uploader.upload(options.file, {
    onProgress: (snapshot) => {
      if (snapshot.bytesSent < last) entry.backwards += 1;
      if (snapshot.bytesSent > last && snapshot.partsDone === lastParts) entry.withinPart += 1;
      last = snapshot.bytesSent;
      lastParts = snapshot.partsDone;
    },
  });
  tracked.set(entry.upload.id, entry);
  return entry.upload.id;
}

function get(id: string): Tracked {
  const entry = tracked.get(id);
  if (!entry) throw new Error(`no upload ${id} in this page`);
  return entry;
}

export function snapshot(id: string): PlainSnapshot {
  const { upload, backwards, withinPart } = get(id);
  const { error, ...rest } = upload.snapshot();
  return {
    ...rest,
    backwards,
    withinPart,
    error: error ? { code: error.code, message: error.message, status: error.status } : undefined,
  };
}

/** Waits for the upload to settle and returns its final snapshot. */
export async function finished(id: string): Promise<PlainSnapshot> {
  await get(id).upload.done.catch(() => undefined);
  return snapshot(id);
}

export const pause = (id: string) => get(id).upload.pause();
export const resume = (id: string) => get(id).upload.resume();
export const cancel = (id: string) => get(id).upload.cancel();
