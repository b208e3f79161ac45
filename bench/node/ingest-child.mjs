// A Node client that POSTs `count` parts of `partSize` random bytes to b2_upload_part URLs, one
// request at a time per URL, all URLs at once, with a real SHA-1 or `do_not_verify`. It runs in its
// own process so its CPU is not the emulator's. Prints {"ms": …} on stdout.
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';

const { targets, partSize, count, verify } = JSON.parse(process.argv[2]);
const body = randomBytes(partSize);
const sha1 = verify ? createHash('sha1').update(body).digest('hex') : 'do_not_verify';

function post(target, partNumber) {
  return new Promise((resolve, reject) => {
    const req = request(target.uploadUrl, {
      method: 'POST',
      agent: false,
      headers: {
        Authorization: target.authorizationToken,
        'X-Bz-Part-Number': String(partNumber),
        'X-Bz-Content-Sha1': sha1,
        'Content-Length': String(body.length),
      },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 200 ? resolve() : reject(new Error(`part ${partNumber}: ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

let next = 1;
const t0 = performance.now();
await Promise.all(
  targets.map(async (target) => {
    for (let n = next++; n <= count; n = next++) await post(target, n);
  }),
);
process.stdout.write(JSON.stringify({ ms: performance.now() - t0 }));
