/**
 * 9. A slow, far link (bench/lib/link.ts: 50 Mbit/s each way in the kernel, 100 ms round trip in a
 *    delaying proxy), headless Chromium on the near side:
 *    - a large upload through b2up, tus-js-client → @tus/server and Uppy (@uppy/aws-s3 through the
 *      broker to the emulator's S3 endpoint), against the link's capacity measured on the same path
 *      in the same run: the raw POST ceiling (the same slices, same concurrency, no hashing);
 *    - the time from picking a file to its first part byte leaving the browser, in round trips,
 *      beside the local hashing that must precede it (measured alone in the same page): picked
 *      through the API with no warning, and through <b2up-uploader> as a user picks (picker first).
 * The page and the broker share one origin (the proxy's front), as an app serves them.
 */
import type { Page } from '@playwright/test';
import type { BenchContext, Figure } from '../lib/figures.js';
import { GiB, MiB } from '../lib/files.js';
import { type Link, type LinkRequest, linkUnavailable, openLink } from '../lib/link.js';
import { startPageServer } from '../lib/page-server.js';
import { startBenchStack, startServerChild } from '../lib/stack.js';
import { median, mibPerSecond } from '../lib/stats.js';
import { mkdir } from 'node:fs/promises';

type Who = 'raw' | 'b2up' | 'tus' | 'uppy';

const SHAPE = { rateMbit: 50, rttMs: 100 };
/** Picks timed for the first-byte figure (each on fresh connections). */
const PICKS = 3;
/** How long after the page loads the user picks the file. */
const IDLE_MS = 1000;

export async function linkScenario(context: BenchContext): Promise<Figure[]> {
  const why = linkUnavailable();
  if (why) {
    context.log(`  skipped: ${why}`);
    return [];
  }
  const { settings } = context;
  const size = settings.quick ? 64 * MiB : GiB;
  const path = await context.files.file(size);
  const directory = context.files.subdir('tus-link');
  await mkdir(directory, { recursive: true });
  const link = await openLink(SHAPE);
  const pages = await startPageServer();
  const tus = await startServerChild<{ endpoint: string }>('tus-child.mjs', { directory });
  const stack = await startBenchStack({
    origins: [link.front],
    broker: { basePath: '/b2up', limits: { startsPerMinute: Number.POSITIVE_INFINITY } },
  });
  try {
    await link.route(pages.origin, stack.brokerUrl);
    const broker = `${link.front}/b2up`;
    const common = { broker, concurrency: settings.concurrency, partSize: settings.partSize };
    const open = async () => {
      const browserContext = await link.browser.newContext();
      const page = await browserContext.newPage();
      await page.goto(`${link.front}/index.html`);
      await page.waitForFunction(() => window.bench?.ready === true);
      await page.setInputFiles('#file-input', path);
      return { page, close: () => browserContext.close() };
    };

    // First byte: each pick in a fresh browser context, so no connection or preflight is reused;
    // picks through the API and through the element alternate.
    const firsts: Record<PickWay, FirstByte[]> = { api: [], element: [] };
    for (let pick = 0; pick < PICKS; pick++) {
      for (const way of PICK_WAYS) {
        const { page, close } = await open();
        try {
          context.log(`  pick ${pick + 1}, ${way === 'api' ? 'uploader.upload()' : '<b2up-uploader>'}:`);
          firsts[way].push(await firstByte(context, link, page, common, way, path));
        } finally {
          await close();
        }
      }
    }

    // Throughput: one page, each uploader in turn, the order rotated between repetitions.
    const times: Record<Who, number[]> = { raw: [], b2up: [], tus: [], uppy: [] };
    const order: Who[] = ['raw', 'b2up', 'tus', 'uppy'];
    const { page, close } = await open();
    try {
      for (let rep = 0; rep < 1; rep++) {
        for (const who of [...order.slice(rep % 4), ...order.slice(0, rep % 4)]) {
          const ms = await page.evaluate(
            ({ who, o, endpoint }) =>
              who === 'raw'
                ? window.bench.raw(o)
                : who === 'tus'
                  ? window.bench.tus({ ...o, endpoint })
                  : who === 'uppy'
                    ? window.bench.uppy(o)
                    : window.bench.b2up(o).then((r) => r.ms),
            { who, o: common, endpoint: tus.info.endpoint },
          );
          times[who].push(ms);
          context.log(`  ${who}: ${mibPerSecond(size, ms).toFixed(2)} MiB/s`);
          await stack.deleteAllFiles();
        }
      }
    } finally {
      await close();
    }
    return figures(size, times, firsts);
  } finally {
    await stack.close();
    await tus.close();
    await pages.close();
    await link.close();
  }
}

