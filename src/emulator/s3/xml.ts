/**
 * S3's XML, in and out, through fast-xml-parser: responses are built from plain objects (arrays become
 * repeated elements), request bodies are validated first so a malformed document is `MalformedXML`.
 */
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { S3Failure } from './errors.js';

export const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/** Text needs only `&` and `<` escaped (and `>` for `]]>`); quotes stay readable, as S3 writes them. */
const escapeText = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  processEntities: false,
  tagValueProcessor: (_name, value) => escapeText(String(value)),
  attributeValueProcessor: (_name, value) => escapeText(String(value)).replace(/"/g, '&quot;'),
});

export type XmlValue = string | number | boolean | XmlObject | XmlValue[] | undefined;
export interface XmlObject {
  [name: string]: XmlValue;
}

/** `<root xmlns="…">…</root>` with the XML declaration; undefined fields are left out. */
export function toXml(root: string, body: XmlObject, namespace = true): Buffer {
  const element = namespace ? { '@_xmlns': S3_NAMESPACE, ...body } : body;
  return Buffer.from(`${DECLARATION}\n${builder.build({ [root]: element })}`);
}

/** Elements that may repeat in the request bodies we read, so they always parse as arrays. */
const REPEATED = new Set([
  'Part',
  'Object',
  'CORSRule',
  'AllowedOrigin',
  'AllowedMethod',
  'AllowedHeader',
  'ExposeHeader',
  'Rule',
]);

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
  isArray: (name) => REPEATED.has(name),
});

/** Parses a request body; `root` must be its top element. Anything else is 400 MalformedXML. */
export function parseXml(text: string, root: string): XmlObject {
  const malformed = () =>
    new S3Failure(
      400,
      'MalformedXML',
      'The XML you provided was not well-formed or did not validate against our published schema',
    );
  if (!text.trim() || XMLValidator.validate(text) !== true) throw malformed();
  let doc: XmlObject;
  try {
    doc = parser.parse(text) as XmlObject;
  } catch {
    // The parser's own limits (nesting depth, entity expansion) on a document that validated.
    throw malformed();
  }
  const top = doc[root];
  if (top === '') return {};
  if (typeof top !== 'object' || top === null || Array.isArray(top)) throw malformed();
  return top;
}

/** The text of a child element, or undefined. */
export function textOf(node: XmlObject, name: string): string | undefined {
  const v = node[name];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** The children named `name` (repeated elements), each an object. */
export function childrenOf(node: XmlObject, name: string): XmlObject[] {
  const v = node[name];
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return list.map((item) => (typeof item === 'object' && item !== null && !Array.isArray(item) ? item : {}));
}

/** The texts of repeated simple elements. */
export function textsOf(node: XmlObject, name: string): string[] {
  const v = node[name];
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return list.filter((item): item is string => typeof item === 'string');
}
