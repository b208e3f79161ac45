import { defineConfig, type Project } from '@playwright/test';
import { chromiumArgs, findChromium } from './e2e/chromium.js';
import { detectEngines } from './e2e/engines/detect.js';

// Browser tests drive real browsers with real workers and IndexedDB against a real broker and
// emulator that each spec starts on 127.0.0.1 at a free port.
//
// e2e/all-engines holds the specs every engine users have must pass: they run in Chromium, and in
// Firefox and WebKit wherever those are installed (e2e/engines/detect.ts). The other specs run in
// Chromium only: they test b2up's own logic (hashing, B2 faults, retries), which no engine changes,
// or Chromium-only features (FileSystemFileHandle, Playwright's request routing and worker events).
const { found, missing } = detectEngines();
const inRunner = process.env.TEST_WORKER_INDEX === undefined;
if (inRunner) {
  console.log(`browser engines: ${found.map((engine) => `${engine.name} (${engine.build})`).join(', ')}`);
  for (const engine of missing)
    console.log(`browser engines: ${engine.name} not installed — ${engine.install}`);
}
if (process.env.CI && missing.length > 0) {
  // CI installs all three (.ci/run); a missing one there is a broken set-up, not a choice.
  throw new Error(`CI must run every engine; missing: ${missing.map((engine) => engine.name).join(', ')}`);
}
// B2UP_ENGINES=chromium,firefox narrows a local run.
const wanted = process.env.B2UP_ENGINES?.split(',').map((name) => name.trim());
const engines = found.filter((engine) => !wanted || wanted.includes(engine.name));

const projects: Project[] = engines.map((engine) =>
  engine.name === 'chromium'
    ? {
        name: 'chromium',
        testMatch: '**/*.spec.ts',
        use: {
          browserName: 'chromium',
          headless: true,
          launchOptions: { executablePath: findChromium(), args: chromiumArgs },
        },
      }
    : {
        name: engine.name,
        testMatch: 'all-engines/**/*.spec.ts',
        // Starting a WebDriver session (WebKitWebDriver + MiniBrowser under Xvfb, Firefox over BiDi)
        // has been seen to hang on a loaded 2-core machine before any page loads; one more try in CI
        // keeps that set-up hang from failing the run. Playwright still reports such a test as flaky.
        retries: process.env.CI ? 1 : 0,
      },
);

export default defineConfig({
  testDir: 'e2e',
  workers: 1,
  timeout: 180_000,
  // Waiting for a condition (a bar moving, a row reaching "done") can take long on a loaded 2-core
  // CI machine; Playwright's 5 s default turned slowness into failures. These are waits, not timing.
  expect: { timeout: 30_000 },
  reporter: [['list']],
  projects,
});
