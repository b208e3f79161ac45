/**
 * Per-endpoint request and byte counters that tests read, e.g. "bytes re-sent after a reload"
 * or "no upload token was used twice at once" (the 400 auth_token_limit B2 returns).
 */
import type { EndpointName } from './faults/endpoints.js';

/** What one endpoint (or all of them, in `totals`) has seen since the last reset. */
export interface EndpointCounts {
  /** Requests received, whether served, refused or faulted. */
  requests: number;
  /** Request body bytes read off the socket (a reset mid-body counts what arrived). */
  bytesReceived: number;
  /** Responses sent, by HTTP status as a string key ("200", "503", …). Faults that drop the socket send none. */
  statuses: Record<string, number>;
  /** Requests refused with 400 auth_token_limit: a second concurrent use of one upload token. */
  tokenConflicts: number;
}

/** JSON-serialisable: what `GET /__emulator/counters` returns. Only endpoints seen appear in `endpoints`. */
export interface CountersSnapshot {
  endpoints: Partial<Record<EndpointName, EndpointCounts>>;
  totals: EndpointCounts;
}

export interface Counters {
  /** One per request received. */
  request(endpoint: EndpointName): void;
  /** Request body bytes received; may be called once per chunk. */
  bytes(endpoint: EndpointName, n: number): void;
  response(endpoint: EndpointName, status: number): void;
  /** A second concurrent use of one upload token (answered 400 auth_token_limit). */
  tokenConflict(endpoint: EndpointName): void;
  /** A copy: later requests do not change it. */
  snapshot(): CountersSnapshot;
  /** The counts of one endpoint (zeros when it has seen nothing); a copy. */
  get(endpoint: EndpointName): EndpointCounts;
  reset(): void;
}

function emptyCounts(): EndpointCounts {
  return { requests: 0, bytesReceived: 0, statuses: {}, tokenConflicts: 0 };
}

function copyCounts(c: EndpointCounts): EndpointCounts {
  return { ...c, statuses: { ...c.statuses } };
}

export function createCounters(): Counters {
  let byEndpoint = new Map<EndpointName, EndpointCounts>();
  let totals = emptyCounts();

  const countsOf = (endpoint: EndpointName): EndpointCounts => {
    let c = byEndpoint.get(endpoint);
    if (!c) {
      c = emptyCounts();
      byEndpoint.set(endpoint, c);
    }
    return c;
  };
  // Every event lands in the endpoint's counts and in the totals, so the two never disagree.
  const both = (endpoint: EndpointName, change: (c: EndpointCounts) => void) => {
    change(countsOf(endpoint));
    change(totals);
  };

  return {
    request: (endpoint) => both(endpoint, (c) => c.requests++),
    bytes(endpoint, n) {
      if (!Number.isFinite(n) || n < 0)
        throw new RangeError(`byte count must be a non-negative number, got ${n}`);
      both(endpoint, (c) => {
        c.bytesReceived += n;
      });
    },
    response: (endpoint, status) =>
      both(endpoint, (c) => {
        const key = String(status);
        c.statuses[key] = (c.statuses[key] ?? 0) + 1;
      }),
    tokenConflict: (endpoint) => both(endpoint, (c) => c.tokenConflicts++),
    snapshot() {
      const endpoints: Partial<Record<EndpointName, EndpointCounts>> = {};
      for (const [name, c] of byEndpoint) endpoints[name] = copyCounts(c);
      return { endpoints, totals: copyCounts(totals) };
    },
    get: (endpoint) => copyCounts(byEndpoint.get(endpoint) ?? emptyCounts()),
    reset() {
      byEndpoint = new Map();
      totals = emptyCounts();
    },
  };
}
