/**
 * The browser peer: tus-js-client → @tus/server on loopback. @tus/file-store has no
 * `concatenation` extension, so tus-js-client's `parallelUploads` can't be used against it; the same
 * concurrency is had with one tus upload per slot, each taking a contiguous share of the file (whole
 * parts), each PATCHing `partSize` chunks. tus verifies nothing: no checksum extension is in use.
 */
import { Upload } from 'tus-js-client';

export interface TusOptions {
  endpoint: string;
  concurrency: number;
  partSize: number;
}

function one(endpoint: string, body: Blob, name: string, chunkSize: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const upload = new Upload(body, {
      endpoint,
      chunkSize,
      retryDelays: [],
      storeFingerprintForResuming: false,
      removeFingerprintOnSuccess: true,
      metadata: { filename: name },
      onError: reject,
      onSuccess: () => resolve(),
    });
    upload.start();
  });
}

/** Uploads `file` as `concurrency` tus uploads at once; resolves with the milliseconds taken. */
export async function tusUpload(file: File, options: TusOptions): Promise<number> {
  const parts = Math.ceil(file.size / options.partSize);
  const perSlot = Math.ceil(parts / options.concurrency) * options.partSize;
  const shares: Blob[] = [];
  for (let start = 0; start < file.size; start += perSlot) {
    shares.push(file.slice(start, Math.min(start + perSlot, file.size)));
  }
  const t0 = performance.now();
  await Promise.all(
    shares.map((share, i) => one(options.endpoint, share, `${file.name}.${i}`, options.partSize)),
  );
  return performance.now() - t0;
}
