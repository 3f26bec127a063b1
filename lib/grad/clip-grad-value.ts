import { getBackend } from '../backend/index.js';
import { asyncTensors, checkNonNegative, checkTensors, runAsync, type TensorsLike } from '../validate/index.js';

/**
 * Clamps every gradient element to `[-clipValue, clipValue]` in place, with the bound rounded to
 * float32 as PyTorch does; NaN stays NaN, ±Infinity become ±clipValue. Exact (no rounding).
 * Reference: `torch.nn.utils.clip_grad_value_`.
 * @param grads a Float32Array, an array of them (no two sharing memory), or a FlatTensors; clamped in place.
 * @param clipValue the bound, >= 0.
 * @throws {TypeError|RangeError} on bad arguments (clipValue must be a number >= 0).
 */
export function clipGradValue(grads: TensorsLike, clipValue: number): void {
  const t = checkTensors('grads', grads, { inPlace: true });
  const c = Math.fround(checkNonNegative('clipValue', clipValue));
  getBackend().clamp(t, -c, c);
}

/**
 * `clipGradValue` off the main thread (native backend). The arrays belong to the call until the
 * Promise settles: do not write, resize or transfer them meanwhile. One over a resizable ArrayBuffer
 * or growable SharedArrayBuffer is a TypeError; one detached or resized while the call runs rejects
 * the Promise with GradGuardError `ERR_GRADGUARD_DETACHED` (the result is lost).
 * @param grads a Float32Array, an array of them (no two sharing memory), or a FlatTensors; clamped in place.
 * @param clipValue the bound, >= 0.
 * @throws {TypeError|RangeError} (rejection) on bad arguments.
 */
export async function clipGradValueAsync(grads: TensorsLike, clipValue: number): Promise<void> {
  const t = checkTensors('grads', grads, { inPlace: true });
  const c = Math.fround(checkNonNegative('clipValue', clipValue));
  await runAsync([asyncTensors('grads', t)], () => getBackend().clampAsync(t, -c, c));
}
