/** `b2/x-auto`: B2 picks the type from the file name's extension, else application/octet-stream. */
import { lookup } from 'mrmime';
import { badRequest } from './errors.js';

export const AUTO_CONTENT_TYPE = 'b2/x-auto';

export function resolveContentType(requested: string | undefined, fileName: string): string {
  if (requested === undefined || requested.trim() === '') throw badRequest('Content-Type is required');
  if (requested.toLowerCase() !== AUTO_CONTENT_TYPE) return requested;
  const base = fileName.slice(fileName.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return (dot > 0 && lookup(base.slice(dot + 1))) || 'application/octet-stream';
}
