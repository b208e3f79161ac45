/**
 * 5b. Resume record cost: bytes an upload writes to its resume store per part, at 100 and 10,000
 *     parts. In browsers the store is IndexedDB; here the engine runs in Node against the dev stack
 *     (broker + emulator over HTTP, 1 KiB parts) with a store that counts the serialized size of
 *     every record written, which is what IndexedDB is asked to store. Bar: the figure at 10,000
 *     parts at most the one at 100 (a cost per part that doesn't grow with the part count).
 */
import { createMemoryResumeStore } from '../../src/upload/resume-store.js';
import { createInlineHasher } from '../../src/upload/hasher.js';
import { createHttpBrokerClient } from '../../src/upload/http-broker.js';
import { noTabLock } from '../../src/upload/tab-lock.js';
import { buildUploader } from '../../src/upload/create-uploader.js';
import { countingResumeStore } from '../lib/counting-store.js';
import type { BenchContext, Figure } from '../lib/figures.js';
import { startBenchStack } from '../lib/stack.js';

const PART = 1024;

export async function resumeRecordScenario(context: BenchContext): Promise<Figure[]> {
  const stack = await startBenchStack({
    origins: ['http://127.0.0.1'],
    minPartSize: PART,
    broker: { limits: { startsPerMinute: Number.POSITIVE_INFINITY } },
  });
  const broker = createHttpBrokerClient(stack.brokerUrl, {
    headers: () => ({ Authorization: 'Bearer bench' }),
  });
  const perPart = new Map<number, number>();
  try {
    for (const parts of [100, 10_000]) {
      const { store, written } = countingResumeStore(createMemoryResumeStore());
      const uploader = buildUploader(
        { broker, concurrency: 8, partSize: PART, resume: store, hasher: createInlineHasher() },
        { tabLock: noTabLock, connectivity: { isOnline: () => true, whenOnline: async () => {} } },
      );
      const bytes = new Uint8Array(parts * PART);
      for (let i = 0; i < bytes.length; i += 4096) bytes[i] = i / 4096;
      const result = await uploader.upload(new File([bytes], `record-${parts}.bin`)).done;
      uploader.close();
      if (result.size !== bytes.length) throw new Error(`uploaded ${result.size} of ${bytes.length} bytes`);
      perPart.set(parts, written() / parts);
      context.log(
        `  ${parts} parts: ${written()} bytes of resume records, ${(written() / parts).toFixed(1)} per part`,
      );
      await stack.deleteAllFiles();
    }
  } finally {
    await stack.close();
  }
  const small = perPart.get(100)!;
  const large = perPart.get(10_000)!;
  return [
    {
      id: 'record.bytes_per_part_100',
      group: '5b. Resume record',
      label: 'resume-record bytes written per part, 100 parts',
      value: small,
      unit: 'B',
    },
    {
      id: 'record.bytes_per_part_10000',
      group: '5b. Resume record',
      label: 'resume-record bytes written per part, 10,000 parts',
      value: large,
      unit: 'B',
      reference: { label: 'per part at 100 parts', value: small },
      ratio: large / small,
      bar: { kind: 'max', value: 1 },
    },
  ];
}
