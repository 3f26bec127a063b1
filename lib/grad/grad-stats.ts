import { getBackend } from '../backend/index.js';
import type { RawGradStats } from '../backend/types.js';
import { asyncTensors, checkTensors, runAsync, type TensorsLike } from '../validate/index.js';

/** Gradient health from {@link gradStats} / {@link gradStatsAsync}. */
export interface GradStats {
  /** L2 norm of all gradients as one vector (float64 accumulation; NaN if any NaN). */
  totalNorm: number;
  /** L2 norm of each tensor, in order. */
  perTensorNorms: Float64Array;
  /** max |g| over all elements (NaN if any NaN). */
  maxAbs: number;
  /** How many elements are NaN or ±Infinity. */
  nonFiniteCount: number;
  /** Index of the first tensor holding a NaN/Inf, or -1. */
  firstNonFiniteIndex: number;
}

const finish = (raw: RawGradStats, per: Float64Array): GradStats => ({
  totalNorm: raw.totalNorm,
  perTensorNorms: per,
  maxAbs: raw.maxAbs,
  nonFiniteCount: raw.nonFiniteCount,
  firstNonFiniteIndex: raw.firstNonFiniteIndex,
});

/**
 * Gradient health in one memory pass: total and per-tensor L2 norms, max |g|, the count of non-finite
 * elements and the first tensor that holds one. Read-only.
 * @param grads a Float32Array, an array of them, or a FlatTensors.
 * @throws {TypeError} if grads is not tensors.
 */
export function gradStats(grads: TensorsLike): GradStats {
  const t = checkTensors('grads', grads, { inPlace: false });
  const per = new Float64Array(t.views.length);
  return finish(getBackend().stats(t, per), per);
}

/**
 * `gradStats` off the main thread (native backend). The arrays belong to the call until the Promise
 * settles: do not write, resize or transfer them meanwhile. One over a resizable ArrayBuffer or
 * growable SharedArrayBuffer is a TypeError; one detached or resized while the call runs rejects the
 * Promise with GradGuardError `ERR_GRADGUARD_DETACHED` (the result is lost).
 * @param grads a Float32Array, an array of them, or a FlatTensors.
 * @throws {TypeError} (rejection) if grads is not tensors.
 */
export async function gradStatsAsync(grads: TensorsLike): Promise<GradStats> {
  const t = checkTensors('grads', grads, { inPlace: false });
  const per = new Float64Array(t.views.length);
  return finish(await runAsync([asyncTensors('grads', t)], () => getBackend().statsAsync(t, per)), per);
}
