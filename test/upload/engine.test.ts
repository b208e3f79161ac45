import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type { UploadDeps } from '../../src/upload/context.js';
import { BrokerError } from '../../src/upload/broker-client.js';
import { isUploadError } from '../../src/upload/errors.js';
import { createInlineHasher } from '../../src/upload/hasher.js';
import { createMemoryResumeStore, type ResumeStore } from '../../src/upload/resume-store.js';
import { noTabLock, type TabLock } from '../../src/upload/tab-lock.js';
import type { UploadSnapshot } from '../../src/upload/file-upload.js';
import { buildUploader, type UploaderOptions } from '../../src/upload/create-uploader.js';
import { createFakeB2, sha1 } from './fake-b2.js';

// Unit tests of the engine's logic against an in-memory fake (test/upload/fake-b2.ts). The same
// flows run for real against the broker and emulator in the integration and browser suites.

const instantRetry = { sleep: async () => {}, random: () => 0.5 };

function setup(
  fake = createFakeB2(),
  store: ResumeStore = createMemoryResumeStore(),
  options: Partial<UploaderOptions> = {},
  tabLock: TabLock = noTabLock,
) {
  const overrides: Partial<UploadDeps> = {
    send: fake.send,
    tabLock,
    connectivity: { isOnline: () => true, whenOnline: async () => {} },
  };
  const uploader = buildUploader(
    {
      broker: fake.broker,
      concurrency: 3,
      partSize: 1000,
      resume: store,
      hasher: createInlineHasher({ chunkSize: 256 }),
      ...options,
    },
    overrides,
    instantRetry,
  );
  return { fake, store, uploader };
}

/** An engine on `fake` with the unit-test ports, and `options` over the defaults of `setup`. */
function engineOn(
  fake: ReturnType<typeof createFakeB2>,
  options: Partial<UploaderOptions>,
  send = fake.send,
) {
  return buildUploader(
    {
      broker: fake.broker,
      concurrency: 3,
      partSize: 1000,
      resume: false,
      hasher: createInlineHasher(),
      ...options,
    },
    { send, tabLock: noTabLock, connectivity: { isOnline: () => true, whenOnline: async () => {} } },
    instantRetry,
  );
}

/** An inline hasher that reports the size of every Blob it is given. */
function spyingHasher(seen: (size: number) => void) {
  const inline = createInlineHasher();
  return {
    sha1: (blob: Blob, options?: { signal?: AbortSignal }) => (seen(blob.size), inline.sha1(blob, options)),
    close() {},
  };
}

function file(bytes: Uint8Array, name = 'movie.bin', lastModified = 1700000000000): File {
  return new File([new Uint8Array(bytes)], name, { type: 'video/x-test', lastModified });
}

