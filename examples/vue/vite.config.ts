import { defineConfig } from 'vite';
// In your app `b2up` comes from node_modules; here it maps to this repository's build (dist/).
import { resolveB2up } from '../../demo/resolve-b2up.js';

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [resolveB2up()],

  // Into the repository's dist/ (git-ignored), where `b2up dev --root` serves it from.
  build: { target: 'es2022', outDir: '../../dist/examples/vue', emptyOutDir: true },
  worker: { format: 'es' },
});
