/**
 * Login for a standalone `b2up broker`, which has no app around it to ask: fixed bearer tokens
 * (`--user NAME=TOKEN`), or — for local development only — any bearer token names the user.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Principal } from '../broker/index.js';
import { UsageError } from './command.js';

/** How `b2up broker` tells users apart; the two modes exclude each other. */
export type BrokerLogin = { kind: 'tokens'; users: Map<string, string> } | { kind: 'dev-any-user' };

/** Parses `--user NAME=TOKEN` values into NAME by TOKEN. */
export function parseUsers(values: readonly string[]): Map<string, string> {
  const users = new Map<string, string>();
  for (const value of values) {
    const eq = value.indexOf('=');
    const name = value.slice(0, eq);
    const token = value.slice(eq + 1);
    // The name becomes file info `b2up-user` and part of upload tokens: keep it plain.
    if (eq < 1 || !/^[\w.@-]{1,64}$/.test(name)) {
      throw new UsageError(`--user wants NAME=TOKEN with a NAME of letters, digits, . _ @ -; got "${value}"`);
    }
    if (token.length < 16) throw new UsageError(`--user ${name}: the token must be at least 16 characters`);
    if (users.has(token)) throw new UsageError(`--user ${name}: two users share one token`);
    users.set(token, name);
  }
  return users;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** The broker's `authorize` hook for a login mode. */
export function loginHook(login: BrokerLogin): (request: Request) => Principal | null {
  if (login.kind === 'dev-any-user') {
    return (request) => {
      const match = /^Bearer ([\w.@-]{1,64})$/.exec(request.headers.get('authorization') ?? '');
      return match ? { id: match[1]! } : null;
    };
  }
  // Compare digests in constant time, and every token every time, so timing says nothing about tokens.
  const known = [...login.users].map(([token, name]) => ({ hash: digest(token), name }));
  return (request) => {
    const match = /^Bearer (\S+)$/.exec(request.headers.get('authorization') ?? '');
    if (!match) return null;
    const presented = digest(match[1]!);
    let user: string | undefined;
    for (const candidate of known) if (timingSafeEqual(candidate.hash, presented)) user = candidate.name;
    return user === undefined ? null : { id: user };
  };
}
