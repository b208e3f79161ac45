/**
 * Whether the broker can hand out presigned S3 URLs, decided once when it gets ready. S3 needs the
 * key's secret (not just a client), an S3 endpoint and signing region, a key B2 accepts on S3 (the
 * master key is refused there, as are buckets created before May 2020), and `deleteFiles` so a
 * confirm that finds the wrong bytes can remove them. Otherwise small files are proxied and
 * GET /config says why.
 */
import { type S3Endpoint, regionOf, signedRequest } from './signer.js';
import { s3ErrorCode } from './xml.js';

/** How the broker sends its own S3 calls (the key's `fetch` option, else the global one). */
export type S3Fetch = (request: Request) => Promise<Response>;

export type S3Mode =
  { kind: 's3'; endpoint: S3Endpoint; fetch: S3Fetch } | { kind: 'unavailable'; reason: string };

export interface S3ModeInput {
  /** The key's secret, when the broker was given the key rather than a client. */
  key: { applicationKeyId: string; applicationKey: string } | undefined;
  /** `s3Region` from the options, if the operator set one. */
  region: string | undefined;
  s3ApiUrl: string;
  bucketName: string | null;
  capabilities: readonly string[];
  /** A key under which the probe looks for an object (nothing is written). */
  probeKey: string;
  fetch: S3Fetch;
  now: number;
}

export async function decideS3Mode(input: S3ModeInput): Promise<S3Mode> {
  const unavailable = (reason: string): S3Mode => ({ kind: 'unavailable', reason });
  if (!input.key)
    return unavailable('the broker was given a B2 client, not the key, so it cannot sign S3 URLs');
  if (!input.s3ApiUrl) return unavailable('B2 announced no S3 endpoint for this account');
  const region = input.region ?? regionOf(input.s3ApiUrl);
  if (!region) return unavailable(`set b2.s3Region: the S3 endpoint ${input.s3ApiUrl} names no region`);
  if (!input.bucketName) return unavailable('the bucket name is unknown (the key names only its id)');
  if (!input.capabilities.includes('deleteFiles')) {
    return unavailable(
      'the key lacks deleteFiles, which S3 mode needs to remove a file that fails its check',
    );
  }
  const endpoint: S3Endpoint = {
    url: input.s3ApiUrl.replace(/\/+$/, ''),
    region,
    bucketName: input.bucketName,
    accessKeyId: input.key.applicationKeyId,
    secretAccessKey: input.key.applicationKey,
  };
  // A signed GET of a name nobody uses: S3's NoSuchKey proves the endpoint, region, key and bucket
  // all work on S3 (a bare 404 is a server that doesn't speak S3 there).
  let status: number;
  let code: string | undefined;
  try {
    const probe = await signedRequest(endpoint, { method: 'GET', key: input.probeKey }, input.now);
    const response = await input.fetch(probe);
    status = response.status;
    code = s3ErrorCode(await response.text());
  } catch {
    return unavailable(`the S3 endpoint ${endpoint.url} could not be reached`);
  }
  if (status === 200 || code === 'NoSuchKey') return { kind: 's3', endpoint, fetch: input.fetch };
  return unavailable(
    `B2's S3 API refused the key for this bucket (a signed GET answered ${status}${code ? ` ${code}` : ''})`,
  );
}
