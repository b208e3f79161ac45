/**
 * Fixtures for the cross-engine specs (e2e/all-engines): the Playwright project's name picks the
 * engine (see ../../playwright.config.ts), launched once per worker through its driver; each test
 * gets a fresh session (own storage) and a first tab. The dev stack and the harness page come from
 * ../stack.ts, as for the Chromium-only specs.
 */
import { test as stackTest } from '../stack.js';
import { type Engine, type EngineName, type Session, type Tab, waitFor } from './driver.js';
import { detectEngines } from './detect.js';

export { expect } from '../stack.js';

export interface EngineFixtures {
  session: Session;
  /** The session's first tab. */
  tab: Tab;
  /** Opens the harness page, wired to the stack's broker, in `tab` (default the first one). */
  openHarnessTab: (tab?: Tab) => Promise<Tab>;
}

export const test = stackTest.extend<EngineFixtures, { engine: Engine }>({
  engine: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's dependencies from this pattern.
    async ({}, use, workerInfo) => {
      const name = workerInfo.project.name as EngineName;
      const found = detectEngines().found.find((engine) => engine.name === name);
      if (!found) throw new Error(`project ${name}: no such engine on this machine`);
      const engine = await found.launch();
      console.log(`[${name}] ${engine.description}`);
      try {
        await use(engine);
      } finally {
        await engine.close();
      }
    },
    { scope: 'worker', timeout: 90_000 },
  ],
  session: async ({ engine }, use) => {
    const session = await engine.newSession();
    try {
      await use(session);
    } finally {
      await session.close().catch(() => undefined);
    }
  },
  tab: async ({ session }, use) => {
    await use(await session.newTab());
  },
  openHarnessTab: async ({ tab, harnessUrl, stack }, use) => {
    stack.emulator.counters.reset();
    stack.emulator.faults.clear();
    await use(async (target = tab) => {
      await target.goto(harnessUrl({ broker: stack.brokerUrl }));
      await waitFor(target, () => window.b2upTest?.ready === true, undefined, {
        message: 'the harness page',
      });
      return target;
    });
  },
});
