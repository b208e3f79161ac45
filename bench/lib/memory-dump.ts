/**
 * Chromium's own account of a renderer's memory: a memory-infra dump (CDP `Tracing` with the
 * `disabled-by-default-memory-infra` category and `Tracing.requestMemoryDump`), the same numbers
 * chrome://tracing shows per allocator. RSS says how much a process holds; this says which
 * allocator holds it, and how much of a heap is live objects rather than pages kept after a GC.
 */
import type { Browser, CDPSession } from '@playwright/test';

/** Bytes per allocator, summed over the processes asked for. */
export interface RendererMemory {
  /** Oilpan (Blink's garbage-collected C++ heap): pages it holds, and the live objects on them. */
  blinkHeap: number;
  blinkLive: number;
  /** V8 heaps of the page's threads that are alive when dumped. */
  v8: number;
  /** malloc, and PartitionAlloc (Blink's buffers, strings, ArrayBuffer contents). */
  malloc: number;
  partitionAlloc: number;
  /** Shared memory mapped by the renderer (data pipes of blob reads and uploads, among others). */
  sharedMemory: number;
}

const allocators: Record<keyof RendererMemory, string> = {
  blinkHeap: 'blink_gc',
  blinkLive: 'blink_objects/blink_gc',
  v8: 'v8',
  malloc: 'malloc',
  partitionAlloc: 'partition_alloc',
  sharedMemory: 'shared_memory',
};

interface TraceEvent {
  ph: string;
  pid: number;
  args?: { dumps?: { allocators?: Record<string, { attrs?: { size?: { value: string } } }> } };
}

/** One detailed memory-infra dump of processes `pids` (renderers), read from a browser session. */
export async function rendererMemory(browser: Browser, pids: number[]): Promise<RendererMemory> {
  const session: CDPSession = await browser.newBrowserCDPSession();
  try {
    const events: TraceEvent[] = [];
    session.on('Tracing.dataCollected', ({ value }) => events.push(...(value as unknown as TraceEvent[])));
    const complete = new Promise<void>((resolve) => session.once('Tracing.tracingComplete', () => resolve()));
    await session.send('Tracing.start', {
      traceConfig: {
        includedCategories: ['disabled-by-default-memory-infra'],
        // No periodic dumps: only the one asked for below. (The protocol types this as a string map.)
        memoryDumpConfig: { triggers: [] } as unknown as Record<string, string>,
      },
      transferMode: 'ReportEvents',
    });
    const { success } = await session.send('Tracing.requestMemoryDump', { levelOfDetail: 'detailed' });
    await session.send('Tracing.end');
    await complete;
    if (!success) throw new Error('Chromium refused the memory dump');
    const memory: RendererMemory = {
      blinkHeap: 0,
      blinkLive: 0,
      v8: 0,
      malloc: 0,
      partitionAlloc: 0,
      sharedMemory: 0,
    };
    for (const event of events) {
      if (event.ph !== 'v' || !pids.includes(event.pid)) continue;
      const dumped = event.args?.dumps?.allocators ?? {};
      for (const [key, name] of Object.entries(allocators) as [keyof RendererMemory, string][]) {
        const size = dumped[name]?.attrs?.size?.value;
        if (size !== undefined) memory[key] += parseInt(size, 16);
      }
    }
    return memory;
  } finally {
    await session.detach().catch(() => undefined);
  }
}
