import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isUploadError } from '../../src/upload/errors.js';
import { type Hasher, HashError, type HashErrorCode, isHashError } from '../../src/upload/hasher.js';
import { createMemoryResumeStore } from '../../src/upload/resume-store.js';
import { noTabLock } from '../../src/upload/tab-lock.js';
import { buildUploader } from '../../src/upload/create-uploader.js';
import { createFakeB2 } from './fake-b2.js';

/** A hasher whose every call fails with `code`, as a crashed worker or a refused WebAssembly would. */
function failingHasher(code: HashErrorCode): Hasher {
  return { sha1: () => Promise.reject(new HashError(code, `hashing failed: ${code}`)), close() {} };
}

async function failureOf(code: HashErrorCode, size: number) {
  const fake = createFakeB2();
  const uploader = buildUploader(
    { broker: fake.broker, partSize: 1000, resume: createMemoryResumeStore(), hasher: failingHasher(code) },
    {
      send: fake.send,
      tabLock: noTabLock,
      connectivity: { isOnline: () => true, whenOnline: async () => {} },
    },
    { sleep: async () => {}, random: () => 0.5 },
  );
  const file = new File([new Uint8Array(randomBytes(size))], 'f.bin', { lastModified: 1 });
  const error: unknown = await uploader.upload(file).done.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isUploadError(error)) throw new Error(`expected an UploadError, got ${String(error)}`);
  return error;
}

describe('a hash that fails for a reason other than the file', () => {
  for (const code of ['worker_failed', 'wasm_failed', 'closed'] as const) {
    for (const [kind, size] of [
      ['small', 1500],
      ['large', 10_500],
    ] as const) {
      it(`${code} fails a ${kind} file with hashing_failed, the HashError as cause`, async () => {
        const error = await failureOf(code, size);
        expect(error.code).toBe('hashing_failed');
        expect(isHashError(error.cause) && error.cause.code).toBe(code);
      });
    }
  }

  it('a file that cannot be read is still file_unreadable', async () => {
    expect((await failureOf('read_failed', 1500)).code).toBe('file_unreadable');
    expect((await failureOf('read_failed', 10_500)).code).toBe('file_unreadable');
  });
});
