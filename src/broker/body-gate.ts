/**
 * Request bodies being read, per principal. A body is read only after login, but a signed-in user
 * who opens many requests and sends their bodies slowly holds the broker's memory (up to 512 KB of
 * JSON or a whole small file each) for as long as the server's timeouts allow; this bounds how many
 * one user may have in flight on one broker instance (it is about this instance's memory).
 */
import { Refusal } from './errors.js';

export interface BodyGate {
  /** Runs `read` while counting it against `principalId`; 429 when they already have the most. */
  read<T>(principalId: string, read: () => Promise<T>): Promise<T>;
}

export function createBodyGate(maxPerPrincipal: number): BodyGate {
  const reading = new Map<string, number>();
  return {
    async read(principalId, read) {
      const now = reading.get(principalId) ?? 0;
      if (now >= maxPerPrincipal) {
        throw new Refusal(
          429,
          'rate_limited',
          `At most ${maxPerPrincipal} request bodies at a time per user.`,
          {
            retryAfterSeconds: 1,
          },
        );
      }
      reading.set(principalId, now + 1);
      try {
        return await read();
      } finally {
        const left = (reading.get(principalId) ?? 1) - 1;
        if (left > 0) reading.set(principalId, left);
        else reading.delete(principalId);
      }
    },
  };
}
