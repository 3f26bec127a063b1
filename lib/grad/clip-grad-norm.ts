import { getBackend } from '../backend/index.js';
import { clipCoefficient } from '../backend/types.js';
import { invalidArg, NonFiniteGradientError } from '../errors.js';
import {
  asyncTensors,
  checkBoolean,
  checkNonNegative,
  checkNormType,
  checkOptions, optionKeys,
  checkTensors,
  runAsync,
  type TensorSet,
  type TensorsLike,
} from '../validate/index.js';

/** Options of {@link clipGradNorm} and {@link clipGradNormAsync}. */
export interface ClipGradNormOptions {
  /** Norm order p > 0, or Infinity. Default 2. */
  normType?: number;
  /** Throw NonFiniteGradientError (and leave the gradients untouched) when the total norm is NaN/Inf. Default false, as PyTorch. */
  errorIfNonfinite?: boolean;
}

const CLIP_OPTION_KEYS = optionKeys<ClipGradNormOptions>()(['normType', 'errorIfNonfinite']);

interface ClipArgs {
  t: TensorSet;
  maxNorm: number;
  p: number;
  errorIfNonfinite: boolean;
}

function checkClipArgs(fn: string, grads: unknown, maxNorm: unknown, options: unknown): ClipArgs {
  const o = checkOptions(`${fn}: options`, options, CLIP_OPTION_KEYS);
  const t = checkTensors('grads', grads, { inPlace: true });
  const m = checkNonNegative('maxNorm', maxNorm);
  const p = o.normType === undefined ? 2 : checkNormType('options.normType', o.normType);
  const e = checkBoolean('options.errorIfNonfinite', o.errorIfNonfinite, false);
  return { t, maxNorm: m, p, errorIfNonfinite: e };
}

/** The error for a non-finite total, naming the first tensor whose own norm is non-finite. */
function nonFiniteError(a: ClipArgs, total: number, perTensor: Float64Array): NonFiniteGradientError {
  return new NonFiniteGradientError(a.p, total, perTensor.findIndex((v) => !Number.isFinite(v)));
}

/**
 * Clips gradients in place so that their total p-norm is at most `maxNorm`, as PyTorch's
 * `torch.nn.utils.clip_grad_norm_`: every gradient is multiplied by
 * `min(1, maxNorm / (total + 1e-6))`. One fused pass computes the norm; a second (in-place) pass runs
 * only when that coefficient is below 1. Returns the total norm before clipping.
 *
 * Differs from PyTorch only where float64 accumulation finds a finite norm that float32 overflows.
 * NaN anywhere makes every gradient NaN; an infinite total makes finite entries ±0 and infinite ones NaN.
 *
 * @param grads a Float32Array, an array of them (no two sharing memory), or a FlatTensors.
 * @param maxNorm the largest allowed total norm, >= 0.
 * @param options norm order (default 2) and `errorIfNonfinite` (default false).
 * @throws {NonFiniteGradientError} with `errorIfNonfinite` and a NaN/Inf total (gradients untouched).
 * @throws {TypeError|RangeError} on bad arguments, before anything is modified.
 */
export function clipGradNorm(grads: TensorsLike, maxNorm: number, options?: ClipGradNormOptions): number {
  const a = checkClipArgs('clipGradNorm', grads, maxNorm, options);
  const per = a.errorIfNonfinite ? new Float64Array(a.t.views.length) : undefined;
  const total = getBackend().clipByNorm(a.t, a.maxNorm, a.p, a.errorIfNonfinite, per);
  if (a.errorIfNonfinite && !Number.isFinite(total)) throw nonFiniteError(a, total, per as Float64Array);
  return total;
}

