/**
 * Object Lock on file versions (https://www.backblaze.com/docs/cloud-storage-object-lock): a retention
 * (governance or compliance, until a timestamp) and a legal hold, set at upload/start/copy or later,
 * and the bucket's default retention applied to new files that name none. While a version is on
 * hold or retained it can't be deleted or hidden; governance yields to `bypassGovernance: true` from a
 * key holding the bypassGovernance capability, compliance to nothing but time. Refusals are
 * `403 access_denied` (b2sdk reads that code as a retention error; B2's exact code is unconfirmed).
 */
import { type Grant, requireCapability } from './auth.js';
import { B2Failure, badRequest } from './errors.js';
import type { Exchange } from './exchange.js';
import type { BucketRecord, DefaultRetention, FileRecord, Retention, RetentionMode } from './model.js';
import type { Params } from './params.js';

/** What a request asks for; `retention: null` = explicitly none. */
export interface LockRequest {
  retention?: Retention | null;
  legalHold?: 'on' | 'off';
}

const MODES: readonly string[] = ['governance', 'compliance'];

function retentionOf(mode: unknown, until: unknown, where: string): Retention | null {
  if (mode === null || mode === undefined) {
    if (until !== null && until !== undefined) throw badRequest(`${where}: a retain-until needs a mode`);
    return null;
  }
  if (typeof mode !== 'string' || !MODES.includes(mode))
    throw badRequest(`${where}: mode must be governance or compliance`);
  const n = typeof until === 'string' && /^\d+$/.test(until) ? Number(until) : until;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0)
    throw badRequest(`${where}: retainUntilTimestamp must be a positive integer (ms)`);
  return { mode: mode as RetentionMode, retainUntilTimestamp: n };
}

function legalHoldOf(v: unknown, where: string): 'on' | 'off' | undefined {
  if (v === undefined || v === null) return undefined;
  if (v !== 'on' && v !== 'off') throw badRequest(`${where} must be "on" or "off"`);
  return v;
}

/** X-Bz-File-Retention-Mode, -Retain-Until-Timestamp and X-Bz-File-Legal-Hold of an upload. */
export function lockFromHeaders(x: Exchange): LockRequest {
  const mode = x.header('x-bz-file-retention-mode');
  const until = x.header('x-bz-file-retention-retain-until-timestamp');
  const out: LockRequest = {};
  if (mode !== undefined || until !== undefined)
    out.retention = retentionOf(mode, until, 'X-Bz-File-Retention-Mode');
  const hold = legalHoldOf(x.header('x-bz-file-legal-hold'), 'X-Bz-File-Legal-Hold');
  if (hold) out.legalHold = hold;
  return out;
}

/** `fileRetention` and `legalHold` of start_large_file / copy_file. */
export function lockFromJson(p: Params): LockRequest {
  const out: LockRequest = {};
  const r = p.fileRetention;
  if (r !== undefined) {
    if (typeof r !== 'object' || r === null) throw badRequest('fileRetention must be an object');
    const { mode, retainUntilTimestamp } = r as Params;
    out.retention = retentionOf(mode, retainUntilTimestamp, 'fileRetention');
  }
  const hold = legalHoldOf(p.legalHold, 'legalHold');
  if (hold) out.legalHold = hold;
  return out;
}

const missingLock = (bucket: BucketRecord) =>
  new B2Failure(400, 'bucket_missing_file_lock', `Bucket ${bucket.bucketName} is not file lock enabled`);

/** `at` + the bucket's default retention period (years as calendar years, UTC). */
export function defaultUntil(at: number, d: DefaultRetention): number {
  if (d.period.unit === 'days') return at + d.period.duration * 86_400_000;
  const date = new Date(at);
  date.setUTCFullYear(date.getUTCFullYear() + d.period.duration);
  return date.getTime();
}

/**
 * The lock fields of a new version: what the request asked for (checked against the bucket, the
 * key's capabilities and the clock), else the bucket's default retention counted from `now`.
 */
