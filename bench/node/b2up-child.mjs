// b2up in Node: createNodeUploader (the built package, what users install) through the broker,
// the file opened with fs.openAsBlob (streamed from disk). Prints {"ms", "peakRss", "cpu", "cpuTotal", "size"}.
import { createHttpBrokerClient } from '../../dist/src/index.js';
import { createNodeUploader, openFile } from '../../dist/src/node/upload.js';
import { cpuSeconds, peakRss } from './peak-rss.mjs';

const { broker, path, concurrency, partSize } = JSON.parse(process.argv[2]);
const cpu0 = cpuSeconds();
const uploader = createNodeUploader({
  broker: createHttpBrokerClient(broker, { headers: () => ({ Authorization: 'Bearer bench' }) }),
  concurrency,
  partSize,
  stateDirectory: false,
});
const t0 = performance.now();
const result = await uploader.upload(await openFile(path)).done;
const ms = performance.now() - t0;
uploader.close();
process.stdout.write(
  JSON.stringify({
    ms,
    peakRss: peakRss(),
    cpu: cpuSeconds() - cpu0,
    cpuTotal: cpuSeconds(),
    size: result.size,
  }),
);
