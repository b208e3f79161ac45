/**
 * SSE-C keys for the client: B2 takes a customer's AES-256 key (base64) and the key's MD5 (base64) on
 * every request that touches an SSE-C file's bytes: upload, each part, copy, download, HEAD.
 * See https://www.backblaze.com/docs/cloud-storage-server-side-encryption. Building a key (its MD5)
 * lives in customer-key.ts, so code that only sends keys never loads an MD5.
 */
import type { ServerSideEncryptionRequest } from './wire.js';

/** A customer key as B2 wants it on the wire. */
export interface CustomerKey {
  /** The 32-byte AES-256 key, base64. */
  customerKey: string;
  /** MD5 of the raw key, base64. */
  customerKeyMd5: string;
}

/** X-Bz-Server-Side-Encryption-Customer-* request headers. */
export function customerKeyHeaders(key: CustomerKey | undefined): Record<string, string> {
  if (!key) return {};
  return {
    'X-Bz-Server-Side-Encryption-Customer-Algorithm': 'AES256',
    'X-Bz-Server-Side-Encryption-Customer-Key': key.customerKey,
    'X-Bz-Server-Side-Encryption-Customer-Key-Md5': key.customerKeyMd5,
  };
}

/** The JSON form (`serverSideEncryption`, `sourceServerSideEncryption`, …) of an SSE-C key. */
export function customerKeyJson(key: CustomerKey): ServerSideEncryptionRequest {
  return { mode: 'SSE-C', algorithm: 'AES256', ...key };
}