export function lockFields(
  bucket: BucketRecord,
  grant: Grant,
  request: LockRequest,
  now: number,
): Pick<FileRecord, 'retention' | 'legalHold'> {
  const out: Pick<FileRecord, 'retention' | 'legalHold'> = {};
  if (request.retention !== undefined || request.legalHold !== undefined) {
    if (!bucket.fileLockEnabled) throw missingLock(bucket);
  }
  if (request.retention) {
    requireCapability(grant, 'writeFileRetentions');
    if (request.retention.retainUntilTimestamp <= now)
      throw badRequest('retainUntilTimestamp must be in the future');
    out.retention = request.retention;
  } else if (request.retention === undefined && bucket.defaultRetention) {
    const d = bucket.defaultRetention;
    out.retention = { mode: d.mode, retainUntilTimestamp: defaultUntil(now, d) };
  }
  if (request.legalHold) {
    requireCapability(grant, 'writeFileLegalHolds');
    out.legalHold = request.legalHold;
  }
  return out;
}

const locked = (message: string) => new B2Failure(403, 'access_denied', message);

const activeRetention = (file: FileRecord, now: number) =>
  file.retention && file.retention.retainUntilTimestamp > now ? file.retention : undefined;

/** True while a version may be neither deleted nor hidden, ignoring any bypass. */
export function isLocked(file: FileRecord, now: number): boolean {
  return file.legalHold === 'on' || activeRetention(file, now) !== undefined;
}

/** Refuses to delete or hide a version that is on legal hold or under an unexpired retention. */
export function requireUnlocked(
  file: FileRecord,
  now: number,
  bypass: { asked: boolean; grant: Grant },
): void {
  if (file.legalHold === 'on') throw locked(`File ${file.fileName} is on legal hold`);
  const retention = activeRetention(file, now);
  if (!retention) return;
  const until = new Date(retention.retainUntilTimestamp).toISOString();
  if (retention.mode === 'compliance')
    throw locked(`File ${file.fileName} is under compliance retention until ${until}`);
  if (!bypass.asked || !bypass.grant.key.capabilities.includes('bypassGovernance')) {
    throw locked(
      `File ${file.fileName} is under governance retention until ${until}; bypassGovernance needs the bypassGovernance capability`,
    );
  }
}

/**
 * Whether `next` may replace the version's current retention: an unexpired retention may be kept or
 * lengthened (governance may also become compliance); shortening or removing governance needs the
 * bypass; compliance can't be shortened, removed or weakened.
 */
export function requireRetentionChange(
  file: FileRecord,
  next: Retention | null,
  now: number,
  bypass: { asked: boolean; grant: Grant },
): void {
  const current = activeRetention(file, now);
  if (!current) return;
  const keepsOrExtends = next !== null && next.retainUntilTimestamp >= current.retainUntilTimestamp;
  if (current.mode === 'compliance') {
    if (keepsOrExtends && next.mode === 'compliance') return;
    throw locked(`File ${file.fileName} is under compliance retention: it can only be extended`);
  }
  if (keepsOrExtends) return;
  if (!bypass.asked || !bypass.grant.key.capabilities.includes('bypassGovernance')) {
    throw locked(
      `Shortening or removing governance retention of ${file.fileName} needs bypassGovernance and its capability`,
    );
  }
}

/** Default retention of create/update bucket: `{mode, period}`, or `{mode: null}` = none. */
export function defaultRetentionOf(p: Params): DefaultRetention | null | undefined {
  const v = p.defaultRetention;
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null) throw badRequest('defaultRetention must be an object');
  const { mode, period } = v as Params;
  if (mode === null || mode === undefined) return null;
  if (typeof mode !== 'string' || !MODES.includes(mode))
    throw badRequest('defaultRetention.mode must be governance, compliance or null');
  if (typeof period !== 'object' || period === null)
    throw badRequest('defaultRetention.period is required with a mode');
  const { duration, unit } = period as Params;
  if (typeof duration !== 'number' || !Number.isSafeInteger(duration) || duration < 1)
    throw badRequest('defaultRetention.period.duration must be a positive integer');
  if (unit !== 'days' && unit !== 'years')
    throw badRequest('defaultRetention.period.unit must be days or years');
  return { mode: mode as RetentionMode, period: { duration, unit } };
}
