/** Reading README.md's marked sections, for tests that run the README's snippets as written. */

/** The one ```ts block of a README section. */
export function readmeSnippet(readme: string, section: string): string {
  const start = readme.indexOf(`<!-- section:${section}`);
  const end = readme.indexOf(`<!-- /section:${section} -->`);
  if (start < 0 || end < start) throw new Error(`README has no section ${section}`);
  const blocks = [...readme.slice(start, end).matchAll(/```ts\n([\s\S]*?)```/g)];
  if (blocks.length !== 1)
    throw new Error(`section ${section} should hold one ts block, has ${blocks.length}`);
  return blocks[0]![1]!;
}