describe('upload engine', () => {
  it('where the platform hashes parts on the way out, reads each part once and never hashes ahead', async () => {
    const fake = createFakeB2();
    const hashed: number[] = [];
    const inline = createInlineHasher({ chunkSize: 256 });
    const uploader = buildUploader(
      {
        broker: fake.broker,
        concurrency: 3,
        partSize: 1000,
        resume: createMemoryResumeStore(),
        hasher: { sha1: (blob, options) => (hashed.push(blob.size), inline.sha1(blob, options)), close() {} },
      },
      {
        send: fake.send,
        sendHashed: fake.sendHashed,
        tabLock: noTabLock,
        connectivity: { isOnline: () => true, whenOnline: async () => {} },
      },
      instantRetry,
    );
    fake.fail({ status: 503, code: 'service_unavailable' });
    const bytes = randomBytes(10_500);
    const result = await uploader.upload(file(bytes)).done;
    expect(fake.assembled(result.fileId).equals(bytes)).toBe(true);
    // 11 parts plus the one that met the 503, all through sendHashed; the hasher only saw the
    // fingerprint's head (the whole file here, being under 64 KiB) and, before finish, the list
    // of the 11 part SHA-1s (the record's digest of it), never a part on its own.
    expect(fake.stats.hashedSends).toBe(12);
    expect(hashed).toEqual([bytes.length, 11 * 40]);
  });

  it('uploads a large file in parallel parts, one request per part URL at a time', async () => {
    const { fake, uploader } = setup();
    const bytes = randomBytes(10_500);
    const seen: UploadSnapshot[] = [];
    const upload = uploader.upload(file(bytes), { onProgress: (s) => seen.push(s) });
    const result = await upload.done;
    expect(result.size).toBe(bytes.length);
    expect(fake.assembled(result.fileId).equals(bytes)).toBe(true);
    expect(fake.uploads.get(result.fileId)!.parts.size).toBe(11);
    expect(fake.stats.concurrentUse).toBe(0);
    expect(upload.snapshot().state).toBe('done');
    expect(upload.snapshot().bytesSent).toBe(bytes.length);
    expect(upload.snapshot().partsDone).toBe(11);
  });

  it('sends a file below the broker threshold in one request through the broker', async () => {
    const { fake, uploader } = setup();
    const bytes = randomBytes(1500);
    const result = await uploader.upload(file(bytes, 'small.txt')).done;
    expect(result.contentSha1).toBe(sha1(bytes));
    expect(fake.smallFiles[0]!.bytes.equals(bytes)).toBe(true);
    expect(fake.stats.partRequests).toBe(0);
  });

  it('retries 503, 401 expired, auth_token_limit, 429 and resets on fresh part URLs; progress never goes back', async () => {
    const { fake, uploader } = setup();
    fake.fail(
      { status: 503, code: 'service_unavailable' },
      'network',
      { status: 401, code: 'expired_auth_token' },
      { status: 429, code: 'too_many_requests', retryAfter: 1 },
      { status: 500, code: 'internal_error' },
    );
    const bytes = randomBytes(8000);
    let last = 0;
    let wentBack = false;
    const result = await uploader.upload(file(bytes), {
      onProgress: (s) => {
        if (s.bytesSent < last) wentBack = true;
        last = s.bytesSent;
      },
    }).done;
    expect(fake.assembled(result.fileId).equals(bytes)).toBe(true);
    expect(fake.stats.deadTokenUse).toBe(0);
    expect(fake.stats.concurrentUse).toBe(0);
    expect(wentBack).toBe(false);
    // 3 initial URLs + one fresh URL for each failure that kills a URL (all but the 429).
    expect(fake.stats.targetsIssued).toBe(3 + 4);
  });

  it('fails at once with a typed error on a caller-fault 4xx', async () => {
    const { fake, uploader } = setup();
    fake.fail({ status: 400, code: 'bad_request' });
    const error = await uploader.upload(file(randomBytes(5000))).done.catch((e) => e);
    expect(isUploadError(error)).toBe(true);
    expect(error.code).toBe('rejected');
    expect(error.status).toBe(400);
  });

  it('gives up after the attempts limit with code network', async () => {
    const { fake, uploader } = setup(undefined, undefined, { concurrency: 1 });
    fake.fail(...Array.from({ length: 5 }, () => ({ status: 503, code: 'service_unavailable' })));
    const error = await uploader.upload(file(randomBytes(3000))).done.catch((e) => e);
    expect(error.code).toBe('network');
  });

  it('resumes after a "reload": only missing parts are sent, stored parts are re-hashed and kept', async () => {
    const fake = createFakeB2();
    const store = createMemoryResumeStore();
    const bytes = randomBytes(9000);
    const first = setup(fake, store, { concurrency: 1 }).uploader.upload(file(bytes));
    await new Promise<void>((resolve) => {
      const off = first.subscribe((s) => {
        if (s.partsDone >= 4) {
          first.pause(); // the page goes away: nothing more is sent by this run
          off();
          resolve();
        }
      });
    });
    const sentBefore = fake.stats.partBytes;
    expect((await store.list()).length).toBe(1);

    const resumer = setup(fake, store).uploader;
    const second = resumer.upload(file(bytes));
    const result = await second.done;
    expect(second.snapshot().resumed).toBe(true);
    expect(fake.assembled(result.fileId).equals(bytes)).toBe(true);
    const resent = fake.stats.partBytes - sentBefore;
    // 9 parts; at least 4 were done, at most one more was in flight when paused.
    expect(resent).toBeLessThanOrEqual(5 * 1000);
    expect(await resumer.pending()).toEqual([]);
    // No other tab can wait on this file here, so nothing is left behind.
    expect(await store.list()).toEqual([]);
  });

  it('never finishes a changed file as the old upload: restarts, or fails with file_changed', async () => {
    const fake = createFakeB2();
    const store = createMemoryResumeStore();
    const original = randomBytes(200_000);
    const { uploader } = setup(fake, store, { partSize: 30_000, concurrency: 1 });
    const first = uploader.upload(file(original));
    await new Promise<void>((resolve) => {
      first.subscribe((s) => {
        if (s.partsDone >= 3) {
          first.pause();
          resolve();
        }
      });
    });
    const oldId = [...fake.uploads.keys()][0]!;
    // Same name, size, date and first 64 KiB; part 3 (bytes 60,000-90,000), already in B2, differs.
    const changed = Buffer.from(original);
    changed[70_000] = (changed[70_000]! + 1) % 256;

    const failing = setup(fake, store, { ifFileChanged: 'fail' }).uploader.upload(file(changed));
    const error = await failing.done.catch((e) => e);
    expect(error.code).toBe('file_changed');
    expect(fake.uploads.get(oldId)!.state).toBe('open');

    const restarting = setup(fake, store).uploader.upload(file(changed));
    const result = await restarting.done;
    expect(result.fileId).not.toBe(oldId);
    expect(fake.uploads.get(oldId)!.state).toBe('cancelled');
    expect(fake.assembled(result.fileId).equals(changed)).toBe(true);
  });

  it('pause holds every request until resume; cancel cleans up B2 and the resume record', async () => {
    const { fake, store, uploader } = setup();
    const release = fake.holdSends();
    const upload = uploader.upload(file(randomBytes(6000)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    upload.pause();
    expect(upload.snapshot().state).toBe('paused');
    const before = fake.stats.partBytes;
    release();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(fake.stats.partBytes).toBe(before);
    upload.resume();
    await upload.done;

    const second = uploader.upload(file(randomBytes(6000), 'other.bin'));
    await new Promise<void>((resolve) => {
      second.subscribe((s) => s.partsDone >= 1 && resolve());
    });
    await second.cancel();
    expect(second.snapshot().state).toBe('cancelled');
    expect((await second.done.catch((e) => e)).code).toBe('aborted');
    expect(fake.stats.cancels).toBe(1);
    expect(await uploader.pending()).toEqual([]);
    expect(await store.list()).toEqual([]);
  });

  it("a tab that waited for the same file takes the other tab's result; without waiting it's a new upload", async () => {
    const fake = createFakeB2();
    const store = createMemoryResumeStore();
    const bytes = randomBytes(5000);
    const firstTab: TabLock = { shared: true, run: (_key, _onWait, task) => task(false) };
    const first = await setup(fake, store, {}, firstTab).uploader.upload(file(bytes)).done;
    // What the first tab leaves is a token-less marker, not something pending.
    expect((await store.list()).map((record) => [record.token, record.finished?.fileId])).toEqual([
      ['', first.fileId],
    ]);
    const waitedLock: TabLock = {
      shared: true,
      run: (_key, onWait, task) => {
        onWait();
        return task(true);
      },
    };
    const waiter = setup(fake, store, {}, waitedLock).uploader.upload(file(bytes));
    expect(await waiter.done).toEqual(first);
    expect(fake.uploads.size).toBe(1);
    const again = await setup(fake, store, {}, firstTab).uploader.upload(file(bytes)).done;
    expect(again.fileId).not.toBe(first.fileId);
  });

  it('takes the first part URLs from the start answer: no part-URL call before the first part', async () => {
    const fake = createFakeB2();
    const calls: string[] = [];
    const { start, partTargets } = fake.broker;
    fake.broker.start = (request, signal) => (
      calls.push(`start ${request.partUrls}`),
      start(request, signal)
    );
    fake.broker.partTargets = (session, count, signal) => (
      calls.push('part-urls'),
      partTargets(session, count, signal)
    );
    const engine = engineOn(fake, {}, (request) => (calls.push('part'), fake.send(request)));
    const bytes = randomBytes(10_500);
    const result = await engine.upload(file(bytes)).done;
    expect(fake.assembled(result.fileId).equals(bytes)).toBe(true);
    // One URL per slot (3), asked for in the start call; the 11 parts went out on them.
    expect(calls[0]).toBe('start 3');
    expect(calls.filter((c) => c === 'part-urls')).toEqual([]);
    expect(fake.stats.targetsIssued).toBe(3);
    expect(fake.stats.concurrentUse).toBe(0);
  });

  it('asks for part URLs separately when the broker answered start without them (an older broker)', async () => {
    const { fake, uploader } = setup(createFakeB2({}, { targetsAtStart: false }));
    const result = await uploader.upload(file(randomBytes(10_500))).done;
    expect(result.size).toBe(10_500);
    expect(fake.stats.startsWithTargets).toBe(0);
    expect(fake.stats.targetCalls).toBe(1);
  });

  it('hashes the first part while start is in flight', async () => {
    const fake = createFakeB2();
    const hashedBeforeStart: number[] = [];
    const sizes: number[] = [];
    const { start } = fake.broker;
    fake.broker.start = (request, signal) => (hashedBeforeStart.push(...sizes), start(request, signal));
    await engineOn(fake, { hasher: spyingHasher((size) => sizes.push(size)) }).upload(
      file(randomBytes(10_500)),
    ).done;
    // The fingerprint's head (the whole file, under 64 KiB), then part 1, both before start was called.
    expect(hashedBeforeStart).toEqual([10_500, 1000]);
  });

  it("an uploader's first upload asks for config and whoami while it hashes the file's head", async () => {
    const fake = createFakeB2();
    const events: string[] = [];
    let answerConfig!: () => void;
    const configHeld = new Promise<void>((resolve) => (answerConfig = resolve));
    const { config } = fake.broker;
    fake.broker.config = async (signal) => {
      events.push('config asked');
      await configHeld;
      return config(signal);
    };
    fake.broker.whoami = async () => (events.push('whoami asked'), { user: 'alice' });
    const uploader = engineOn(fake, {
      resume: { ...createMemoryResumeStore(), persistent: true },
      hasher: spyingHasher((size) => events.push(`hash ${size}`)),
    });
    const upload = uploader.upload(file(randomBytes(10_500)));
    // The config answer is held until the other two were asked for: in series, this never completes.
    await vi.waitFor(
      () => expect(events).toEqual(expect.arrayContaining(['config asked', 'whoami asked', 'hash 10500'])),
      { timeout: 30_000 },
    );
    answerConfig();
    await upload.done;
    await uploader.upload(file(randomBytes(10_500), 'second.bin')).done;
    // Both asked once per uploader.
    expect(events.filter((e) => e.endsWith('asked')).sort()).toEqual(['config asked', 'whoami asked']);
  });

  it("with resume: false, a first upload's start call neither waits for whoami nor shares the link with it", async () => {
    const fake = createFakeB2();
    const events: string[] = [];
    let answerWhoami!: () => void;
    const whoamiHeld = new Promise<void>((resolve) => (answerWhoami = resolve));
    fake.broker.whoami = async () => (events.push('whoami asked'), await whoamiHeld, { user: 'alice' });
    const { start } = fake.broker;
    fake.broker.start = (request, signal) => (events.push('start'), start(request, signal));
    const uploader = engineOn(fake, { resume: false });
    // A small file first: the config is known, as it is a second after createUploader.
    await uploader.upload(file(randomBytes(100), 'small.bin')).done;
    const bytes = randomBytes(9000);
    const release = fake.holdSends();
    const upload = uploader.upload(file(bytes, 'half.bin'));
    // whoami is held: a start call that waited for it would never be made. It is asked for only
    // once the start call is out (for the record, written behind).
    await vi.waitFor(() => expect(events).toEqual(['start', 'whoami asked']));
    answerWhoami();
    // The record is kept under the user: the running upload is listed for resuming in this page.
    expect(await uploader.pending()).toMatchObject([{ name: 'half.bin', size: 9000 }]);
    release();
    const result = await upload.done;
    expect(fake.assembled(result.fileId).equals(bytes)).toBe(true);
  });

  it('a pause while part URLs are on their way is a pause, not a failure', async () => {
    const { fake, uploader } = setup(createFakeB2({}, { targetsAtStart: false }));
    const release = fake.holdTargets();
    const upload = uploader.upload(file(randomBytes(6000)));
    await vi.waitFor(() => expect(fake.stats.targetCalls).toBeGreaterThan(0), { timeout: 30_000 });
    upload.pause();
    upload.resume();
    release();
    const result = await upload.done;
    expect(upload.snapshot().state).toBe('done');
    expect(fake.assembled(result.fileId).length).toBe(6000);
  });

  it('lists pending uploads from the resume store', async () => {
    const { uploader } = setup(undefined, undefined, { concurrency: 1 });
    const upload = uploader.upload(file(randomBytes(5000), 'half.bin'));
    await new Promise<void>((resolve) => {
      upload.subscribe((s) => {
        if (s.partsDone >= 2) {
          upload.pause();
          resolve();
        }
      });
    });
    const pending = await uploader.pending();
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ name: 'half.bin', size: 5000 });
    expect(pending[0]!.bytesDone).toBeGreaterThanOrEqual(2000);
  });

  it('after a page lost during finish, takes the finished file only for the very bytes it finished', async () => {
    const fake = createFakeB2();
    const store = createMemoryResumeStore();
    const bytes = randomBytes(70_000); // beyond the fingerprint's 64 KiB head
    // B2 finishes the file, but the answer never reaches the page (it went away meanwhile).
    const lost = { ...fake.broker };
    lost.finish = async (...args) => {
      await fake.broker.finish(...args);
      throw new BrokerError(400, 'bad_request', 'the page went away');
    };
    const crash = () =>
      expect(setup(fake, store, { broker: lost }).uploader.upload(file(bytes)).done).rejects.toMatchObject({
        code: 'rejected',
      });
    await crash();
    const [record] = await store.list();
    expect(record).toMatchObject({ partsDone: 70, finishing: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect(JSON.stringify(record).length).toBeLessThan(1000);

    const changed = Buffer.from(bytes);
    changed[69_000] = changed[69_000]! ^ 1;
    const other = await setup(fake, store).uploader.upload(file(changed)).done;
    expect(fake.uploads.size).toBe(2);
    expect(fake.assembled(other.fileId).equals(changed)).toBe(true);

    await crash();
    const again = setup(fake, store).uploader.upload(file(bytes));
    const result = await again.done;
    expect(again.snapshot().resumed).toBe(true);
    expect(fake.uploads.size).toBe(3);
    expect(fake.assembled(result.fileId).equals(bytes)).toBe(true);
  });
});
