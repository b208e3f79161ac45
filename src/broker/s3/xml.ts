/**
 * The S3 XML the broker reads (B2's answers, Uppy's CompleteMultipartUpload) and writes (the S3
 * answers of the Uppy routes, CompleteMultipartUpload), through fast-xml-parser. Values stay
 * strings: an UploadId or ETag made of digits must not become a number.
 */
import { XMLBuilder, XMLParser } from 'fast-xml-parser';

const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) => name === 'Part',
});
const builder = new XMLBuilder({ ignoreAttributes: false, suppressEmptyNode: false });

export interface PartEtag {
  partNumber: number;
  etag: string;
}

function parse(body: string): Record<string, unknown> {
  try {
    const parsed: unknown = parser.parse(body);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function child(node: unknown, name: string): unknown {
  return typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[name] : undefined;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** `<Code>` of an S3 error body, if it is one. */
export function s3ErrorCode(body: string): string | undefined {
  return text(child(parse(body).Error, 'Code'));
}

/** CreateMultipartUpload's UploadId. */
export function uploadIdOf(body: string): string | undefined {
  return text(child(parse(body).InitiateMultipartUploadResult, 'UploadId'));
}

/** A ListParts page: the parts' ETags and where the next page starts, if any. */
export function listPartsPage(body: string): { parts: PartEtag[]; next: string | undefined } {
  const result = parse(body).ListPartsResult;
  const truncated = text(child(result, 'IsTruncated')) === 'true';
  return {
    parts: partsOf(child(result, 'Part')),
    next: truncated ? text(child(result, 'NextPartNumberMarker')) : undefined,
  };
}

/** The parts a CompleteMultipartUpload body lists, or undefined when it is not one. */
export function completeRequestParts(body: string): PartEtag[] | undefined {
  const parts = partsOf(child(parse(body).CompleteMultipartUpload, 'Part'));
  return parts.length > 0 ? parts : undefined;
}

function partsOf(list: unknown): PartEtag[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((part) => {
    const partNumber = Number(text(child(part, 'PartNumber')));
    const etag = text(child(part, 'ETag'));
    return Number.isInteger(partNumber) && etag !== undefined ? [{ partNumber, etag }] : [];
  });
}

/** An S3 document: `<root xmlns=…>` with `fields` as child elements, after the XML declaration. */
export function s3Document(root: string, fields: Record<string, unknown>): string {
  const body: unknown = builder.build({ [root]: { '@_xmlns': S3_NAMESPACE, ...fields } });
  return `<?xml version="1.0" encoding="UTF-8"?>\n${String(body)}`;
}

/** CompleteMultipartUpload's request body. */
export function completeRequest(parts: readonly PartEtag[]): string {
  return s3Document('CompleteMultipartUpload', {
    Part: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })),
  });
}

/** An S3 error document (no namespace, as S3 sends it). */
export function s3ErrorDocument(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${String(builder.build({ Error: { Code: code, Message: message } }))}`;
}
