/**
 * Every way a file starts (proxied, presigned or direct small file, native or S3 large file, Uppy)
 * admits it the same way: size within the limits, type allowed, a name chosen by the broker, info
 * within B2's rules, and one start from the caller's budget, taken last so a refused file costs none.
 */
import { acceptType, type BrokerContext, checkSize, chooseName, takeStart } from '../context.js';
import { Refusal } from '../errors.js';
import { buildFileInfo, checkHeaderBudget } from '../file-info.js';
import type { Principal } from '../options.js';
import { byteSize, lastModified, optionalString, userName } from './fields.js';

/** A file as the client describes it, before any check. */
export interface FileFields {
  name: unknown;
  size: unknown;
  contentType: unknown;
  lastModified: unknown;
  info: unknown;
}

/** The file fields of a JSON request (start, presign, target), as sent: admitFile checks them. */
export function fileFieldsOf(body: Record<string, unknown>): FileFields {
  return {
    name: body.name,
    size: body.size,
    contentType: body.contentType,
    lastModified: body.lastModified,
    info: body.info,
  };
}

export interface AdmittedFile {
  /** The final B2 name the broker chose. */
  fileName: string;
  size: number;
  /** The type to store (lower-cased, with its charset). */
  contentType: string;
  fileInfo: Record<string, string>;
  /** ms since the epoch, when the client sent one. */
  lastModified: number | undefined;
}

export interface SizeRule {
  /** Smallest size accepted: 0 for small files, 1 for large ones (B2 has no empty large file). */
  min: number;
  /** Largest size of this path, below the broker's own limit (the small-file cap). */
  cap?: { bytes: number; refusal: (cap: number) => Refusal };
}

export async function admitFile(
  context: BrokerContext,
  principal: Principal,
  fields: FileFields,
  rule: SizeRule,
): Promise<AdmittedFile> {
  const name = userName(fields.name);
  const size = byteSize(fields.size, 'size', rule.min);
  checkSize(context, size);
  const type = acceptType(context, optionalString(fields.contentType, 'contentType'));
  const modified = lastModified(fields.lastModified);
  if (rule.cap && size > rule.cap.bytes) throw rule.cap.refusal(rule.cap.bytes);
  const fileName = await chooseName(context, principal, name, type.stored, size);
  const fileInfo = buildFileInfo({
    userName: name,
    principalId: principal.id,
    lastModified: modified,
    info: fields.info,
    // A large file's declared size goes with it, so the janitor can spot uploads holding more.
    ...(rule.min > 0 ? { size } : {}),
  });
  checkHeaderBudget(fileName, fileInfo);
  await takeStart(context, principal);
  return { fileName, size, contentType: type.stored, fileInfo, lastModified: modified };
}
