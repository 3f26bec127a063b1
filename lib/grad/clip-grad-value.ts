import { getBackend } from '../backend/index.js';
import { checkNonNegative, checkTensors, type TensorsLike } from '../validate.js';

/**
 * Clamps every gradient element to `[-clipValue, clipValue]` in place, with the bound rounded to
 * float32 as PyTorch does; NaN stays NaN, ±Infinity become ±clipValue. Exact (no rounding).
 * Reference: `torch.nn.utils.clip_grad_value_`.
 * @throws {TypeError|RangeError} on bad arguments (clipValue must be a number >= 0).
 */
export function clipGradValue(grads: TensorsLike, clipValue: number): void {
  const t = checkTensors('grads', grads, { inPlace: true });
  const c = Math.fround(checkNonNegative('clipValue', clipValue));
  getBackend().clamp(t, -c, c);
}

/** `clipGradValue` off the main thread (native backend). */
export async function clipGradValueAsync(grads: TensorsLike, clipValue: number): Promise<void> {
  const t = checkTensors('grads', grads, { inPlace: true });
  const c = Math.fround(checkNonNegative('clipValue', clipValue));
  await getBackend().clampAsync(t, -c, c);
}
