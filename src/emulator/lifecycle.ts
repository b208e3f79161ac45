/**
 * One pass of a bucket's lifecycle rules (https://www.backblaze.com/docs/cloud-storage-lifecycle-rules)
 * on the emulator clock. B2 runs its pass about once a day; the emulator runs one when asked
 * (`emulator.runLifecycle()`, `POST /__emulator/lifecycle/run`) and after every
 * `POST /__emulator/clock/advance`, so a test jumps the clock and sees what B2 would have cleaned.
 *
 * For a name, the rule with the longest matching `fileNamePrefix` applies:
 * - `daysFromUploadingToHiding`: the newest version, an upload at least that old, gets a hide marker;
 * - `daysFromHidingToDeleting`: a version hidden (by a newer version or a hide marker) at least that
 *   long is deleted, and so is a hide marker left with nothing under it once it is that old;
 * - `daysFromStartingToCancelingUnfinishedLargeFiles`: unfinished large files that old are cancelled.
 * A hide marker is dated when its rule came due (upload + N days), so one pass after a long jump does
 * what B2's daily passes would have done by then. Versions under Object Lock are never hidden or deleted.
 */
import type { LifecycleRule } from '../b2/wire.js';
import type { EmulatorContext } from './context.js';
import { newFileId } from './ids.js';
import { isLocked } from './lock.js';
import type { BucketRecord, FileRecord } from './model.js';
import { dropUnfinished, dropVersion, hideMarker } from './ops/lookup.js';

const DAY_MS = 86_400_000;

export interface LifecycleReport {
  hidden: number;
  deleted: number;
  cancelled: number;
}

function ruleFor(rules: LifecycleRule[], fileName: string): LifecycleRule | undefined {
  let best: LifecycleRule | undefined;
  for (const rule of rules) {
    if (
      fileName.startsWith(rule.fileNamePrefix) &&
      rule.fileNamePrefix.length >= (best?.fileNamePrefix.length ?? -1)
    )
      best = rule;
  }
  return best;
}

const due = (since: number, days: number | null | undefined, now: number) =>
  days != null && since + days * DAY_MS <= now;

export function runLifecycle(ctx: EmulatorContext): LifecycleReport {
  const report: LifecycleReport = { hidden: 0, deleted: 0, cancelled: 0 };
  const now = ctx.clock.now();
  for (const bucket of ctx.store.values('buckets')) {
    if (bucket.lifecycleRules.length === 0) continue;
    for (const versions of versionsByName(ctx, bucket).values()) {
      const rule = ruleFor(bucket.lifecycleRules, versions[0]!.fileName);
      if (rule) applyRule(ctx, bucket, rule, versions, now, report);
    }
  }
  return report;
}

/** Each name's versions, newest first; unfinished large files under their own key. */
function versionsByName(ctx: EmulatorContext, bucket: BucketRecord): Map<string, FileRecord[]> {
  const byName = new Map<string, FileRecord[]>();
  for (const f of ctx.store.values('files')) {
    if (f.bucketId !== bucket.bucketId) continue;
    const key = f.action === 'start' ? `start:${f.fileId}` : `name:${f.fileName}`;
    byName.set(key, [...(byName.get(key) ?? []), f]);
  }
  for (const list of byName.values()) list.sort((a, b) => b.seq - a.seq);
  return byName;
}

function applyRule(
  ctx: EmulatorContext,
  bucket: BucketRecord,
  rule: LifecycleRule,
  versions: FileRecord[],
  now: number,
  report: LifecycleReport,
): void {
  const newest = versions[0]!;
  if (newest.action === 'start') {
    if (due(newest.uploadTimestamp, rule.daysFromStartingToCancelingUnfinishedLargeFiles, now)) {
      dropUnfinished(ctx, newest);
      report.cancelled++;
    }
    return;
  }
  const hideAfter = rule.daysFromUploadingToHiding;
  if (
    newest.action === 'upload' &&
    hideAfter != null &&
    due(newest.uploadTimestamp, hideAfter, now) &&
    !isLocked(newest, now)
  ) {
    const dueAt = Math.floor((newest.uploadTimestamp + hideAfter * DAY_MS) / 1000) * 1000;
    const seq = ctx.nextSeq();
    const marker = hideMarker({
      fileId: newFileId(bucket.bucketId, seq, dueAt),
      bucketId: bucket.bucketId,
      fileName: newest.fileName,
      uploadTimestamp: dueAt,
      seq,
    });
    ctx.store.put('files', marker.fileId, marker);
    versions.unshift(marker);
    report.hidden++;
  }
  const deleteAfter = rule.daysFromHidingToDeleting;
  if (deleteAfter == null) return;
  const kept: FileRecord[] = [versions[0]!];
  for (let i = 1; i < versions.length; i++) {
    const hiddenAt = versions[i - 1]!.uploadTimestamp;
    if (due(hiddenAt, deleteAfter, now) && !isLocked(versions[i]!, now)) {
      dropVersion(ctx, versions[i]!);
      report.deleted++;
    } else kept.push(versions[i]!);
  }
  const top = kept[0]!;
  if (kept.length === 1 && top.action === 'hide' && due(top.uploadTimestamp, deleteAfter, now)) {
    dropVersion(ctx, top);
    report.deleted++;
  }
}
