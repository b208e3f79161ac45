import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  INITIAL_STATUS,
  reduceStatus,
  type RunStatus,
  type StatusEvent,
  stateOf,
} from '../../src/upload/run-status.js';
import { createInlineHasher } from '../../src/upload/hasher.js';
import { createMemoryResumeStore } from '../../src/upload/resume-store.js';
import { noTabLock } from '../../src/upload/tab-lock.js';
import { buildUploader } from '../../src/upload/create-uploader.js';
import { createFakeB2 } from './fake-b2.js';

// Every state an upload can be in, under every event that can happen to it.

const from: Record<string, RunStatus> = {
  preparing: INITIAL_STATUS,
  waiting: { ...INITIAL_STATUS, phase: 'waiting' },
  uploading: { ...INITIAL_STATUS, phase: 'uploading' },
  finishing: { ...INITIAL_STATUS, phase: 'finishing' },
  offline: { ...INITIAL_STATUS, phase: 'uploading', away: 'offline' },
  reconnecting: { ...INITIAL_STATUS, phase: 'finishing', away: 'reconnecting' },
  paused: { ...INITIAL_STATUS, phase: 'uploading', paused: true },
  'paused+offline': { ...INITIAL_STATUS, phase: 'uploading', paused: true, away: 'offline' },
  done: { ...INITIAL_STATUS, phase: 'finishing', outcome: 'done' },
  failed: { ...INITIAL_STATUS, phase: 'uploading', outcome: 'failed' },
  cancelled: { ...INITIAL_STATUS, paused: true, outcome: 'cancelled' },
};

const events: Record<string, StatusEvent> = {
  preparing: { type: 'phase', phase: 'preparing' },
  waiting: { type: 'phase', phase: 'waiting' },
  uploading: { type: 'phase', phase: 'uploading' },
  finishing: { type: 'phase', phase: 'finishing' },
  offline: { type: 'away', away: 'offline' },
  reconnecting: { type: 'away', away: 'reconnecting' },
  back: { type: 'back' },
  pause: { type: 'pause' },
  resume: { type: 'resume' },
  done: { type: 'settled', outcome: 'done' },
  failed: { type: 'settled', outcome: 'failed' },
  cancelled: { type: 'settled', outcome: 'cancelled' },
};

// Rows: the state before; columns: the event; cells: the state after.
const TABLE = `
                 preparing  waiting    uploading  finishing  offline  reconnecting  back       pause   resume     done  failed  cancelled
preparing        preparing  waiting    uploading  finishing  offline  reconnecting  preparing  paused  preparing  done  failed  cancelled
waiting          preparing  waiting    uploading  finishing  offline  reconnecting  waiting    paused  waiting    done  failed  cancelled
uploading        preparing  waiting    uploading  finishing  offline  reconnecting  uploading  paused  uploading  done  failed  cancelled
finishing        preparing  waiting    uploading  finishing  offline  reconnecting  finishing  paused  finishing  done  failed  cancelled
offline          offline    offline    offline    offline    offline  reconnecting  uploading  paused  offline    done  failed  cancelled
reconnecting     reconnecting reconnecting reconnecting reconnecting offline reconnecting finishing paused reconnecting done failed cancelled
paused           paused     paused     paused     paused     paused   paused        paused     paused  uploading  done  failed  cancelled
paused+offline   paused     paused     paused     paused     paused   paused        paused     paused  offline    done  failed  cancelled
done             done       done       done       done       done     done          done       done    done       done  done    done
failed           failed     failed     failed     failed     failed   failed        failed     failed  failed     failed failed failed
cancelled        cancelled  cancelled  cancelled  cancelled  cancelled cancelled    cancelled  cancelled cancelled cancelled cancelled cancelled
`;

const [header, ...rows] = TABLE.trim()
  .split('\n')
  .map((line) => line.trim().split(/\s+/));
const cases = rows.flatMap(([state, ...after]) =>
  header!.map((event, i) => [state!, event, after[i]!] as const),
);

describe('upload state', () => {
  it('the table covers every state and every event', () => {
    expect(rows.map((row) => row[0])).toEqual(Object.keys(from));
    expect(header).toEqual(Object.keys(events));
    for (const [state, status] of Object.entries(from)) expect(stateOf(status)).toBe(state.split('+')[0]);
  });

  it.each(cases)('%s --%s--> %s', (state, event, expected) => {
    expect(stateOf(reduceStatus(from[state]!, events[event]!))).toBe(expected);
  });

  it('reads uploading after resume, even when the run reported its phase while paused', () => {
    let status = from.uploading!;
    const states: string[] = [];
    for (const event of ['pause', 'uploading', 'resume', 'pause', 'resume', 'finishing', 'done']) {
      status = reduceStatus(status, events[event]!);
      states.push(stateOf(status));
    }
    expect(states).toEqual(['paused', 'paused', 'uploading', 'paused', 'uploading', 'finishing', 'done']);
  });
});

describe('Upload through pause and resume', () => {
  it('pause → resume → pause → resume → done, each visible in the snapshot', async () => {
    const fake = createFakeB2();
    const uploader = buildUploader(
      {
        broker: fake.broker,
        concurrency: 1,
        partSize: 1000,
        resume: createMemoryResumeStore(),
        hasher: createInlineHasher({ chunkSize: 256 }),
      },
      {
        send: fake.send,
        tabLock: noTabLock,
        connectivity: { isOnline: () => true, whenOnline: async () => {} },
      },
      { sleep: async () => {}, random: () => 0.5 },
    );
    const upload = uploader.upload(new File([randomBytes(8000)], 'four.bin'));
    const seen: string[] = [];
    upload.subscribe((snapshot) => {
      if (seen.at(-1) !== snapshot.state) seen.push(snapshot.state);
    });
    const partsDone = (n: number) =>
      new Promise<void>((resolve) => {
        const stop = upload.subscribe(
          (s) => s.partsDone >= n && s.state === 'uploading' && (stop(), resolve()),
        );
      });
    await partsDone(2);
    upload.pause();
    expect(upload.snapshot().state).toBe('paused');
    upload.resume();
    expect(upload.snapshot().state).toBe('uploading');
    await partsDone(4);
    upload.pause();
    expect(upload.snapshot().state).toBe('paused');
    upload.resume();
    expect(upload.snapshot().state).toBe('uploading');
    await upload.done;
    expect(seen).toEqual(['uploading', 'paused', 'uploading', 'paused', 'uploading', 'finishing', 'done']);
  });
});
