/**
 * What `import { createUploader } from 'b2up'` costs a browser app: `vite build -c vite.size.config.ts`
 * bundles just that import from the built package (dist/, run `npm run build` first), minified, into
 * a temp dir, and prints each chunk's minified and gzipped size. The first chunk is what a page
 * loads up front; the in-thread hasher (hash-wasm) and the worker load only when used.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

const outDir = join(tmpdir(), 'b2up-size');
const entryId = '\0b2up-size-entry';

function entry(): Plugin {
  return {
    name: 'b2up-size-entry',
    resolveId: (source) => (source === entryId ? entryId : null),
    load: (id) =>
      id === entryId
        ? `export { createUploader } from ${JSON.stringify(resolve('dist/src/index.js'))};`
        : null,
  };
}

function report(): Plugin {
  return {
    name: 'b2up-size-report',
    closeBundle() {
      const files = (dir: string): string[] =>
        readdirSync(dir).flatMap((name) => {
          const path = join(dir, name);
          return statSync(path).isDirectory() ? files(path) : path.endsWith('.js') ? [path] : [];
        });
      for (const file of files(outDir)) {
        const bytes = readFileSync(file);
        const name = file.slice(outDir.length + 1);
        console.log(
          `${name.padEnd(44)} ${String(bytes.length).padStart(7)} B min  ${String(gzipSync(bytes, { level: 9 }).length).padStart(6)} B gzip`,
        );
      }
    },
  };
}

export default defineConfig({
  logLevel: 'warn',
  plugins: [entry(), report()],
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    minify: true,
    rolldownOptions: {
      input: entryId,
      preserveEntrySignatures: 'exports-only',
      output: { entryFileNames: 'core.js' },
    },
  },
  worker: { format: 'es' },
});
