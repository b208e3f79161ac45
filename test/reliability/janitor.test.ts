/**
 * The broker's janitor (src/broker/janitor.ts, docs/reliability.md#2-reload-chaos): a start cancels
 * the same user's earlier unfinished uploads of the same name and date — the orphans reload chaos
 * found — and nothing else.
 */
import { expect, it } from 'vitest';
import { MIN_PART, start } from '../broker/helpers.js';
import { useBrokerWorld } from '../broker/use-world.js';

const { world, broker } = useBrokerWorld({ broker: { limits: { startsPerMinute: 1000 } } });

async function unfinished(): Promise<string[]> {
  const { files } = await world.admin.listUnfinishedLargeFiles({ bucketId: world.bucketId });
  return files.map((f) => f.fileId ?? '');
}

const startAs = async (user: string, name: string, lastModified?: number) => {
  const r = await start(broker.url, user, {
    name,
    size: 2 * MIN_PART,
    ...(lastModified === undefined ? {} : { lastModified }),
  });
  expect(r.status).toBe(200);
  return r.body.uploadId as string;
};

it('cancels the same user’s earlier upload of the same name and date, and only that', async () => {
  const first = await startAs('alice', 'holiday.mov', 1_700_000_000_000);
  const otherDate = await startAs('alice', 'holiday.mov', 1_700_000_000_001);
  const otherName = await startAs('alice', 'holiday-2.mov', 1_700_000_000_000);
  const otherUser = await startAs('bob', 'holiday.mov', 1_700_000_000_000);
  const noDate = await startAs('alice', 'holiday.mov');
  expect(await unfinished()).toEqual(
    expect.arrayContaining([first, otherDate, otherName, otherUser, noDate]),
  );

  const again = await startAs('alice', 'holiday.mov', 1_700_000_000_000);
  const left = await unfinished();
  expect(left).not.toContain(first);
  expect(left).toEqual(expect.arrayContaining([again, otherDate, otherName, otherUser, noDate]));
});
