/**
 * Progress of the bytes of one request, counted as they pass through a stream: download bodies as
 * they arrive, upload bodies as the connection takes them. Upload progress needs a streamed request
 * body, which Node (and Deno, Bun) send with the exact Content-Length given; browsers only stream
 * request bodies over HTTP/2, so the b2up SDK's own uploader reports progress there instead.
 */

/** Bytes moved so far out of the body's total. */
export interface TransferProgress {
  loaded: number;
  total: number;
}

export type ProgressCallback = (progress: TransferProgress) => void;

/** Upload bodies are handed over in slices of this size, so progress moves smoothly. */
const UPLOAD_SLICE_BYTES = 64 * 1024;

function counting(total: number, onProgress: ProgressCallback): TransformStream<Uint8Array, Uint8Array> {
  let loaded = 0;
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      loaded += chunk.byteLength;
      controller.enqueue(chunk);
      onProgress({ loaded, total });
    },
  });
}

/** A download body that reports bytes as they pass through. */
export function withDownloadProgress(
  body: ReadableStream<Uint8Array>,
  total: number,
  onProgress: ProgressCallback,
): ReadableStream<Uint8Array> {
  return body.pipeThrough(counting(total, onProgress));
}

/**
 * An upload payload as a stream pulled slice by slice (nothing read ahead), reporting each slice as
 * the connection takes it. Send it with an explicit Content-Length: B2 refuses chunked bodies.
 */
export function withUploadProgress(
  payload: Blob | Uint8Array,
  onProgress: ProgressCallback,
): ReadableStream<Uint8Array> {
  const total = payload instanceof Uint8Array ? payload.byteLength : payload.size;
  let offset = 0;
  const source = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (offset >= total) {
          controller.close();
          return;
        }
        const end = Math.min(offset + UPLOAD_SLICE_BYTES, total);
        const slice =
          payload instanceof Uint8Array
            ? payload.subarray(offset, end)
            : new Uint8Array(await payload.slice(offset, end).arrayBuffer());
        offset = end;
        controller.enqueue(slice);
      },
    },
    { highWaterMark: 0 },
  );
  return source.pipeThrough(counting(total, onProgress));
}
