import { defineConfig } from 'vitest/config';

// One config for the demo (Vite) and the Node-side test suites (Vitest).
// Browser behaviour is tested by Playwright against built output (e2e/), not here.
export default defineConfig({
  root: '.',
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Tests start real servers on 127.0.0.1; two cores, so keep the pool small.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
