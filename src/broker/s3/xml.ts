/**
 * The few S3 XML shapes the broker reads and writes. B2's answers are small, flat and fixed in form
 * (https://www.backblaze.com/apidocs/ — S3 compatible API), so element text is taken by name; no
 * general XML is ever parsed here.
 */

/** `<Code>` of an S3 error body, if it is one. */
export function s3ErrorCode(body: string): string | undefined {
  return /<Error>[\s\S]*?<Code>([^<]{1,100})<\/Code>/.exec(body)?.[1];
}

/** The text of each `<name>` element, in order, entities decoded. */
export function elements(body: string, name: string): string[] {
  const pattern = new RegExp(`<${name}>([^<]*)</${name}>`, 'g');
  return [...body.matchAll(pattern)].map((match) => unescapeXml(match[1] ?? ''));
}

export function escapeXml(text: string): string {
  return text.replace(
    /[<>&'"]/g,
    (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', "'": 'apos', '"': 'quot' }[c]};`,
  );
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|apos|quot|#\d+|#x[0-9a-f]+);/gi, (entity, name: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };
    if (named[name] !== undefined) return named[name];
    const code = name.startsWith('#x')
      ? Number.parseInt(name.slice(2), 16)
      : Number.parseInt(name.slice(1), 10);
    return Number.isFinite(code) ? String.fromCodePoint(code) : entity;
  });
}
