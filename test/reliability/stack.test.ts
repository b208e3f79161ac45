/**
 * The reliability suites' back end is the dev stack behind watching wrappers: its broker key has
 * every capability S3 mode needs, so the fault soak's small files take presigned S3 PUTs, and the
 * wrappers see the emulator's requests and the broker's secrets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReliabilityStack, startStack } from '../../e2e/reliability/stack.js';

let stack: ReliabilityStack;
beforeAll(async () => {
  stack = await startStack({ origins: ['http://127.0.0.1:1'], minPartSize: 5000 });
});
afterAll(() => stack.close());

describe('reliability stack', () => {
  it('offers small files over S3 and watches the emulator and the broker', async () => {
    const response = await fetch(`${stack.brokerUrl}/config`, {
      headers: { Authorization: 'Bearer someone', Origin: 'http://127.0.0.1:1' },
    });
    const config = (await response.json()) as { smallFiles: string; smallFilesReason?: string };
    expect(config).toMatchObject({ smallFiles: 's3' });
    expect(config.smallFilesReason).toBeUndefined();
    // The broker's own calls to B2 (authorize, the S3 probe) went through the watching server.
    expect(stack.requests.map((r) => r.endpoint)).toContain('b2_authorize_account');
    expect(stack.secrets).toContain(stack.brokerKeyId);
    expect(stack.brokerCalls).toBe(1);
  });
});
