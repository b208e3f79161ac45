/**
 * Identifiers shaped like B2's. Clients must treat them as opaque; we make them look
 * real so that logs and client-side validators are not surprised, and we embed a creation sequence in
 * file ids so `startFileId` keeps its place in a listing even after that version is deleted.
 */
import { randomBytes } from 'node:crypto';

export const randomHex = (bytes: number) => randomBytes(bytes).toString('hex');

/** 12 hex chars, like a real account id. */
export const newAccountId = () => randomHex(6);

/** 24 hex chars. */
export const newBucketId = () => randomHex(12);

/** `00<accountId-ish>000000000N` style: 25 chars like B2 application key ids. */
export const newKeyId = (accountId: string) => `00${accountId.slice(0, 10)}${randomHex(7).slice(0, 13)}`;

/** 31 chars, like B2 application keys. */
export const newKeySecret = () => `K00${randomBytes(21).toString('base64url').slice(0, 28)}`;

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** `4_z<bucketId>_f<seq><rand>_d<yyyymmdd>_m<hhmmss>_c000_v0001000_t<nnnn>` */
export function newFileId(bucketId: string, seq: number, nowMs: number): string {
  const d = new Date(nowMs);
  const day = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1, 2)}${pad(d.getUTCDate(), 2)}`;
  const time = `${pad(d.getUTCHours(), 2)}${pad(d.getUTCMinutes(), 2)}${pad(d.getUTCSeconds(), 2)}`;
  const seqHex = seq.toString(16).padStart(12, '0');
  return `4_z${bucketId}_f1${seqHex}${randomHex(2)}_d${day}_m${time}_c000_v0001000_t${pad(seq % 10000, 4)}`;
}

const FILE_ID = /^4_z([0-9a-f]{24})_f1([0-9a-f]{12})[0-9a-f]{4}_d\d{8}_m\d{6}_c000_v0001000_t\d{4}$/;

/** The creation sequence inside one of our file ids, or undefined for anything else. */
export function seqOfFileId(fileId: string): number | undefined {
  const m = FILE_ID.exec(fileId);
  return m ? Number.parseInt(m[2]!, 16) : undefined;
}
