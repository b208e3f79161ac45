/** Building an SSE-C key's wire form: the key and its MD5, both base64 (MD5 by hash-wasm). */
import { createMD5 } from 'hash-wasm';
import type { CustomerKey } from './encryption.js';

const toBase64 = (bytes: Uint8Array) => {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
};

const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

/**
 * Builds the wire form of an SSE-C key from its 32 raw bytes (or their base64), computing the MD5.
 * Throws RangeError for a key that is not 32 bytes. Works in browsers and Node.
 */
export async function customerKey(key: Uint8Array | string): Promise<CustomerKey> {
  const raw = typeof key === 'string' ? fromBase64(key) : key;
  if (raw.byteLength !== 32) throw new RangeError('An SSE-C key is 32 bytes (AES-256)');
  const md5 = await createMD5();
  md5.init();
  md5.update(raw);
  return { customerKey: toBase64(raw), customerKeyMd5: toBase64(md5.digest('binary')) };
}
