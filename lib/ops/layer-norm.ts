/**
 * LayerNorm over the last dimension D (PyTorch torch.nn.functional.layer_norm with normalized_shape
 * [D]): per row, y = (x − μ)/√(σ² + eps)·weight + bias with the biased variance, statistics in
 * float64 (two passes).
 */
import { invalidArg } from '../errors.js';
import { getBackend } from '../backend/index.js';
import type { LayerNormBackwardArgs, LayerNormForwardArgs } from '../backend/ops-types.js';
import { checkDim, checkDisjoint, checkF64, checkFloat32Array, checkLength, checkOptions, optionKeys, finiteOr, optLength, runAsync, type AsyncArg } from '../validate/index.js';
import { normBackwardOutputs, type NormBackwardOptions, type NormGrads } from './batch-norm.js';

/** Options of {@link layerNorm} (PyTorch `F.layer_norm`'s arguments, in camelCase). */
export interface LayerNormOptions {
  /** γ [D]; absent means 1. */
  weight?: Float32Array | null;
  /** β [D]; absent means 0. */
  bias?: Float32Array | null;
  /** Added to the variance before the square root (finite, >= 0). Default 1e-5. */
  eps?: number;
  /**
   * Output, x.length elements; allocated when absent. May be x itself (in place); any other overlap
   * with x, weight or bias is a RangeError.
   */
  out?: Float32Array;
}

const LAYER_NORM_KEYS = optionKeys<LayerNormOptions>()(['weight', 'bias', 'eps', 'out']);

/** Per row: the mean and 1/√(var + eps) the forward normalised with. */
export interface LayerNormSaved {
  /** Mean of each row [rows]. */
  readonly saveMean: Float64Array;
  /** 1/√(var + eps) of each row [rows] (biased variance). */
  readonly saveInvstd: Float64Array;
}

/** The output of {@link layerNorm} and what its backward needs. */
export interface LayerNormResult extends LayerNormSaved {
  /** The normalised output, x's shape (`options.out` when given). */
  readonly y: Float32Array;
}

function rowsOf(x: unknown, name: string, d: number): number {
  checkFloat32Array(name, x);
  if (x.length % d !== 0) invalidArg(name, `a length that is a multiple of normalizedSize ${d}`, x, 'range');
  return x.length / d;
}

/**
 * LayerNorm forward over x [..., D] (row-major, D = normalizedSize), PyTorch `F.layer_norm` with
 * normalized_shape [D]: per row, y = (x − μ)/√(σ² + eps)·weight + bias with the biased variance,
 * statistics in float64 (two passes).
 * @param x the input; its length must be a multiple of D.
 * @param normalizedSize D, the size of the last dimension (>= 1).
 * @param options γ, β, eps and the output buffer.
 * @returns y and the saved statistics for {@link layerNormBackward}.
 * @throws {TypeError|RangeError} naming the argument.
 */
export function layerNorm(x: Float32Array, normalizedSize: number, options?: LayerNormOptions): LayerNormResult {
  const [args, result] = layerNormCall(x, normalizedSize, options);
  getBackend().layerNormForward(args);
  return result;
}

/**
 * {@link layerNorm} off the main thread (native: a worker thread; pure-TS: a later microtask).
 * Every array passed in or out belongs to the call until the Promise settles: do not write, resize
 * or transfer it meanwhile. One over a resizable ArrayBuffer or growable SharedArrayBuffer is a
 * TypeError; one detached or resized while the call runs rejects the Promise with GradGuardError
 * `ERR_GRADGUARD_DETACHED` (the result is lost).
 * @param x as {@link layerNorm}.
 * @param normalizedSize as {@link layerNorm}.
 * @param options as {@link layerNorm}.
 * @returns a Promise of what {@link layerNorm} returns.
 * @throws {TypeError|RangeError} (rejection) as {@link layerNorm}, or a resizable buffer.
 */
export async function layerNormAsync(x: Float32Array, normalizedSize: number, options?: LayerNormOptions): Promise<LayerNormResult> {
  const [args, result, arrays] = layerNormCall(x, normalizedSize, options);
  await runAsync(arrays, () => getBackend().layerNormForwardAsync(args));
  return result;
}

