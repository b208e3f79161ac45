import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENTRY_POINTS, exportedNames, propertiesOf, ROOT, unexportedTypesInSignatures } from './surface.js';

// The public surface, checked in: adding or removing an export is a decision made in review, not a
// side effect. After a deliberate change run `B2UP_WRITE_EXPORTS=1 npx vitest run test/package`.
const LIST = join(ROOT, 'test/package/exports.json');
const current = Object.fromEntries(Object.keys(ENTRY_POINTS).map((entry) => [entry, exportedNames(entry)]));
if (process.env.B2UP_WRITE_EXPORTS === '1') writeFileSync(LIST, `${JSON.stringify(current, null, 2)}\n`);
const expected = JSON.parse(readFileSync(LIST, 'utf8')) as Record<string, string[]>;

describe('public surface', () => {
  it('package.json exports exactly the entry points listed here', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
    };
    const entries = Object.keys(pkg.exports)
      .filter((key) => key !== './package.json')
      .map((key) => (key === '.' ? 'b2up' : `b2up/${key.slice(2)}`));
    expect(entries.sort()).toEqual(Object.keys(ENTRY_POINTS).sort());
  });

  for (const entry of Object.keys(ENTRY_POINTS)) {
    it(`${entry} exports the checked-in list`, () => {
      expect(current[entry]).toEqual(expected[entry]);
    });

    it(`${entry}: every type its exports take or return can be imported from the package`, () => {
      expect(unexportedTypesInSignatures(entry)).toEqual([]);
    });
  }
});

/** The first column of the markdown table that follows `heading` in docs/api.md. */
function tableOptions(heading: string): string[] {
  const doc = readFileSync(join(ROOT, 'docs/api.md'), 'utf8');
  const start = doc.indexOf(heading);
  if (start < 0) throw new Error(`docs/api.md has no "${heading}"`);
  const lines = doc.slice(start).split('\n').slice(1);
  const table = lines.slice(lines.findIndex((line) => line.startsWith('|')));
  const rows = table
    .slice(
      0,
      table.findIndex((line) => !line.startsWith('|')),
    )
    .slice(2);
  return rows.map((row) => /^\|\s*`([^`]+)`/.exec(row)?.[1] ?? row).sort();
}

describe('docs/api.md option tables', () => {
  const tables = [
    ['## `createUploader(options) -> Uploader`', 'UploaderOptions'],
    ['## `uploader.upload(file, options?) -> Upload`', 'UploadFileOptions'],
    ['## `createHttpBrokerClient(baseUrl, options?) -> BrokerClient`', 'HttpBrokerOptions'],
  ] as const;
  for (const [heading, type] of tables) {
    it(`lists every ${type} key, and nothing else`, () => {
      expect(tableOptions(heading)).toEqual(propertiesOf('b2up', type));
    });
  }
});
