/**
 * The bench page (bench/page), built and served the way the e2e harness serves its page: the page
 * imports the package sources, plus tus-js-client for the browser peer. Minified, as shipped.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { servePage } from '../../e2e/harness/server.js';

const pageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', 'page');

export interface PageServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  origin: string;
  close(): Promise<void>;
}

export function startPageServer(): Promise<PageServer> {
  return servePage({ root: pageRoot, tempPrefix: 'b2up-bench-page-', minify: true });
}