function layerNormCall(x: Float32Array, normalizedSize: number, options?: LayerNormOptions): [LayerNormForwardArgs, LayerNormResult, AsyncArg[]] {
  const d = checkDim('normalizedSize', normalizedSize, 1);
  const m = rowsOf(x, 'x', d);
  const o = checkOptions('ops.layerNorm(Async): options', options, LAYER_NORM_KEYS) as LayerNormOptions;
  const weight = optLength('options.weight', o.weight, d);
  const bias = optLength('options.bias', o.bias, d);
  const eps = finiteOr('options.eps', o.eps, 1e-5, 0);
  const y = o.out === undefined ? new Float32Array(m * d) : checkLength('options.out', o.out, m * d);
  const arrays = checkDisjoint([['options.out', y, 'x']], [['x', x], ['options.weight', weight], ['options.bias', bias]]);
  const saveMean = new Float64Array(m);
  const saveInvstd = new Float64Array(m);
  return [{ x, rows: m, size: d, weight, bias, eps, y, saveMean, saveInvstd }, { y, saveMean, saveInvstd }, arrays];
}

/**
 * LayerNorm backward for L = Σ y·gradY; gradWeight/gradBias are summed over all rows.
 * @param gradY ∂L/∂y, x's length.
 * @param x the forward's input.
 * @param normalizedSize D, as in the forward.
 * @param saved the forward's result (or its `saveMean` and `saveInvstd`).
 * @param options γ and the output buffers (see {@link NormBackwardOptions}).
 * @returns gradX, gradWeight and gradBias.
 * @throws {TypeError|RangeError} naming the argument.
 */
export function layerNormBackward(gradY: Float32Array, x: Float32Array, normalizedSize: number, saved: LayerNormSaved, options?: NormBackwardOptions): NormGrads {
  const [args, result] = layerNormBackwardCall(gradY, x, normalizedSize, saved, options);
  getBackend().layerNormBackward(args);
  return result;
}

/**
 * {@link layerNormBackward} off the main thread.
 * Every array passed in or out belongs to the call until the Promise settles: do not write, resize
 * or transfer it meanwhile. One over a resizable ArrayBuffer or growable SharedArrayBuffer is a
 * TypeError; one detached or resized while the call runs rejects the Promise with GradGuardError
 * `ERR_GRADGUARD_DETACHED` (the result is lost).
 * @param gradY as {@link layerNormBackward}.
 * @param x as {@link layerNormBackward}.
 * @param normalizedSize as {@link layerNormBackward}.
 * @param saved as {@link layerNormBackward}.
 * @param options as {@link layerNormBackward}.
 * @returns a Promise of what {@link layerNormBackward} returns.
 * @throws {TypeError|RangeError} (rejection) as {@link layerNormBackward}, or a resizable buffer.
 */
export async function layerNormBackwardAsync(gradY: Float32Array, x: Float32Array, normalizedSize: number, saved: LayerNormSaved, options?: NormBackwardOptions): Promise<NormGrads> {
  const [args, result, arrays] = layerNormBackwardCall(gradY, x, normalizedSize, saved, options);
  await runAsync(arrays, () => getBackend().layerNormBackwardAsync(args));
  return result;
}

function layerNormBackwardCall(gradY: Float32Array, x: Float32Array, normalizedSize: number, saved: LayerNormSaved, options?: NormBackwardOptions): [LayerNormBackwardArgs, NormGrads, AsyncArg[]] {
  const d = checkDim('normalizedSize', normalizedSize, 1);
  const m = rowsOf(x, 'x', d);
  checkLength('gradY', gradY, m * d);
  if (saved === null || typeof saved !== 'object') invalidArg('saved', 'the result of layerNorm', saved);
  const sm = checkF64('saved.saveMean', saved.saveMean, m);
  const si = checkF64('saved.saveInvstd', saved.saveInvstd, m);
  const { weight, accumulate, gradX, gradWeight, gradBias, arrays } = normBackwardOutputs('ops.layerNormBackward(Async)', options, m * d, d, gradY, x, sm, si);
  return [{ gradY, x, rows: m, size: d, weight, saveMean: sm, saveInvstd: si, gradX, gradWeight, gradBias, accumulate }, { gradX, gradWeight, gradBias }, arrays];
}
