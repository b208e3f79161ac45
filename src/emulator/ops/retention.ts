/** b2_update_file_retention and b2_update_file_legal_hold: Object Lock on an existing version. */
import { requireAccess } from '../auth.js';
import { B2Failure, badRequest } from '../errors.js';
import { lockFromJson, requireRetentionChange } from '../lock.js';
import type { FileRecord } from '../model.js';
import { optBool, type Params, reqString } from '../params.js';
import type { Exchange } from '../exchange.js';
import type { Grant } from '../auth.js';
import { bucketOrFail } from './lookup.js';
import type { JsonHandler } from './types.js';

/** The version named by fileId + fileName, in a bucket with Object Lock. */
function lockableVersion(
  x: Exchange,
  p: Params,
  grant: Grant,
  capability: 'writeFileRetentions' | 'writeFileLegalHolds',
): FileRecord {
  const { ctx } = x;
  const fileName = reqString(p, 'fileName');
  const fileId = reqString(p, 'fileId');
  const file = ctx.store.get('files', fileId);
  if (!file || file.fileName !== fileName)
    throw new B2Failure(400, 'file_not_present', `File not present: ${fileName} ${fileId}`);
  requireAccess(grant, capability, file.bucketId, file.fileName);
  const bucket = bucketOrFail(ctx, file.bucketId);
  if (!bucket.fileLockEnabled)
    throw new B2Failure(
      400,
      'bucket_missing_file_lock',
      `Bucket ${bucket.bucketName} is not file lock enabled`,
    );
  if (file.action !== 'upload') throw badRequest(`File ${fileId} is not an uploaded version`);
  return file;
}

export const updateFileRetention: JsonHandler = (x, p, grant) => {
  const file = lockableVersion(x, p, grant, 'writeFileRetentions');
  if (p.fileRetention === undefined) throw badRequest('required field fileRetention is missing');
  const next = lockFromJson({ fileRetention: p.fileRetention }).retention ?? null;
  const now = x.ctx.clock.now();
  if (next && next.retainUntilTimestamp <= now)
    throw badRequest('retainUntilTimestamp must be in the future');
  requireRetentionChange(file, next, now, { asked: optBool(p, 'bypassGovernance') ?? false, grant });
  const { retention: _dropped, ...rest } = file;
  x.ctx.store.put('files', file.fileId, next ? { ...rest, retention: next } : rest);
  return {
    fileId: file.fileId,
    fileName: file.fileName,
    fileRetention: { mode: next?.mode ?? null, retainUntilTimestamp: next?.retainUntilTimestamp ?? null },
  };
};

export const updateFileLegalHold: JsonHandler = (x, p, grant) => {
  const file = lockableVersion(x, p, grant, 'writeFileLegalHolds');
  const legalHold = lockFromJson({ legalHold: p.legalHold }).legalHold;
  if (!legalHold) throw badRequest('legalHold must be "on" or "off"');
  x.ctx.store.put('files', file.fileId, { ...file, legalHold });
  return { fileId: file.fileId, fileName: file.fileName, legalHold };
};
