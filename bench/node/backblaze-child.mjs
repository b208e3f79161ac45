// The `backblaze-b2` npm package, used the way its README shows for large files: start, one part
// URL per concurrent part, each part read into a Buffer and uploaded with uploadPart (the package
// computes its SHA-1), finish. Same file, concurrency and part size as b2up. Prints
// {"ms", "peakRss", "cpu", "cpuTotal", "size"}.
import { open, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import { cpuSeconds, peakRss } from './peak-rss.mjs';

const B2 = createRequire(import.meta.url)('backblaze-b2');
const { realm, keyId, key, bucketId, path, concurrency, partSize } = JSON.parse(process.argv[2]);

const t0 = performance.now();
const cpu0 = cpuSeconds();
const b2 = new B2({ applicationKeyId: keyId, applicationKey: key });
// The package only knows api.backblazeb2.com; axiosOverride points authorize at the emulator.
await b2.authorize({ axiosOverride: { url: `${realm}/b2api/v2/b2_authorize_account` } });
const { size } = await stat(path);
const { data: started } = await b2.startLargeFile({
  bucketId,
  fileName: `backblaze-b2/${basename(path)}`,
  contentType: 'application/octet-stream',
});
const count = Math.ceil(size / partSize);
const file = await open(path);
const sha1s = [];
let next = 1;
await Promise.all(
  Array.from({ length: Math.min(concurrency, count) }, async () => {
    const { data: target } = await b2.getUploadPartUrl({ fileId: started.fileId });
    for (let n = next++; n <= count; n = next++) {
      const start = (n - 1) * partSize;
      const length = Math.min(partSize, size - start);
      const data = Buffer.alloc(length);
      await file.read(data, 0, length, start);
      const { data: part } = await b2.uploadPart({
        partNumber: n,
        uploadUrl: target.uploadUrl,
        uploadAuthToken: target.authorizationToken,
        data,
      });
      sha1s[n - 1] = part.contentSha1;
    }
  }),
);
await file.close();
await b2.finishLargeFile({ fileId: started.fileId, partSha1Array: sha1s });
const ms = performance.now() - t0;
process.stdout.write(
  JSON.stringify({ ms, peakRss: peakRss(), cpu: cpuSeconds() - cpu0, cpuTotal: cpuSeconds(), size }),
);
