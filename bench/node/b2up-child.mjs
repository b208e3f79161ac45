// b2up in Node: createNodeUploader (the built package, what users install) through the broker,
// built as `b2up upload` builds it (broker calls over node:http), the file opened with openFile. Prints {"ms", "peakRss", "cpu", "cpuTotal", "size"}.
import { nodeHttpFetch } from '../../dist/src/node/http-fetch.js';
import { createNodeUploader, openFile } from '../../dist/src/node/node-uploader.js';
import { createHttpBrokerClient } from '../../dist/src/upload/http-broker.js';
import { cpuSeconds, peakRss } from './peak-rss.mjs';

const { broker, path, concurrency, partSize } = JSON.parse(process.argv[2]);
const cpu0 = cpuSeconds();
const uploader = createNodeUploader({
  broker: createHttpBrokerClient(broker, {
    headers: () => ({ Authorization: 'Bearer bench' }),
    fetch: nodeHttpFetch,
  }),
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
