/**
 * The Uppy peer: @uppy/core + @uppy/aws-s3 (signRequest mode, as docs/uppy.md shows) through the
 * b2up broker to the emulator's S3 endpoint, multipart with `partSize` parts, `concurrency`
 * requests at once. Uppy sends each part by presigned PUT and verifies no SHA-1.
 */
import AwsS3 from '@uppy/aws-s3';
import Uppy from '@uppy/core';
import { uppySignRequest } from '../../src/index.js';

export interface UppyOptions {
  broker: string;
  concurrency: number;
  partSize: number;
}

/** Uploads `file` with Uppy; resolves with the milliseconds taken. */
export async function uppyUpload(file: File, options: UppyOptions): Promise<number> {
  const uppy = new Uppy({ autoProceed: false });
  uppy.use(AwsS3, {
    generateObjectKey: (f) => f.id,
    shouldUseMultipart: true,
    getChunkSize: () => options.partSize,
    limit: options.concurrency,
    signRequest: uppySignRequest({
      broker: options.broker,
      getFile: (id) => uppy.getFile(id),
      headers: () => ({ Authorization: 'Bearer bench' }),
    }),
  });
  try {
    uppy.addFile({ name: file.name, type: file.type || 'application/octet-stream', data: file });
    const t0 = performance.now();
    const result = await uppy.upload();
    const ms = performance.now() - t0;
    if (!result || result.failed?.length || result.successful?.length !== 1) {
      throw new Error(`Uppy failed: ${result?.failed?.map((f) => String(f.error)).join('; ')}`);
    }
    return ms;
  } finally {
    uppy.destroy();
  }
}
