/**
 * Vite plugin: `import … from 'b2up/<entry>'` resolves to this repository's BUILT package (dist/, per
 * package.json `exports`), exactly what an app gets from node_modules after `npm install b2up`.
 * The demo and the examples use it, so the browser tests drive the build, not the sources.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

export function resolveB2up(): Plugin {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    exports: Record<string, string | { default: string }>;
  };
  return {
    name: 'b2up-from-dist',
    enforce: 'pre',
    resolveId(source) {
      if (source !== 'b2up' && !source.startsWith('b2up/')) return null;
      const target = manifest.exports[`.${source.slice('b2up'.length)}`];
      if (!target) return null;
      return join(repoRoot, typeof target === 'string' ? target : target.default);
    },
  };
}
