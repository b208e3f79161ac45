/**
 * SigV4 verification against published and fixed vectors, and the checks around it (scope, expiry,
 * skew). The S3 suites drive it with real AWS SDK signatures; these pin the algorithm itself.
 */
import { describe, expect, it } from 'vitest';
import { S3Failure } from '../../src/emulator/s3/errors.js';
import { type SignedRequest, canonicalRequest, uriEncode, verifySigV4 } from '../../src/emulator/s3/sigv4.js';

const AWS_EXAMPLE = {
  keyId: 'AKIAIOSFODNN7EXAMPLE',
  secret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

function presigned(path: string, query: string, host: string): SignedRequest {
  return { method: 'GET', rawPath: path, rawQuery: query, headers: { host: [host] } };
}

const awsQuery = (signature: string) =>
  'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request' +
  `&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=${signature}`;

const AWS_SIGNATURE = 'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404';
const awsOptions = (now: number) => ({
  region: 'us-east-1',
  now,
  secretOf: (id: string) => {
    if (id !== AWS_EXAMPLE.keyId) throw new S3Failure(403, 'InvalidAccessKeyId', 'unknown');
    return AWS_EXAMPLE.secret;
  },
});
const error = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e as S3Failure;
  }
  throw new Error('expected a failure');
};

describe('verifySigV4 (query)', () => {
  it("accepts AWS's documented presigned GET example", () => {
    const verified = verifySigV4(
      presigned('/test.txt', awsQuery(AWS_SIGNATURE), 'examplebucket.s3.amazonaws.com'),
      awsOptions(Date.UTC(2013, 4, 24, 1)),
    );
    expect(verified).toEqual({
      accessKeyId: AWS_EXAMPLE.keyId,
      payloadHash: 'UNSIGNED-PAYLOAD',
      presigned: true,
    });
  });

  it('refuses one changed signature digit, path, host or region', () => {
    const now = Date.UTC(2013, 4, 24, 1);
    const bad = `${AWS_SIGNATURE.slice(0, -1)}5`;
    expect(
      error(() =>
        verifySigV4(presigned('/test.txt', awsQuery(bad), 'examplebucket.s3.amazonaws.com'), awsOptions(now)),
      ).code,
    ).toBe('SignatureDoesNotMatch');
    expect(
      error(() =>
        verifySigV4(
          presigned('/test2.txt', awsQuery(AWS_SIGNATURE), 'examplebucket.s3.amazonaws.com'),
          awsOptions(now),
        ),
      ).code,
    ).toBe('SignatureDoesNotMatch');
    expect(
      error(() =>
        verifySigV4(presigned('/test.txt', awsQuery(AWS_SIGNATURE), 'other.example'), awsOptions(now)),
      ).code,
    ).toBe('SignatureDoesNotMatch');
    const wrongRegion = error(() =>
      verifySigV4(presigned('/test.txt', awsQuery(AWS_SIGNATURE), 'examplebucket.s3.amazonaws.com'), {
        ...awsOptions(now),
        region: 'us-west-004',
      }),
    );
    expect([wrongRegion.status, wrongRegion.code]).toEqual([400, 'AuthorizationQueryParametersError']);
  });

  it('expires after X-Amz-Expires seconds and is not valid before its date (15 minutes of skew allowed)', () => {
    const req = presigned('/test.txt', awsQuery(AWS_SIGNATURE), 'examplebucket.s3.amazonaws.com');
    const signedAt = Date.UTC(2013, 4, 24);
    expect(verifySigV4(req, awsOptions(signedAt + 86_400_000))).toBeDefined();
    const expired = error(() => verifySigV4(req, awsOptions(signedAt + 86_400_001)));
    expect([expired.status, expired.code, expired.message]).toEqual([
      403,
      'UnauthorizedAccess',
      "Request has expired given timestamp: '20130524T000000Z' and expiration: 86400",
    ]);
    expect(verifySigV4(req, awsOptions(signedAt - 15 * 60_000))).toBeDefined();
    expect(error(() => verifySigV4(req, awsOptions(signedAt - 15 * 60_000 - 1))).message).toBe(
      'Request is not valid yet',
    );
  });

  it('matches a fixed B2-shaped vector (path with a space, part upload query)', () => {
    const query =
      'partNumber=1&uploadId=4_zabc_f123_d20250101_m120000_c004_v0402000_t0001&X-Amz-Algorithm=AWS4-HMAC-SHA256' +
      '&X-Amz-Credential=004a1b2c3d4e5f60000000001%2F20250101%2Fus-west-004%2Fs3%2Faws4_request&X-Amz-Date=20250101T120000Z' +
      '&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=414990c8d6f6bfac2394142b58dfa8d2c89d7792e97f39ac1789dbbd0e559387';
    const req: SignedRequest = {
      method: 'PUT',
      rawPath: '/my-bucket/dir/file%20name.bin',
      rawQuery: query,
      headers: { host: ['s3.us-west-004.backblazeb2.com'] },
    };
    const verified = verifySigV4(req, {
      region: 'us-west-004',
      now: Date.UTC(2025, 0, 1, 12, 30),
      secretOf: () => 'K004EXAMPLESECRETKEYEXAMPLESECRET',
    });
    expect(verified?.accessKeyId).toBe('004a1b2c3d4e5f60000000001');
  });

  it('needs every X-Amz-* parameter and caps X-Amz-Expires at a week', () => {
    const now = Date.UTC(2013, 4, 24, 1);
    const missing = awsQuery(AWS_SIGNATURE).replace('&X-Amz-Expires=86400', '');
    expect(error(() => verifySigV4(presigned('/test.txt', missing, 'h'), awsOptions(now))).code).toBe(
      'AuthorizationQueryParametersError',
    );
    const week = awsQuery(AWS_SIGNATURE).replace('X-Amz-Expires=86400', 'X-Amz-Expires=604801');
    expect(error(() => verifySigV4(presigned('/test.txt', week, 'h'), awsOptions(now))).message).toBe(
      'X-Amz-Expires must be less than a week (in seconds) that is; 604800',
    );
  });
});

