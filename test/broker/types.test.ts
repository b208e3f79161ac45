/** The broker's option types (checked by tsc) and its error codes against the protocol document. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createB2Client } from '../../src/b2/client.js';
import { type BrokerOptions, createBroker } from '../../src/broker/index.js';
import { BROKER_ERROR_CODES } from '../../src/protocol.js';

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
    expect([withClient, mixed, badMode, typeof handler]).toHaveLength(4);
  });
});

describe('broker error codes', () => {
  it('are the codes docs/broker-protocol.md documents, no more, no fewer', () => {
    const doc = readFileSync(new URL('../../docs/broker-protocol.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## Errors'), doc.indexOf('\n## ', doc.indexOf('## Errors') + 1));
    const documented = [...section.matchAll(/^\|\s*\d{3}\s*\|\s*`([a-z_0-9]+)`/gm)].map((m) => m[1]);
    expect([...new Set(documented)].sort()).toEqual([...BROKER_ERROR_CODES].sort());
  });
});
