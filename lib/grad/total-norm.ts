import { getBackend } from '../backend/index.js';
import { checkNormType, checkTensors, type TensorsLike } from '../validate.js';

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

/** `getTotalNorm` off the main thread (native backend); the buffers belong to the call until it settles. */
export function getTotalNormAsync(grads: TensorsLike, normType: number = 2): Promise<number> {
  try {
    const t = checkTensors('grads', grads, { inPlace: false });
    const p = checkNormType('normType', normType);
    return getBackend().normAsync(t, p);
  } catch (err) {
    return Promise.reject(err);
  }
}
