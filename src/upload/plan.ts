/**
 * The part plan of a large file: how many parts, where each starts and ends.
 * B2 rules: parts numbered 1..10,000, every part but the last at least
 * `minPartSize`, none above `maxPartSize`.
 */
export interface PartLimits {
  minPartSize: number;
  maxPartSize: number;
  maxParts: number;
}

export interface PartPlan {
  size: number;
  partSize: number;
  count: number;
}

/**
 * Chooses the part size for a file: the requested size, clamped to B2's limits, raised until the
 * file fits in `maxParts`. A file that would fit in one part is split in two when it can be, since
 * B2's docs have at times required at least two parts per large file.
 */
export function planParts(size: number, requestedPartSize: number, limits: PartLimits): PartPlan {
  let partSize = Math.min(Math.max(requestedPartSize, limits.minPartSize), limits.maxPartSize);
  partSize = Math.max(partSize, Math.ceil(size / limits.maxParts));
  if (size <= partSize && size >= 2 * limits.minPartSize) partSize = Math.ceil(size / 2);
  const count = Math.max(1, Math.ceil(size / partSize));
  return { size, partSize, count };
}

/** Byte range [start, end) of part `partNumber` (1-based). */
export function partRange(plan: PartPlan, partNumber: number): { start: number; end: number } {
  const start = (partNumber - 1) * plan.partSize;
  return { start, end: Math.min(start + plan.partSize, plan.size) };
}
