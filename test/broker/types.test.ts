/** Type-level checks (compiled by tsc; vitest only runs the trivial assertion). */
import { describe, expect, it } from 'vitest';
import { createB2Client } from '../../src/b2/client.js';
import { type BrokerOptions, createBroker, type ProtocolErrorCode } from '../../src/broker/index.js';
import type { BrokerErrorCode } from '../../src/upload/broker-client.js';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// The broker's codes and the SDK's are one closed set.
const sameCodes: Same<ProtocolErrorCode, BrokerErrorCode> = true;

const authorize = () => ({ id: 'u' });

describe('broker option types', () => {
  it('take credentials or a client, never both', () => {
    const client = createB2Client({ applicationKeyId: 'id', applicationKey: 'key' });
    const withKey: BrokerOptions = {
      b2: { applicationKeyId: 'id', applicationKey: 'k', bucket: 'b' },
      authorize,
    };
    const withClient: BrokerOptions = { b2: { client, bucket: 'b' }, authorize };
    const mixed: BrokerOptions = {
      // @ts-expect-error a client and credentials together are two modes at once
      b2: { client, applicationKeyId: 'id', applicationKey: 'k', bucket: 'b' },
      authorize,
    };
    // @ts-expect-error smallFiles is 'proxy' or 'direct'
    const badMode: BrokerOptions = { ...withKey, smallFiles: 'bucket' };
    const broker = createBroker(withKey);
    const handler: (request: Request) => Promise<Response> = broker;
    expect([sameCodes, withClient, mixed, badMode, typeof handler]).toHaveLength(5);
  });
});
