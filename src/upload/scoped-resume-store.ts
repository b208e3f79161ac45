/**
 * Unfinished uploads belong to one user on one broker. The records are kept under a scope (the
 * broker's id and the signed-in user's id), so another account in the same browser, or an uploader
 * talking to another broker on the page, never sees their names nor is offered to resume them.
 * The engine keeps using plain fingerprint keys; only the stored keys carry the scope.
 */
import type { BrokerClient } from './broker-client.js';
import type { ResumeStore } from './resume-store.js';

export function scopeResumeStore(inner: ResumeStore, scope: () => Promise<string>): ResumeStore {
  const prefix = async () => `${await scope()}\n`;
  return {
    get persistent() {
      return inner.persistent;
    },
    async get(key) {
      const record = await inner.get((await prefix()) + key);
      return record && { ...record, key };
    },
    async set(record) {
      await inner.set({ ...record, key: (await prefix()) + record.key });
    },
    async delete(key) {
      await inner.delete((await prefix()) + key);
    },
    async list() {
      const p = await prefix();
      return (await inner.list())
        .filter((record) => record.key.startsWith(p))
        .map((record) => ({ ...record, key: record.key.slice(p.length) }));
    },
  };
}

/**
 * The scope of `broker`'s uploads, asked of the broker once and again on `refresh()` (the user may
 * have signed in as someone else). When the broker can't say (offline, signed out), the scope is one
 * no record is stored under, so nothing is offered rather than someone else's uploads.
 */
export function brokerScope(broker: BrokerClient): { get(): Promise<string>; refresh(): Promise<string> } {
  let current: Promise<string> | undefined;
  const ask = async () => {
    if (!broker.whoami) return `${broker.id ?? ''}`;
    try {
      const { user } = await broker.whoami();
      return `${broker.id ?? ''}\t${user}`;
    } catch {
      current = undefined;
      return `${broker.id ?? ''}\t\u0000unknown`;
    }
  };
  return {
    get: () => (current ??= ask()),
    refresh: () => (current = ask()),
  };
}
