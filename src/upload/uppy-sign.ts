/**
 * `signRequest` for Uppy's `@uppy/aws-s3`, served by a b2up broker (docs/uppy.md). Uppy asks for
 * each S3 request it is about to make; this asks the broker's POST /uppy/sign, adding the file's
 * own name, size and type for a new file so the broker can check them, choose the name and bind
 * the size. Needs `generateObjectKey: (file) => file.id` on the plugin, so a new file's requested
 * key is its Uppy id. No Uppy import: the shapes are Uppy's, restated.
 */

/** What @uppy/aws-s3 passes to `signRequest`. */
export interface UppyPresignableRequest {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  key: string;
  uploadId?: string;
  partNumber?: number;
  contentType?: string;
  expiresIn?: number;
}

/** What `signRequest` answers: the URL, the broker's name for a new file, the headers signed. */
export interface UppyPresignedResponse {
  url: string;
  key?: string;
  headers?: Record<string, string>;
}

/** The parts of an Uppy file the broker needs (`uppy.getFile(id)` has them). */
export interface UppyFileFacts {
  name?: string;
  size: number | null;
  type?: string;
}

export interface UppySignRequestOptions {
  /** The broker's base URL, e.g. '/b2up'. Required. */
  broker: string;
  /** Looks a file up by its Uppy id: `(id) => uppy.getFile(id)`. Required. */
  getFile: (id: string) => UppyFileFacts | undefined;
  /** Extra headers on every sign call, e.g. the app's `Authorization`. Default none. */
  headers?: () => Record<string, string> | Promise<Record<string, string>>;
  /** Cookies with each call. Default 'same-origin'. */
  credentials?: RequestCredentials;
}

export function uppySignRequest(
  options: UppySignRequestOptions,
): (request: UppyPresignableRequest) => Promise<UppyPresignedResponse> {
  const url = `${options.broker.replace(/\/+$/, '')}/uppy/sign`;
  return async (request) => {
    const file = request.uploadId === undefined ? options.getFile(request.key) : undefined;
    const response = await fetch(url, {
      method: 'POST',
      credentials: options.credentials ?? 'same-origin',
      headers: { ...(await options.headers?.()), 'Content-Type': 'application/json' },
      body: JSON.stringify({
        ...request,
        ...(file ? { file: { name: file.name, size: file.size, type: file.type } } : {}),
      }),
    });
    if (!response.ok) {
      const body = (await response.json().catch(() => ({}))) as { message?: string };
      throw new Error(body.message ?? `The broker refused to sign (${response.status}).`);
    }
    return (await response.json()) as UppyPresignedResponse;
  };
}
