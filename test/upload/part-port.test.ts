import { describe, expect, it } from 'vitest';
import { errorFromResponse } from '../../src/b2/http.js';
import { b2PartPort, type PartAttempt } from '../../src/upload/part-port.js';
import type { SendResponse } from '../../src/upload/transport.js';

const attempt: PartAttempt = {
  target: { uploadUrl: 'https://pod.example/b2api/v4/b2_upload_part/x', authorizationToken: 'tok' },
  partNumber: 3,
  file: new Blob(['hello world']),
  start: 0,
  end: 5,
  sha1: 'aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d',
  signal: undefined,
  onProgress: () => {},
  stallTimeoutMs: 0,
};

const answering = (response: SendResponse) => b2PartPort(async () => response);

describe('b2 part port', () => {
  it.each([
    [503, '<html>proxy error</html>', {}],
    [429, '', { 'retry-after': '7' }],
    [401, '{"status":401,"code":"expired_auth_token","message":"expired"}', {}],
  ])('reads a %i answer as the B2 client reads it', async (status, text, headers) => {
    const fromPort = await answering({ status, text, headers })
      .send(attempt)
      .catch((e: unknown) => e);
    const fromClient = await errorFromResponse(
      new Response(text, { status, headers: headers as Record<string, string> }),
    );
    expect(fromPort).toMatchObject({
      name: 'B2Error',
      status,
      code: fromClient.code,
      retryAfterSeconds: fromClient.retryAfterSeconds,
    });
  });

  it('sends b2_upload_part headers and checks the SHA-1 B2 stored', async () => {
    let sent: Record<string, string> = {};
    const port = b2PartPort(async (request) => {
      sent = request.headers;
      return { status: 200, headers: {}, text: JSON.stringify({ contentSha1: attempt.sha1, partNumber: 3 }) };
    });
    expect(await port.send(attempt)).toBe(attempt.sha1);
    expect(sent).toMatchObject({
      Authorization: 'tok',
      'X-Bz-Part-Number': '3',
      'X-Bz-Content-Sha1': attempt.sha1,
    });
    const wrong = answering({ status: 200, headers: {}, text: '{"contentSha1":"0000"}' });
    await expect(wrong.send(attempt)).rejects.toMatchObject({ code: 'invalid_response' });
  });
});
