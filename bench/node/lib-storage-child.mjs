// `@aws-sdk/lib-storage`'s Upload, the way its README shows for a file on disk: an S3Client and a
// read stream as the body, S3 multipart with `queueSize` parts in flight. It goes to the emulator's
// S3-compatible endpoint (path-style), as to B2's, with checksums only where an operation requires
// one: B2 refuses `x-amz-checksum-*` headers. Each part is gathered into one Buffer and its SHA-256
// signed (`x-amz-content-sha256`), which the emulator checks, as B2 does. Same file, concurrency and part size as b2up. Prints
// {"ms", "peakRss", "cpu", "cpuTotal", "size"}.
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { cpuSeconds, peakRss } from './peak-rss.mjs';

const { endpoint, region, keyId, key, bucketName, path, concurrency, partSize } = JSON.parse(process.argv[2]);

const t0 = performance.now();
const cpu0 = cpuSeconds();
const client = new S3Client({
  endpoint,
  region,
  forcePathStyle: true,
  credentials: { accessKeyId: keyId, secretAccessKey: key },
  requestChecksumCalculation: 'WHEN_REQUIRED',
});
const object = { Bucket: bucketName, Key: `lib-storage/${basename(path)}` };
const upload = new Upload({
  client,
  params: {
    ...object,
    Body: createReadStream(path),
    ContentType: 'application/octet-stream',
  },
  queueSize: concurrency,
  partSize,
});
await upload.done();
const ms = performance.now() - t0;
const cpuTotal = cpuSeconds();
// The size the emulator stored, not the one on disk: a short body must not pass for an upload.
const { ContentLength } = await client.send(new HeadObjectCommand(object));
client.destroy();
process.stdout.write(
  JSON.stringify({ ms, peakRss: peakRss(), cpu: cpuTotal - cpu0, cpuTotal, size: ContentLength }),
);