describe('canonical request', () => {
  it('re-encodes path segments once (RFC 3986), sorts the query, trims header values', () => {
    const canonical = canonicalRequest(
      {
        method: 'GET',
        rawPath: "/b/a%20b/c+d/%E2%82%AC/it's",
        rawQuery: 'z=1&uploads&a=x%2Fy&a=b',
        headers: { host: ['h'], 'x-amz-meta-a': ['  two   spaces  '] },
      },
      ['host', 'x-amz-meta-a'],
      'UNSIGNED-PAYLOAD',
    );
    expect(canonical).toBe(
      [
        'GET',
        '/b/a%20b/c%2Bd/%E2%82%AC/it%27s',
        'a=b&a=x%2Fy&uploads=&z=1',
        'host:h\nx-amz-meta-a:two spaces\n',
        'host;x-amz-meta-a',
        'UNSIGNED-PAYLOAD',
      ].join('\n'),
    );
  });

  it('uriEncode keeps only unreserved characters (and / in paths)', () => {
    expect(uriEncode("a-_.~ !*'()/")).toBe('a-_.~%20%21%2A%27%28%29%2F');
    expect(uriEncode('a/b c', true)).toBe('a/b%20c');
  });
});

describe('verifySigV4 (header)', () => {
  it('anonymous requests carry no signature', () => {
    expect(verifySigV4(presigned('/b/k', '', 'h'), awsOptions(0))).toBeUndefined();
  });

  it('SigV2 and mixed mechanisms are refused', () => {
    const v2: SignedRequest = {
      method: 'GET',
      rawPath: '/b/k',
      rawQuery: '',
      headers: { host: ['h'], authorization: ['AWS AKID:sig'] },
    };
    expect(error(() => verifySigV4(v2, awsOptions(0))).code).toBe('InvalidRequest');
    const both: SignedRequest = {
      ...v2,
      rawQuery: 'X-Amz-Signature=00',
      headers: { host: ['h'], authorization: ['AWS4-HMAC-SHA256 x'] },
    };
    expect(error(() => verifySigV4(both, awsOptions(0))).code).toBe('InvalidArgument');
  });
});
