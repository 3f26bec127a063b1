import { getBackend } from '../backend/index.js';
import { asyncTensors, checkNormType, checkTensors, runAsync, type TensorsLike } from '../validate/index.js';

/**
 * Total p-norm of all gradients taken as one vector: `(Σ_i Σ_j |g_ij|^p)^(1/p)`, or `max |g|` for
 * p = Infinity. Accumulates in float64, so values near 1e20 (whose float32 squares overflow) still
 * give their true norm where PyTorch returns Infinity. NaN anywhere gives NaN; an empty list gives 0.
 *
 * Reference: `torch.nn.utils.get_total_norm` / the norm inside `clip_grad_norm_`.
 * @param grads a Float32Array, an array of them, or a FlatTensors (one native call for all).
 * @param normType p > 0, or Infinity (default 2).
 * @throws {TypeError} if grads is not tensors; {RangeError} if normType is not > 0.
 */
export function getTotalNorm(grads: TensorsLike, normType: number = 2): number {
  const t = checkTensors('grads', grads, { inPlace: false });
  const p = checkNormType('normType', normType);
  return getBackend().norm(t, p);
}

/**
 * `getTotalNorm` off the main thread (native backend). The arrays belong to the call until the
 * Promise settles: do not write, resize or transfer them meanwhile. One over a resizable ArrayBuffer
 * or growable SharedArrayBuffer is a TypeError; one detached or resized while the call runs rejects
 * the Promise with GradGuardError `ERR_GRADGUARD_DETACHED` (the result is lost).
 * @param grads a Float32Array, an array of them, or a FlatTensors.
 * @param normType p > 0, or Infinity (default 2).
 * @throws {TypeError|RangeError} (rejection) on bad arguments, as {@link getTotalNorm}.
 */
export async function getTotalNormAsync(grads: TensorsLike, normType: number = 2): Promise<number> {
  const t = checkTensors('grads', grads, { inPlace: false });
  const p = checkNormType('normType', normType);
  return runAsync([asyncTensors('grads', t)], () => getBackend().normAsync(t, p));
}
