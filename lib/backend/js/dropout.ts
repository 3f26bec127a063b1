/**
 * Pure-TS dropout multiply (the native dropout kernel's reference): out = x·scale where the group's
 * mask byte is nonzero, else 0. One float32 product per element, so both backends agree bit for bit.
 */
import type { DropoutApplyArgs } from '../ops-types.js';

/** out[i] = mask[⌊i/groupSize⌋] ? x[i]·scale : 0. */
export function dropoutApply(a: DropoutApplyArgs): void {
  const { x, mask, groupSize, scale, out } = a;
  const n = x.length;
  for (let gi = 0, i = 0; i < n; gi++) {
    const end = Math.min(i + groupSize, n);
    if (mask[gi]) for (; i < end; i++) out[i] = x[i] * scale;
    else for (; i < end; i++) out[i] = 0;
  }
}
