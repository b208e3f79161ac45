import { defineConfig } from '@playwright/test';
import { chromiumArgs, findChromium } from '../chromium.js';

// The browser reliability suites (docs/reliability.md): real Chromium against the real broker and
// emulator on 127.0.0.1, one spec at a time (the machine's cores go to the uploads).
export default defineConfig({
  testDir: '.',
  testMatch: '*.reliability.ts',
  workers: 1,
  // Playwright empties its output dir at start: keep it apart from the figures in test-results/reliability.
  outputDir: '../../test-results/reliability-playwright',
  timeout: 30 * 60_000,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    // --expose-gc: the soak collects each finished upload's File before making the next one.
    launchOptions: { executablePath: findChromium(), args: [...chromiumArgs, '--js-flags=--expose-gc'] },
  },
});