/**
 * How the file is picked:
 * - `api`: `createUploader` at "page load" (no resume records), `uploader.upload(file)` a second
 *   later, nothing in between: the SDK alone, used with no hint that a pick is coming;
 * - `element`: `<b2up-uploader>` with its uploader (default options) made at "page load"; a second
 *   later the user clicks its drop zone, the picker opens, and they choose the file a second after.
 */
type PickWay = 'api' | 'element';
const PICK_WAYS: PickWay[] = ['api', 'element'];

interface FirstByte {
  ms: number;
  hashingMs: number;
  serverMs: number;
  before: string[];
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function pickFile(page: Page, way: PickWay, options: FirstByteOptions, path: string) {
  if (way === 'api') {
    return page.evaluate(({ o, idle }) => window.bench.pickAfter(o, idle), { o: options, idle: IDLE_MS });
  }
  await page.evaluate((o) => window.bench.mountElement(o), options);
  await pause(IDLE_MS);
  const chooser = page.waitForEvent('filechooser');
  await page.locator('#picked-in-element .zone').click();
  const picker = await chooser;
  await pause(IDLE_MS);
  await picker.setFiles(path);
  return page.evaluate(() => window.bench.elementPicked());
}

type FirstByteOptions = { broker: string; concurrency: number; partSize: number };

/**
 * One pick: the local hashing alone first (a fresh worker pool, the fingerprint's head and the first
 * part), then the file picked one way or the other, and the time until the first byte of a part
 * body leaves the browser, as the proxy saw it. The upload is then cancelled.
 */
async function firstByte(
  context: BenchContext,
  link: Link,
  page: Page,
  options: FirstByteOptions,
  way: PickWay,
  path: string,
): Promise<FirstByte> {
  const hashing = await page.evaluate((partSize) => window.bench.localHashing(partSize), options.partSize);
  await link.reset();
  const { id, pickedAt } = await pickFile(page, way, options, path);
  let first: LinkRequest | undefined;
  let seen: Awaited<ReturnType<Link['events']>> = [];
  for (let waited = 0; !first && waited < 60_000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    seen = await link.events();
    first = seen.find(
      (e): e is LinkRequest =>
        e.kind === 'request' && e.path.includes('b2_upload_part') && e.method === 'POST' && !!e.firstBodyAt,
    );
  }
  await page.evaluate((upload) => window.bench.cancelB2up(upload), id);
  if (!first) throw new Error('no part byte reached the proxy within 60 s');
  const ms = first.firstBodyAt! - pickedAt;
  // Time the servers spent on the requests the first byte waited for: the start, and the preflight
  // on the first part's connection (from delivery, RTT/2 after the head left, to the answer).
  const requests = seen.filter((e): e is LinkRequest => e.kind === 'request' && e.headAt >= pickedAt);
  const waitedFor = [
    requests.find((e) => e.method === 'POST' && e.path.endsWith('/b2up/uploads')),
    requests.find((e) => e.method === 'OPTIONS' && e.connection === first.connection),
  ];
  const serverMs = waitedFor.reduce(
    (sum, e) => sum + (e?.answeredAt ? e.answeredAt - (e.headAt + SHAPE.rttMs / 2) : 0),
    0,
  );
  // What went out between the pick and the first part byte, in order, with new connections marked.
  const before = seen
    .filter(
      (e) =>
        (e.kind === 'request' ? e.headAt : e.at) >= pickedAt &&
        (e.kind === 'request' ? e.headAt : e.at) <= first.firstBodyAt!,
    )
    .map((e) =>
      e.kind === 'connection'
        ? `+${Math.round(e.at - pickedAt)} ms connect ${e.target}`
        : `+${Math.round(e.headAt - pickedAt)} ms ${e.method} ${e.path.replace(/\/b2_upload_part\/.*/, '/b2_upload_part/…').replace(/uploads\/[^/]+/, 'uploads/{id}')}`,
    );
  context.log(
    `  first part byte after ${Math.round(ms)} ms = ${(ms / SHAPE.rttMs).toFixed(2)} RTT; ` +
      `local hashing alone ${Math.round(hashing.totalMs)} ms (fingerprint ${Math.round(hashing.fingerprintMs)}, ` +
      `first part ${Math.round(hashing.firstPartMs)}); servers ${Math.round(serverMs)} ms (start + preflight)`,
  );
  for (const line of before) context.log(`    ${line}`);
  return { ms, hashingMs: hashing.totalMs, serverMs, before };
}

function figures(size: number, times: Record<Who, number[]>, firsts: Record<PickWay, FirstByte[]>): Figure[] {
  const group = '9. Slow, far link';
  const rate = (who: Who) => mibPerSecond(size, median(times[who]));
  const capacity = rate('raw');
  const nominal = (SHAPE.rateMbit * 1e6) / 8 / MiB;
  const link = `${SHAPE.rateMbit} Mbit/s, ${SHAPE.rttMs} ms RTT`;
  const sizeLabel = size >= GiB ? `${size / GiB} GiB` : `${size / MiB} MiB`;
  const capacityRef = { label: 'link capacity: raw POSTs, same path', value: capacity };
  return [
    {
      id: 'link.capacity_vs_nominal',
      group,
      label: `raw POSTs (the link's capacity), ${sizeLabel}, ${link}`,
      value: capacity,
      unit: 'MiB/s',
      reference: { label: `nominal ${SHAPE.rateMbit} Mbit/s`, value: nominal },
      ratio: capacity / nominal,
      note: 'TCP/IP headers take ~5 % of the nominal rate.',
    },
    {
      id: 'link.b2up_vs_capacity',
      group,
      label: `b2up, ${sizeLabel}, c=4, 16 MiB parts, SHA-1 verified (vs nominal: ${(rate('b2up') / nominal).toFixed(2)})`,
      value: rate('b2up'),
      unit: 'MiB/s',
      reference: capacityRef,
      ratio: rate('b2up') / capacity,
      bar: { kind: 'min', value: 0.9 },
    },
    {
      id: 'link.tus_vs_capacity',
      group,
      label: 'tus-js-client → @tus/server, same file and path',
      value: rate('tus'),
      unit: 'MiB/s',
      reference: capacityRef,
      ratio: rate('tus') / capacity,
    },
    {
      id: 'link.uppy_vs_capacity',
      group,
      label: 'Uppy (@uppy/aws-s3 via the broker to S3), same file and path',
      value: rate('uppy'),
      unit: 'MiB/s',
      reference: capacityRef,
      ratio: rate('uppy') / capacity,
    },
    ...firstByteFigures(group, 'api', firsts.api),
    ...firstByteFigures(group, 'element', firsts.element),
  ];
}

/** The first-byte figures of one way of picking (ids `link.first_byte_rtt` and `…_link_rtt`, `element` suffixed). */
function firstByteFigures(group: string, way: PickWay, firsts: FirstByte[]): Figure[] {
  const ms = median(firsts.map((f) => f.ms));
  const hashingMs = median(firsts.map((f) => f.hashingMs));
  const serverMs = median(firsts.map((f) => f.serverMs));
  const onTheLink = median(firsts.map((f) => (f.ms - f.hashingMs - f.serverMs) / SHAPE.rttMs));
  const suffix = way === 'api' ? '' : '_element';
  const how =
    way === 'api'
      ? 'uploader.upload() a second after createUploader'
      : '<b2up-uploader>: picker opened, file chosen a second later';
  return [
    {
      id: `link.first_byte_rtt${suffix}`,
      group,
      label: `pick → first part byte on the wire, RTT beyond local hashing; ${how} (median of ${firsts.length})`,
      value: ms,
      unit: 'ms',
      reference: { label: 'local hashing alone (fingerprint + first part)', value: hashingMs },
      ratio: (ms - hashingMs) / SHAPE.rttMs,
      bar: { kind: 'max', value: 3 },
      note: `ratio = (first byte − local hashing) / ${SHAPE.rttMs} ms; fresh connections each pick; picks ${firsts.map((f) => Math.round(f.ms)).join(', ')} ms. Last pick: ${firsts.at(-1)?.before.join('; ')}`,
    },
    {
      id: `link.first_byte_link_rtt${suffix}`,
      group,
      label: 'the same, less the servers’ time on the start and the preflight: round trips on the link',
      value: serverMs,
      unit: 'ms',
      reference: { label: 'first byte, ms', value: ms },
      ratio: onTheLink,
      note: 'value = median server time (broker start + emulator preflight), from the proxy: answer begun − request delivered.',
    },
  ];
}
