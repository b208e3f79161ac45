/**
 * The browser's raw ceiling: the same File slices POSTed by this browser to the same emulator's
 * b2_upload_part URLs, at the same concurrency, with `X-Bz-Content-Sha1: do_not_verify`
 * and no hashing anywhere in the page. Part URLs come from the same broker, one per slot, as
 * b2up gets them; the large file is cancelled afterwards.
 */
export interface RawOptions {
  broker: string;
  concurrency: number;
  partSize: number;
}

interface Target {
  uploadUrl: string;
  authorizationToken: string;
}

async function brokerJson<T>(url: string, init: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`${init.method} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

function post(url: string, target: Target, partNumber: number, body: Blob): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('Authorization', target.authorizationToken);
    xhr.setRequestHeader('X-Bz-Part-Number', String(partNumber));
    xhr.setRequestHeader('X-Bz-Content-Sha1', 'do_not_verify');
    xhr.onload = () =>
      xhr.status === 200
        ? resolve()
        : reject(new Error(`part ${partNumber}: ${xhr.status} ${xhr.responseText}`));
    xhr.onerror = () => reject(new Error(`part ${partNumber}: network error`));
    xhr.send(body);
  });
}

/** Sends every part of `file` once; resolves with the milliseconds from start to cancel. */
export async function rawUpload(file: File, options: RawOptions): Promise<number> {
  const t0 = performance.now();
  const auth = { Authorization: 'Bearer bench', 'Content-Type': 'application/json' };
  const started = await brokerJson<{ uploadId: string; token: string; partSize: number }>(
    `${options.broker}/uploads`,
    {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: `raw-${file.name}`, size: file.size, partSize: options.partSize }),
    },
  );
  const session = { ...auth, 'X-B2up-Upload-Token': started.token };
  const base = `${options.broker}/uploads/${encodeURIComponent(started.uploadId)}`;
  const count = Math.ceil(file.size / started.partSize);
  const slots = Math.min(options.concurrency, count);
  const { targets } = await brokerJson<{ targets: Target[] }>(`${base}/part-urls`, {
    method: 'POST',
    headers: session,
    body: JSON.stringify({ count: slots }),
  });
  let next = 1;
  await Promise.all(
    targets.map(async (target) => {
      for (let n = next++; n <= count; n = next++) {
        const start = (n - 1) * started.partSize;
        await post(
          target.uploadUrl,
          target,
          n,
          file.slice(start, Math.min(start + started.partSize, file.size)),
        );
      }
    }),
  );
  // Cancelling stands in for b2up's finish call, so both timings include the same broker round trips.
  await fetch(base, { method: 'DELETE', headers: session });
  return performance.now() - t0;
}