/**
 * `clipGradNorm` off the main thread (native backend). The arrays belong to the call until the
 * Promise settles: do not write, resize or transfer them meanwhile. One over a resizable ArrayBuffer
 * or growable SharedArrayBuffer is a TypeError; one detached or resized while the call runs rejects
 * the Promise with GradGuardError `ERR_GRADGUARD_DETACHED` (the result is lost).
 * On the pure-TS backend the work runs on the calling thread, in a later microtask.
 * @param grads a Float32Array, an array of them (no two sharing memory), or a FlatTensors.
 * @param maxNorm the largest allowed total norm, >= 0.
 * @param options norm order (default 2) and `errorIfNonfinite` (default false).
 * @returns the total norm before clipping.
 * @throws {TypeError|RangeError} (rejection) on bad arguments, before anything is modified.
 * @throws {NonFiniteGradientError} (rejection) with `errorIfNonfinite` and a NaN/Inf total.
 */
export async function clipGradNormAsync(grads: TensorsLike, maxNorm: number, options?: ClipGradNormOptions): Promise<number> {
  const a = checkClipArgs('clipGradNormAsync', grads, maxNorm, options);
  const per = a.errorIfNonfinite ? new Float64Array(a.t.views.length) : undefined;
  const total = await runAsync([asyncTensors('grads', a.t)], () => getBackend().clipByNormAsync(a.t, a.maxNorm, a.p, a.errorIfNonfinite, per));
  if (a.errorIfNonfinite && !Number.isFinite(total)) throw nonFiniteError(a, total, per as Float64Array);
  return total;
}

/**
 * Scales gradients by `min(1, maxNorm / (totalNorm + 1e-6))`, given a total norm computed earlier
 * (e.g. by `getTotalNorm`, or across processes). No pass at all when the coefficient is 1.
 * Reference: `torch.nn.utils.clip_grads_with_norm_`.
 * @param grads a Float32Array, an array of them (no two sharing memory), or a FlatTensors; scaled in place.
 * @param maxNorm the largest allowed total norm, >= 0.
 * @param totalNorm the gradients' total norm, >= 0, NaN or Infinity.
 * @throws {TypeError|RangeError} on bad arguments (totalNorm may be NaN or Infinity, as in PyTorch).
 */
export function clipGradsWithNorm(grads: TensorsLike, maxNorm: number, totalNorm: number): void {
  const t = checkTensors('grads', grads, { inPlace: true });
  const m = checkNonNegative('maxNorm', maxNorm);
  const total = checkTotal(totalNorm);
  const coef = clipCoefficient(m, total);
  if (!(coef >= 1)) getBackend().scale(t, coef);
}

/**
 * `clipGradsWithNorm` off the main thread (native backend). The arrays belong to the call until the
 * Promise settles: do not write, resize or transfer them meanwhile. One over a resizable ArrayBuffer
 * or growable SharedArrayBuffer is a TypeError; one detached or resized while the call runs rejects
 * the Promise with GradGuardError `ERR_GRADGUARD_DETACHED` (the result is lost).
 * @param grads a Float32Array, an array of them (no two sharing memory), or a FlatTensors; scaled in place.
 * @param maxNorm the largest allowed total norm, >= 0.
 * @param totalNorm the gradients' total norm, >= 0, NaN or Infinity.
 * @throws {TypeError|RangeError} (rejection) on bad arguments.
 */
export async function clipGradsWithNormAsync(grads: TensorsLike, maxNorm: number, totalNorm: number): Promise<void> {
  const t = checkTensors('grads', grads, { inPlace: true });
  const m = checkNonNegative('maxNorm', maxNorm);
  const coef = clipCoefficient(m, checkTotal(totalNorm));
  // The buffer check runs even when nothing needs scaling, so the rule does not depend on the data.
  await runAsync([asyncTensors('grads', t)], () => (coef >= 1 ? Promise.resolve() : getBackend().scaleAsync(t, coef)));
}

/** A total norm from elsewhere: any number >= 0, NaN or Infinity (PyTorch scales by NaN too). */
function checkTotal(v: unknown): number {
  if (typeof v !== 'number') invalidArg('totalNorm', 'a number', v);
  if (v < 0) invalidArg('totalNorm', 'a number >= 0, NaN or Infinity', v, 'range');
  return v;
}
