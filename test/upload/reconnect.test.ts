import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type BrokerClient, BrokerError } from '../../src/upload/broker-client.js';
import { createInlineHasher } from '../../src/upload/hasher.js';
import { createMemoryResumeStore, type ResumeStore } from '../../src/upload/resume-store.js';
import { noTabLock } from '../../src/upload/tab-lock.js';
import { buildUploader } from '../../src/upload/create-uploader.js';
import { createFakeB2 } from './fake-b2.js';

// A broker that goes away (a restart, a short outage) is waited out like being offline, for a
// bounded time, and a retry after it gave up resumes from the parts B2 holds.

let clock = 0;
const now = () => clock;

function setup(broker: BrokerClient, store: ResumeStore, fake: ReturnType<typeof createFakeB2>) {
  const uploader = buildUploader(
    {
      broker,
      concurrency: 2,
      partSize: 1000,
      resume: store,
      hasher: createInlineHasher({ chunkSize: 256 }),
      reconnectPatienceMs: 60_000,
    },
    {
      send: fake.send,
      tabLock: noTabLock,
      connectivity: { isOnline: () => true, whenOnline: async () => {} },
      now,
    },
    // Waiting moves the clock, so patience runs out without real time passing.
    { sleep: async (ms) => void (clock += ms), random: () => 0.5 },
  );
  return uploader;
}

/** The fake broker, whose `finish` finds nobody home while `away()` says so. */
function flakyFinish(fake: ReturnType<typeof createFakeB2>, away: () => boolean): BrokerClient {
  return {
    ...fake.broker,
    finish: (...args) =>
      away()
        ? Promise.reject(new BrokerError(0, 'unavailable', 'connection refused'))
        : fake.broker.finish(...args),
  };
}

describe('an absent broker', () => {
  it('is waited out, reading reconnecting meanwhile, and the upload completes', async () => {
    const fake = createFakeB2();
    let silent = 4;
    const uploader = setup(
      flakyFinish(fake, () => silent-- > 0),
      createMemoryResumeStore(now),
      fake,
    );
    const bytes = randomBytes(6000);
    const states: string[] = [];
    const upload = uploader.upload(new File([bytes], 'restart.bin'), {
      onProgress: (s) => states.at(-1) !== s.state && states.push(s.state),
    });
    const result = await upload.done;
    expect(fake.assembled(result.fileId).equals(bytes)).toBe(true);
    expect(states).toEqual(['uploading', 'finishing', 'reconnecting', 'finishing', 'done']);
  });

  it('fails once the patience is spent; a retry resumes without sending the parts again', async () => {
    const fake = createFakeB2();
    const store = createMemoryResumeStore(now);
    let away = true;
    const bytes = randomBytes(6000);
    const pick = () => new File([bytes], 'outage.bin', { lastModified: 1 });
    const first = setup(
      flakyFinish(fake, () => away),
      store,
      fake,
    ).upload(pick());
    const failure = await first.done.catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: 'UploadError', code: 'network' });
    expect(first.snapshot()).toMatchObject({ state: 'failed', partsDone: 6 });
    const sent = fake.stats.partRequests;

    away = false;
    const retry = setup(
      flakyFinish(fake, () => away),
      store,
      fake,
    ).upload(pick());
    const result = await retry.done;
    expect(retry.snapshot()).toMatchObject({ state: 'done', resumed: true });
    expect(fake.stats.partRequests).toBe(sent);
    expect(fake.assembled(result.fileId).equals(bytes)).toBe(true);
  });
});
