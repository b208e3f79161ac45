import { defineConfig } from '@playwright/test';
import { chromiumArgs, findChromium } from './e2e/chromium.js';

// Browser tests drive real Chromium with real workers and IndexedDB against a real broker and
// emulator that each spec starts on 127.0.0.1 at a free port.
export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  workers: 1,
  timeout: 180_000,
  // Waiting for a condition (a bar moving, a row reaching "done") can take long on a loaded 2-core
  // CI machine; Playwright's 5 s default turned slowness into failures. These are waits, not timing.
  expect: { timeout: 30_000 },
  reporter: process.env.CI ? [['list']] : [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: { executablePath: findChromium(), args: chromiumArgs },
  },
});
