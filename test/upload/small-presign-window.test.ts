/**
 * Many small files handed over at once: the HTTP broker client presigns a file only when it is
 * close to being sent, so no presigned URL waits long in the browser's queue (where it could expire
 * on a slow link), and presigns and confirms still share calls.
 */
import { describe, expect, it } from 'vitest';
import { createHttpBrokerClient } from '../../src/upload/http-broker.js';
import type { SendRequest, SendResponse } from '../../src/upload/transport.js';
import { createSlots } from '../../src/upload/slots.js';

const FILES = 60;
const AHEAD = 24;
const REFILL = 12;

/** A broker answering config, presign and confirm batches, and a send that holds every PUT. */
function world() {
  const state = { presigned: 0, sent: 0, mostAhead: 0, presignCalls: 0, confirmCalls: 0 };
  const held: { request: SendRequest; answer(response: SendResponse): void }[] = [];
  const json = (body: unknown) =>
    new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    const path = new URL(request.url).pathname;
    if (path.endsWith('/config')) return json({ smallFileMaxSize: 1000, smallFileBatchMax: 50 });
    const body = (await request.json()) as { files?: { name: string }[]; uploads?: { uploadId: string }[] };
    if (path.endsWith('/files/presign')) {
      state.presignCalls++;
      state.presigned += body.files!.length;
      state.mostAhead = Math.max(state.mostAhead, state.presigned - state.sent);
      return json({
        results: body.files!.map(({ name }) => ({
          uploadId: name,
          token: `t-${name}`,
          fileName: name,
          expiresAt: 0,
          put: { url: `http://s3.test/${name}`, headers: {}, expiresAt: 0 },
        })),
      });
    }
    state.confirmCalls++;
    return json({ results: body.uploads!.map(({ uploadId }) => ({ fileId: uploadId, fileName: uploadId })) });
  };
  const send = (request: SendRequest) =>
    new Promise<SendResponse>((answer) => held.push({ request, answer }));
  /** Answers the oldest held PUT with 200. */
  const finishOne = () => {
    const next = held.shift();
    if (!next) return false;
    state.sent++;
    next.answer({ status: 200, headers: {}, text: '' });
    return true;
  };
  const client = createHttpBrokerClient('http://broker.test/b2up', { fetch, send });
  /** Small file `i`, sent by presigned PUT. */
  const upload = (i: number, signal?: AbortSignal) =>
    client.uploadSmall({
      file: new Blob([`file ${i}`]),
      name: `f${i}`,
      contentType: 'text/plain',
      sha1: 'a'.repeat(40),
      md5: 'b'.repeat(32),
      lastModified: 0,
      info: {},
      ...(signal ? { signal } : {}),
    });
  return { state, held, finishOne, client, upload };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('small files presigned just ahead of sending', () => {
  it(`${FILES} files at once: at most ${AHEAD} presigned and unsent at any time, refilled ${REFILL} to a call`, async () => {
    const { state, held, finishOne, client, upload } = world();
    await client.config();
    const uploads = Array.from({ length: FILES }, (_, i) => upload(i));
    await settle();
    // The first ones ready for the browser's connections, in one call; the rest not yet presigned.
    expect([state.presigned, held.length, state.presignCalls]).toEqual([AHEAD, AHEAD, 1]);
    // One PUT short of a refill, nothing more is presigned; the next one lets REFILL in, together.
    for (let i = 0; i < REFILL - 1; i++) finishOne();
    await settle();
    expect(state.presigned).toBe(AHEAD);
    finishOne();
    await settle();
    expect([state.presigned, state.presignCalls]).toEqual([AHEAD + REFILL, 2]);
    while (finishOne()) await settle();
    const results = await Promise.all(uploads);
    expect(results.map((r) => r.fileId)).toEqual(Array.from({ length: FILES }, (_, i) => `f${i}`));
    expect(state.mostAhead).toBeLessThanOrEqual(AHEAD);
    expect(state.presignCalls).toBe(1 + (FILES - AHEAD) / REFILL);
  });

  it('a file aborted while it waits for its turn is never presigned; the others go on', async () => {
    const { state, finishOne, client, upload } = world();
    await client.config();
    const abort = new AbortController();
    const first = Array.from({ length: AHEAD }, (_, i) => upload(i));
    const waiting = upload(AHEAD, abort.signal);
    const last = upload(AHEAD + 1);
    await settle();
    abort.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
    while (finishOne()) await settle();
    await Promise.all([...first, last]);
    expect(state.presigned).toBe(AHEAD + 1);
  });
});

describe('slots', () => {
  it('grants in order of asking, and a released holder lets the next in', async () => {
    const slots = createSlots(1);
    const order: number[] = [];
    const releaseA = await slots.acquire();
    const b = slots.acquire().then((release) => (order.push(2), release));
    const c = slots.acquire().then((release) => (order.push(3), release));
    releaseA();
    releaseA(); // a second call releases nothing more
    (await b)();
    (await c)();
    expect(order).toEqual([2, 3]);
  });

  it('with waiters, freed slots go out `refill` at a time (or when all are free)', async () => {
    const slots = createSlots(3, 2);
    const held = await Promise.all([slots.acquire(), slots.acquire(), slots.acquire()]);
    const granted: number[] = [];
    const waiters = [4, 5, 6].map((n) => slots.acquire().then((release) => (granted.push(n), release)));
    held[0]();
    await settle();
    expect(granted).toEqual([]);
    held[1]();
    await settle();
    expect(granted).toEqual([4, 5]);
    held[2]();
    await settle();
    expect(granted).toEqual([4, 5]);
    for (const release of await Promise.all(waiters.slice(0, 2))) release();
    await settle();
    expect(granted).toEqual([4, 5, 6]);
  });
});
