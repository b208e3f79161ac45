/**
 * The demo page: `vite build -c vite.demo.config.ts` -> dist/demo, served by `b2up dev` together
 * with the broker at /b2up (see src/cli/dev-server.ts). It imports `b2up/*` like an app would,
 * resolved to the built package (run after tsc).
 */
import { defineConfig } from 'vite';
import { resolveB2up } from './demo/resolve-b2up.js';

export default defineConfig({
  root: 'demo',
  base: './',
  logLevel: 'warn',
  plugins: [resolveB2up()],
  build: { outDir: '../dist/demo', emptyOutDir: true, target: 'es2022', sourcemap: true },
  // Module workers, as a consumer's Vite app with default options would get for `type: 'module'`.
  worker: { format: 'es' },
});
