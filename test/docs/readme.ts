/** Reading README.md's sections, for tests that run the README's snippets as written. */

/** The one ```ts block of the README section under `## heading` (up to the next `## `). */
export function readmeSnippet(readme: string, heading: string): string {
  const start = readme.indexOf(`\n## ${heading}\n`);
  const end = start < 0 ? -1 : readme.indexOf('\n## ', start + 1);
  if (start < 0 || end < start) throw new Error(`README has no section "## ${heading}"`);
  const blocks = [...readme.slice(start, end).matchAll(/```ts\n([\s\S]*?)```/g)];
  if (blocks.length !== 1)
    throw new Error(`section ${heading} should hold one ts block, has ${blocks.length}`);
  return blocks[0]![1]!;
}
