/**
 * The `<script>` bundle: `vite build -c vite.iife.config.ts` -> dist/iife/b2up.iife.js exposing
 * `window.B2Up`, with the hash worker emitted next to it (dist/iife/assets/) and found relative to
 * the script's own URL, so a plain HTML page needs nothing else.
 */
import { defineConfig, type Plugin } from 'vite';

/**
 * An IIFE can't split chunks, so the in-thread hasher's `import('hash-wasm')` would inline every
 * algorithm hash-wasm has (~250 KB). b2up only uses SHA-1: hand the bundle a module that re-exports
 * just that, and tree-shaking drops the rest (hash-wasm is sideEffects: false).
 */
function onlySha1FromHashWasm(): Plugin {
  const id = '\0b2up-hash-wasm-sha1';
  return {
    name: 'b2up-only-sha1',
    enforce: 'pre',
    resolveId: (source, importer) => (source === 'hash-wasm' && importer !== id ? id : null),
    load: (loading) => (loading === id ? "export { createSHA1 } from 'hash-wasm';" : null),
  };
}

export default defineConfig({
  logLevel: 'warn',
  plugins: [onlySha1FromHashWasm()],
  experimental: {
    // The worker's URL, relative to the script itself wherever the page serves it from (Vite's
    // own relative base reads document.currentScript when the worker starts, which is too late).
    renderBuiltUrl: (filename) => ({ runtime: `new URL(${JSON.stringify(filename)}, __b2upScriptUrl).href` }),
  },
  define: {
    // An IIFE has no import.meta; the script's own URL, read while it runs, stands in for it.
    'import.meta.url': '__b2upScriptUrl',
  },
  build: {
    outDir: 'dist/iife',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    lib: {
      entry: 'src/ui/iife.ts',
      name: 'B2Up',
      formats: ['iife'],
      fileName: () => 'b2up.iife.js',
    },
    rolldownOptions: {
      output: {
        intro:
          'var __b2upScriptUrl = (document.currentScript && document.currentScript.src) || location.href;',
      },
    },
  },
  worker: { format: 'es' },
});
