/**
 * Wire facts of the broker protocol (docs/broker-protocol.md) that both sides need: the SDK
 * (src/upload) reads them from answers, the broker (src/broker) writes them. Defined once here.
 */

/** Every `code` a broker's error body may carry; clients branch on these, never on `message`. */
export const BROKER_ERROR_CODES = [
  'bad_request',
  'unauthenticated',
  'bad_upload_token',
  'expired_upload_token',
  'forbidden',
  'origin_not_allowed',
  'not_found',
  'size_mismatch',
  'content_mismatch',
  'too_large',
  'type_not_allowed',
  'rate_limited',
  'b2_error',
  'unavailable',
] as const;

export type BrokerErrorCode = (typeof BROKER_ERROR_CODES)[number];

/** The header that carries a per-upload token. */
export const UPLOAD_TOKEN_HEADER = 'X-B2up-Upload-Token';

/**
 * B2's part limits as the broker announces them in GET /config: parts numbered 1..`maxParts`,
 * every part but the last at least `minPartSize`, none above `maxPartSize`.
 */
export interface PartLimits {
  minPartSize: number;
  maxPartSize: number;
  maxParts: number;
}

/** The part plan of a large file: how many parts of which size. */
export interface PartPlan {
  size: number;
  partSize: number;
  count: number;
}

/**
 * A wanted part size made valid for a file of `size` bytes: clamped to the limits, then raised
 * until the file fits in `maxParts`. The broker applies this to the client's proposal; the client
 * applies it (through `proposePartSize`) before proposing, so a valid proposal passes unchanged.
 */
export function clampPartSize(size: number, wanted: number, limits: PartLimits): number {
  const clamped = Math.min(Math.max(wanted, limits.minPartSize), limits.maxPartSize);
  return Math.max(clamped, Math.ceil(size / limits.maxParts));
}

/**
 * The part size the client proposes at start: `clampPartSize`, and a file that would fit in one
 * part is split in two when both halves can meet the minimum, since B2's docs have at times
 * required at least two parts per large file.
 */
export function proposePartSize(size: number, wanted: number, limits: PartLimits): number {
  const partSize = clampPartSize(size, wanted, limits);
  return size <= partSize && size >= 2 * limits.minPartSize ? Math.ceil(size / 2) : partSize;
}

/** The plan of a file cut in parts of `partSize` (the size the broker answered at start). */
export function partPlan(size: number, partSize: number): PartPlan {
  return { size, partSize, count: Math.max(1, Math.ceil(size / partSize)) };
}

/** Byte range [start, end) of part `partNumber` (1-based). */
export function partRange(plan: PartPlan, partNumber: number): { start: number; end: number } {
  const start = (partNumber - 1) * plan.partSize;
  return { start, end: Math.min(start + plan.partSize, plan.size) };
}
