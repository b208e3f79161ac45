/**
 * docs/migrating.md, run: every `backblaze-b2` snippet through the real `backblaze-b2` package and
 * every `b2up/b2` snippet through our client, both against the emulator, section by section. The two
 * snippets of a section must print the same lines, so the page's mapping is what the code does.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as b2up from '../../src/b2/index.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the package ships no types.
type Any = any;
const BackblazeB2 = createRequire(import.meta.url)('backblaze-b2') as new (options: object) => Any;
const page = readFileSync(new URL('../../docs/migrating.md', import.meta.url), 'utf8');

type Library = 'backblaze-b2' | 'b2up';
interface Snippet {
  section: string;
  library: Library;
  setup: boolean;
  code: string;
}

/** The page's snippets in order, each with its section heading and library. */
function snippets(): Snippet[] {
  const out: Snippet[] = [];
  let section = '';
  const block = /^## (.+)$|^```js (backblaze-b2|b2up)( setup)?\n([\s\S]*?)^```$/gm;
  for (const m of page.matchAll(block)) {
    if (m[1]) section = m[1];
    else out.push({ section, library: m[2] as Library, setup: !!m[3], code: m[4]! });
  }
  return out;
}

const AsyncFunction = (async () => {}).constructor as new (
  ...args: string[]
) => (...values: unknown[]) => Promise<unknown>;

/** Runs one snippet with `scope` as its free variables; returns what it printed. */
async function run(
  snippet: Snippet,
  scope: Record<string, unknown>,
): Promise<{ lines: string[]; result: unknown }> {
  const lines: string[] = [];
  const console = { log: (...values: unknown[]) => lines.push(values.map(String).join(' ')) };
  // Imports of b2up/b2 name what the scope already holds.
  const body = snippet.code.replace(/^import .* from 'b2up\/b2';$/gm, '');
  const tail = snippet.setup ? `\nreturn { ${snippet.library === 'b2up' ? 'client' : 'b2'} };` : '';
  const names = [...Object.keys(scope), 'console'];
  const fn = new AsyncFunction(...names, body + tail);
  const result = await fn(...Object.values(scope), console);
  return { lines, result };
}

describe('docs/migrating.md', () => {
  let emulator: Emulator;
  const all = snippets();
  const scopes: Record<Library, Record<string, unknown>> = { 'backblaze-b2': {}, b2up: {} };

  beforeAll(async () => {
    emulator = await startEmulator();
    const env = { B2_KEY_ID: emulator.keyId, B2_KEY: emulator.key };
    // backblaze-b2 hard-codes B2's realm; only its authorize is pointed at the emulator.
    class B2 extends BackblazeB2 {
      authorize() {
        return super.authorize({ axiosOverride: { url: `${emulator.url}/b2api/v2/b2_authorize_account` } });
      }
    }
    const require = (name: string) => {
      if (name !== 'backblaze-b2') throw new Error(`snippet requires ${name}`);
      return B2;
    };
    const createB2Client = (options: b2up.B2ClientOptions) =>
      b2up.createB2Client({ ...options, realm: emulator.url });
    scopes['backblaze-b2'] = { require, process: { env } };
    scopes.b2up = { ...b2up, createB2Client, process: { env } };
    for (const setup of all.filter((s) => s.setup)) {
      const { result } = await run(setup, scopes[setup.library]);
      Object.assign(scopes[setup.library], result);
    }
    const client = scopes.b2up.client as b2up.B2Client;
    for (const library of ['backblaze-b2', 'b2up'] as const) {
      const bucketName = `migrating-${library === 'b2up' ? 'new' : 'old'}`;
      const { bucketId } = await client.createBucket({ bucketName, bucketType: 'allPrivate' });
      scopes[library] = { ...scopes[library], bucketId, bucketName };
      delete scopes[library].require;
    }
  });
  afterAll(async () => {
    await emulator?.close();
  });

  it('has a backblaze-b2 and a b2up snippet for every section', () => {
    const sections = [...new Set(all.map((s) => s.section))];
    expect(sections.length).toBeGreaterThanOrEqual(9);
    for (const section of sections) {
      const libraries = all.filter((s) => s.section === section).map((s) => s.library);
      expect(libraries, section).toEqual(['backblaze-b2', 'b2up']);
    }
  });

  const sections = [...new Set(all.filter((s) => !s.setup).map((s) => s.section))];
  it.each(sections)('%s: both snippets run and print the same', async (section) => {
    const [old, updated] = all.filter((s) => s.section === section);
    const before = await run(old!, scopes['backblaze-b2']);
    const after = await run(updated!, scopes.b2up);
    expect(after.lines.length).toBeGreaterThan(0);
    expect(after.lines).toEqual(before.lines);
    if (section === 'Errors') expect(after.lines).toEqual(['404 not_found']);
  });
});
