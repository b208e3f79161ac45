/**
 * The browser's own ceiling: the same File slices, same concurrency, POSTed by this page with the
 * same headers as the raw emulator POSTs (bench/page/raw.ts), to a bare sink that only drains bodies
 * (bench/node/sink-child.mjs). Nothing on either side hashes.
 */
export interface SinkOptions {
  url: string;
  concurrency: number;
  partSize: number;
}

function post(url: string, partNumber: number, body: Blob): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('Authorization', 'sink');
    xhr.setRequestHeader('X-Bz-Part-Number', String(partNumber));
    xhr.setRequestHeader('X-Bz-Content-Sha1', 'do_not_verify');
    xhr.onload = () => (xhr.status === 200 ? resolve() : reject(new Error(`sink answered ${xhr.status}`)));
    xhr.onerror = () => reject(new Error(`part ${partNumber}: network error`));
    xhr.send(body);
  });
}

/** Sends every slice of `file` once; resolves with the milliseconds taken. */
export async function sinkUpload(file: File, options: SinkOptions): Promise<number> {
  const count = Math.ceil(file.size / options.partSize);
  let next = 1;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(options.concurrency, count) }, async () => {
      for (let n = next++; n <= count; n = next++) {
        const start = (n - 1) * options.partSize;
        await post(options.url, n, file.slice(start, Math.min(start + options.partSize, file.size)));
      }
    }),
  );
  return performance.now() - t0;
}
