/**
 * Many small files from one page, three ways, each as its docs say to use it: b2up's uploader (all
 * files handed over at once, as an app or the element does), Uppy with @uppy/aws-s3 in signRequest
 * mode against the b2up broker (docs/uppy.md; its default 6 files at a time), and tus-js-client →
 * @tus/server (one tus upload per file, 6 at a time). Each resolves once every file is stored.
 */
import AwsS3 from '@uppy/aws-s3';
import Uppy from '@uppy/core';
import { Upload as TusUpload } from 'tus-js-client';
import { createHttpBrokerClient, createUploader, uppySignRequest } from '../../src/index.js';

export interface ManyResult {
  ms: number;
  files: number;
  failed: number;
  /** b2up: files whose SHA-1 the broker confirmed against what B2 computed. */
  sha1Verified?: number;
}

const headers = () => ({ Authorization: 'Bearer bench' });

export async function b2upMany(files: File[], broker: string): Promise<ManyResult> {
  const uploader = createUploader({ broker: createHttpBrokerClient(broker, { headers }), resume: false });
  try {
    const t0 = performance.now();
    const settled = await Promise.allSettled(files.map((file) => uploader.upload(file).done));
    const ms = performance.now() - t0;
    const done = settled.filter((s) => s.status === 'fulfilled');
    return {
      ms,
      files: done.length,
      failed: settled.length - done.length,
      sha1Verified: done.filter((s) => /^[0-9a-f]{40}$/.test(s.value.contentSha1 ?? '')).length,
    };
  } finally {
    uploader.close();
  }
}

export async function uppyMany(files: File[], broker: string): Promise<ManyResult> {
  const { smallFileMaxSize } = (await (await fetch(`${broker}/config`)).json()) as {
    smallFileMaxSize: number;
  };
  const uppy = new Uppy({ autoProceed: false });
  uppy.use(AwsS3, {
    generateObjectKey: (file) => file.id,
    shouldUseMultipart: (file) => (file.size ?? 0) >= smallFileMaxSize,
    signRequest: uppySignRequest({ broker, getFile: (id) => uppy.getFile(id), headers }),
  });
  try {
    uppy.addFiles(files.map((file) => ({ name: file.name, type: file.type, data: file, source: 'bench' })));
    const t0 = performance.now();
    const result = await uppy.upload();
    const ms = performance.now() - t0;
    return { ms, files: result?.successful?.length ?? 0, failed: result?.failed?.length ?? files.length };
  } finally {
    uppy.destroy();
  }
}

function tusOne(endpoint: string, file: File): Promise<void> {
  return new Promise((resolve, reject) => {
    new TusUpload(file, {
      endpoint,
      retryDelays: [],
      // Every repetition sends the same files: no resuming from an earlier one.
      storeFingerprintForResuming: false,
      metadata: { filename: file.name, filetype: file.type },
      onError: reject,
      onSuccess: () => resolve(),
    }).start();
  });
}

export async function tusMany(files: File[], endpoint: string, parallel = 6): Promise<ManyResult> {
  let next = 0;
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let i = next++; i < files.length; i = next++)
        await tusOne(endpoint, files[i]!).catch(() => failed++);
    }),
  );
  return { ms: performance.now() - t0, files: files.length - failed, failed };
}
