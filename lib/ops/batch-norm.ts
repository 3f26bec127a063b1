/**
 * BatchNorm1d over x [batch, features] (PyTorch torch.nn.functional.batch_norm, 2-D input):
 * y = (x − μ)/√(σ² + eps)·weight + bias. Training uses the batch mean μ and biased variance σ²
 * (float64 two-pass statistics) and updates the running statistics with the unbiased variance:
 * running ← (1 − momentum)·running + momentum·batch statistic. Eval uses the running statistics.
 */
import { invalidArg } from '../errors.js';
import { getBackend } from '../backend/index.js';
import type { BatchNorm2dBackwardArgs, BatchNorm2dForwardArgs, BatchNormBackwardArgs, BatchNormForwardArgs } from '../backend/ops-types.js';
import {
  checkBoolean,
  checkDim,
  checkDisjoint,
  checkF64,
  checkLength,
  checkOptions, optionKeys,
  checkShape2,
  finiteOr,
  optLength,
  runAsync,
  type AsyncArg,
} from '../validate/index.js';

/** Options of {@link batchNorm1d} (PyTorch `F.batch_norm`'s arguments, in camelCase). */
export interface BatchNorm1dOptions {
  /** γ [features]; absent means 1. */
  weight?: Float32Array | null;
  /** β [features]; absent means 0. */
  bias?: Float32Array | null;
  /**
   * Running mean [features]: updated in place in training, used in eval (required there). It may
   * share memory with no other argument (runningVar included), in eval as well.
   */
  runningMean?: Float32Array | null;
  /** Running (unbiased) variance [features]: as runningMean. */
  runningVar?: Float32Array | null;
  /** Normalise with the batch statistics (and update the running ones), else with the running ones. Default true. */
  training?: boolean;
  /** Weight of the batch statistic in the running update (finite). Default 0.1 (PyTorch's default). */
  momentum?: number;
  /** Added to the variance before the square root (finite, >= 0). Default 1e-5. */
  eps?: number;
  /**
   * Output [batch·features]; allocated when absent. May be x itself (in place); any other overlap
   * with x, weight, bias or the running statistics is a RangeError.
   */
  out?: Float32Array;
}

const BATCH_NORM_KEYS = optionKeys<BatchNorm1dOptions>()(['weight', 'bias', 'runningMean', 'runningVar', 'training', 'momentum', 'eps', 'out']);

/** What the forward saved for the backward: the mean and 1/√(var + eps) it normalised with. */
export interface BatchNorm1dSaved {
  /** Whether the forward ran in training mode (batch statistics). */
  readonly training: boolean;
  /** Mean per feature [features]: the batch mean in training, the running mean in eval. */
  readonly saveMean: Float64Array;
  /** 1/√(var + eps) per feature [features], with the variance used by the forward. */
  readonly saveInvstd: Float64Array;
}

/** The output of {@link batchNorm1d} and what its backward needs. */
export interface BatchNorm1dResult extends BatchNorm1dSaved {
  /** The normalised output [batch, features] (`options.out` when given). */
  readonly y: Float32Array;
}

/**
 * BatchNorm1d forward over x [batch, features] (PyTorch `F.batch_norm` on 2-D input):
 * y = (x − μ)/√(σ² + eps)·weight + bias. Training uses the batch mean μ and biased variance σ²
 * (float64, two passes) and updates the running statistics with the unbiased variance:
 * running ← (1 − momentum)·running + momentum·batch statistic. Eval uses the running statistics.
 * @param x the input [batch, features], row-major.
 * @param shape [batch, features]
 * @param options affine parameters, running statistics, mode, momentum, eps and the output buffer.
 * @returns y and the saved statistics for {@link batchNorm1dBackward}.
 * @throws {TypeError} wrong argument types; eval without running statistics.
 * @throws {RangeError} wrong lengths; batch < 2 in training (PyTorch: "Expected more than 1 value
 *   per channel when training").
 */
export function batchNorm1d(x: Float32Array, shape: readonly [number, number], options?: BatchNorm1dOptions): BatchNorm1dResult {
  const [args, result] = batchNorm1dCall(x, shape, options);
  getBackend().batchNormForward(args);
  return result;
}

/**
 * {@link batchNorm1d} off the main thread (native: a worker thread; pure-TS: a later microtask).
 * Every array passed in or out belongs to the call until the Promise settles: do not write, resize
 * or transfer it meanwhile. One over a resizable ArrayBuffer or growable SharedArrayBuffer is a
 * TypeError; one detached or resized while the call runs rejects the Promise with GradGuardError
 * `ERR_GRADGUARD_DETACHED` (the result is lost).
 * @param x as {@link batchNorm1d}.
 * @param shape as {@link batchNorm1d}.
 * @param options as {@link batchNorm1d}.
 * @returns a Promise of what {@link batchNorm1d} returns.
 * @throws {TypeError|RangeError} (rejection) as {@link batchNorm1d}, or a resizable buffer.
 */
export async function batchNorm1dAsync(x: Float32Array, shape: readonly [number, number], options?: BatchNorm1dOptions): Promise<BatchNorm1dResult> {
  const [args, result, arrays] = batchNorm1dCall(x, shape, options);
  await runAsync(arrays, () => getBackend().batchNormForwardAsync(args));
  return result;
}

function batchNorm1dCall(x: Float32Array, shape: readonly [number, number], options?: BatchNorm1dOptions): [BatchNormForwardArgs, BatchNorm1dResult, AsyncArg[]] {
  const [n, c] = checkShape2('shape', shape);
  checkLength('x', x, n * c);
  const o = checkOptions('ops.batchNorm1d(Async): options', options, BATCH_NORM_KEYS) as BatchNorm1dOptions;
  const weight = optLength('options.weight', o.weight, c);
  const bias = optLength('options.bias', o.bias, c);
  const rm = optLength('options.runningMean', o.runningMean, c);
  const rv = optLength('options.runningVar', o.runningVar, c);
  const training = checkBoolean('options.training', o.training, true);
  const momentum = finiteOr('options.momentum', o.momentum, 0.1);
  const eps = finiteOr('options.eps', o.eps, 1e-5, 0);
  if ((rm === null) !== (rv === null)) invalidArg('options.runningVar', 'running statistics given together (runningMean and runningVar)', o.runningVar ?? null);
  if (training && n < 2) invalidArg('shape[0]', 'more than 1 value per feature in training (batch >= 2)', n, 'range');
  if (!training && rm === null) invalidArg('options.runningMean', 'a Float32Array in eval mode', o.runningMean ?? null);
  const y = o.out === undefined ? new Float32Array(n * c) : checkLength('options.out', o.out, n * c);
  // The running statistics count as outputs in eval too: one rule, and sharing them is never meant.
  const arrays = checkDisjoint(
    [['options.out', y, 'x'], ['options.runningMean', rm], ['options.runningVar', rv]],
    [['x', x], ['options.weight', weight], ['options.bias', bias]],
  );
  const saveMean = new Float64Array(c);
  const saveInvstd = new Float64Array(c);
  return [{ x, n, c, weight, bias, runningMean: rm, runningVar: rv, training, momentum, eps, y, saveMean, saveInvstd }, { y, training, saveMean, saveInvstd }, arrays];
}

/** Options of {@link batchNorm1dBackward} and {@link layerNormBackward}: γ and the output buffers. */
export interface NormBackwardOptions {
  /** γ as given to the forward; absent means 1. */
  weight?: Float32Array | null;
  /**
   * Output ∂L/∂x; allocated when absent. May be gradY itself (in place); any other overlap with an
   * input or another output is a RangeError (as for gradWeight and gradBias).
   */
  gradX?: Float32Array;
  /** Output ∂L/∂γ; allocated (zeros) when absent. */
  gradWeight?: Float32Array;
  /** Output ∂L/∂β; allocated (zeros) when absent. */
  gradBias?: Float32Array;
  /** Add to gradWeight/gradBias instead of overwriting them (default false). */
  accumulate?: boolean;
}

const NORM_BACKWARD_KEYS = optionKeys<NormBackwardOptions>()(['weight', 'gradX', 'gradWeight', 'gradBias', 'accumulate']);

/** Gradients from a normalisation backward (the buffers given in the options, or new ones). */
export interface NormGrads {
  /** ∂L/∂x, the shape of x. */
  readonly gradX: Float32Array;
  /** ∂L/∂γ, one per feature (computed even when no weight was given). */
  readonly gradWeight: Float32Array;
  /** ∂L/∂β, one per feature. */
  readonly gradBias: Float32Array;
}

/**
 * BatchNorm1d backward for L = Σ y·gradY: through the batch statistics after a training forward,
 * with the running statistics as constants after an eval forward (PyTorch's batch_norm_backward).
 * @param gradY ∂L/∂y [batch, features].
 * @param x the forward's input [batch, features].
 * @param shape [batch, features], as in the forward.
 * @param saved the forward's result (or its `training`, `saveMean` and `saveInvstd`).
 * @param options γ and the output buffers (see {@link NormBackwardOptions}).
 * @returns gradX, gradWeight and gradBias.
 * @throws {TypeError|RangeError} as batchNorm1d, naming the argument.
 */
export function batchNorm1dBackward(gradY: Float32Array, x: Float32Array, shape: readonly [number, number], saved: BatchNorm1dSaved, options?: NormBackwardOptions): NormGrads {
  const [args, result] = batchNorm1dBackwardCall(gradY, x, shape, saved, options);
  getBackend().batchNormBackward(args);
  return result;
}

/**
 * {@link batchNorm1dBackward} off the main thread.
 * Every array passed in or out belongs to the call until the Promise settles: do not write, resize
 * or transfer it meanwhile. One over a resizable ArrayBuffer or growable SharedArrayBuffer is a
 * TypeError; one detached or resized while the call runs rejects the Promise with GradGuardError
 * `ERR_GRADGUARD_DETACHED` (the result is lost).
 * @param gradY as {@link batchNorm1dBackward}.
 * @param x as {@link batchNorm1dBackward}.
 * @param shape as {@link batchNorm1dBackward}.
 * @param saved as {@link batchNorm1dBackward}.
 * @param options as {@link batchNorm1dBackward}.
 * @returns a Promise of what {@link batchNorm1dBackward} returns.
 * @throws {TypeError|RangeError} (rejection) as {@link batchNorm1dBackward}, or a resizable buffer.
 */
export async function batchNorm1dBackwardAsync(gradY: Float32Array, x: Float32Array, shape: readonly [number, number], saved: BatchNorm1dSaved, options?: NormBackwardOptions): Promise<NormGrads> {
  const [args, result, arrays] = batchNorm1dBackwardCall(gradY, x, shape, saved, options);
  await runAsync(arrays, () => getBackend().batchNormBackwardAsync(args));
  return result;
}

function batchNorm1dBackwardCall(gradY: Float32Array, x: Float32Array, shape: readonly [number, number], saved: BatchNorm1dSaved, options?: NormBackwardOptions): [BatchNormBackwardArgs, NormGrads, AsyncArg[]] {
  const [n, c] = checkShape2('shape', shape);
  checkLength('gradY', gradY, n * c);
  checkLength('x', x, n * c);
  if (saved === null || typeof saved !== 'object') invalidArg('saved', 'the result of batchNorm1d', saved);
  const training = checkBoolean('saved.training', saved.training, true);
  const sm = checkF64('saved.saveMean', saved.saveMean, c);
  const si = checkF64('saved.saveInvstd', saved.saveInvstd, c);
  const { weight, accumulate, gradX, gradWeight, gradBias, arrays } = normBackwardOutputs('ops.batchNorm1dBackward(Async)', options, n * c, c, gradY, x, sm, si);
  return [{ gradY, x, n, c, weight, saveMean: sm, saveInvstd: si, training, gradX, gradWeight, gradBias, accumulate }, { gradX, gradWeight, gradBias }, arrays];
}

/**
 * The options and outputs of the BatchNorm1d and LayerNorm backward (x has `xLen` elements, γ and
 * the γ/β gradients `features`): γ, accumulate, and gradX/gradWeight/gradBias (allocated when
 * absent), disjoint from everything except that gradX may be gradY.
 */
export function normBackwardOutputs(fn: string, options: unknown, xLen: number, features: number, gradY: Float32Array, x: Float32Array, saveMean: Float64Array, saveInvstd: Float64Array) {
  const o = checkOptions(`${fn}: options`, options, NORM_BACKWARD_KEYS) as NormBackwardOptions;
  const weight = optLength('options.weight', o.weight, features);
  const accumulate = checkBoolean('options.accumulate', o.accumulate, false);
  const gradX = o.gradX === undefined ? new Float32Array(xLen) : checkLength('options.gradX', o.gradX, xLen);
  const gradWeight = o.gradWeight === undefined ? new Float32Array(features) : checkLength('options.gradWeight', o.gradWeight, features);
  const gradBias = o.gradBias === undefined ? new Float32Array(features) : checkLength('options.gradBias', o.gradBias, features);
  const arrays: AsyncArg[] = checkDisjoint(
    [['options.gradX', gradX, 'gradY'], ['options.gradWeight', gradWeight], ['options.gradBias', gradBias]],
    [['gradY', gradY], ['x', x], ['options.weight', weight], ['saved.saveMean', saveMean], ['saved.saveInvstd', saveInvstd]],
  );
  return { weight, accumulate, gradX, gradWeight, gradBias, arrays };
}

/** Options of {@link batchNorm2d}: those of {@link batchNorm1d}, with one value per channel. */
export type BatchNorm2dOptions = BatchNorm1dOptions;
/** What {@link batchNorm2d} saved for {@link batchNorm2dBackward} (per channel). */
export type BatchNorm2dSaved = BatchNorm1dSaved;
/** The output of {@link batchNorm2d} and what its backward needs. */
export type BatchNorm2dResult = BatchNorm1dResult;

/** [n, c, h, w] → [n, c, h·w] after checking each is a non-negative integer. */
function checkShape4(shape: unknown): [number, number, number] {
  if (!Array.isArray(shape) || shape.length !== 4) invalidArg('shape', 'an [n, c, h, w] array', shape);
  const [n, c, h, w] = shape.map((d, i) => checkDim(`shape[${i}]`, d));
  return [n, c, h * w];
}

/**
 * BatchNorm2d forward over x [N, C, H, W] (PyTorch `F.batch_norm` on 4-D input): per channel,
 * y = (x − μ)/√(σ² + eps)·weight + bias with the statistics over the M = N·H·W values of the
 * channel. Training uses the batch mean μ and biased variance σ² (float64, two passes) and updates
 * the running statistics with the unbiased variance σ²·M/(M − 1); eval uses the running statistics.
 * With H·W = 1 this is {@link batchNorm1d}. An empty batch (M = 0) in training changes nothing
 * (PyTorch returns an empty output without touching the running statistics).
 * @param x the input [N, C, H, W], row-major.
 * @param shape [N, C, H, W].
 * @param options affine parameters [C], running statistics [C], mode, momentum, eps and the output buffer.
 * @returns y and the saved statistics for {@link batchNorm2dBackward}.
 * @throws {TypeError} wrong argument types; eval without running statistics.
 * @throws {RangeError} wrong lengths; M = N·H·W = 1 in training (PyTorch: "Expected more than 1
 *   value per channel when training"), before anything is written.
 */
export function batchNorm2d(x: Float32Array, shape: readonly [n: number, c: number, h: number, w: number], options?: BatchNorm2dOptions): BatchNorm2dResult {
  const [args, result] = batchNorm2dCall(x, shape, options);
  if (args.n * args.plane > 0) getBackend().batchNorm2dForward(args);
  return result;
}

/**
 * {@link batchNorm2d} off the main thread, under the buffer rule of {@link batchNorm1dAsync}.
 * @param x as {@link batchNorm2d}.
 * @param shape as {@link batchNorm2d}.
 * @param options as {@link batchNorm2d}.
 * @returns a Promise of what {@link batchNorm2d} returns.
 * @throws {TypeError|RangeError} (rejection) as {@link batchNorm2d}, or a resizable buffer.
 */
export async function batchNorm2dAsync(x: Float32Array, shape: readonly [n: number, c: number, h: number, w: number], options?: BatchNorm2dOptions): Promise<BatchNorm2dResult> {
  const [args, result, arrays] = batchNorm2dCall(x, shape, options);
  if (args.n * args.plane > 0) await runAsync(arrays, () => getBackend().batchNorm2dForwardAsync(args));
  return result;
}

function batchNorm2dCall(x: Float32Array, shape: readonly [number, number, number, number], options?: BatchNorm2dOptions): [BatchNorm2dForwardArgs, BatchNorm2dResult, AsyncArg[]] {
  const [n, c, plane] = checkShape4(shape);
  checkLength('x', x, n * c * plane);
  const o = checkOptions('ops.batchNorm2d(Async): options', options, BATCH_NORM_KEYS) as BatchNorm2dOptions;
  const weight = optLength('options.weight', o.weight, c);
  const bias = optLength('options.bias', o.bias, c);
  const rm = optLength('options.runningMean', o.runningMean, c);
  const rv = optLength('options.runningVar', o.runningVar, c);
  const training = checkBoolean('options.training', o.training, true);
  const momentum = finiteOr('options.momentum', o.momentum, 0.1);
  const eps = finiteOr('options.eps', o.eps, 1e-5, 0);
  if ((rm === null) !== (rv === null)) invalidArg('options.runningVar', 'running statistics given together (runningMean and runningVar)', o.runningVar ?? null);
  if (training && n * plane === 1) invalidArg('shape', `more than 1 value per channel in training (N·H·W >= 2; got [${shape.join(', ')}])`, n * plane, 'range');
  if (!training && rm === null) invalidArg('options.runningMean', 'a Float32Array in eval mode', o.runningMean ?? null);
  const y = o.out === undefined ? new Float32Array(n * c * plane) : checkLength('options.out', o.out, n * c * plane);
  const arrays = checkDisjoint(
    [['options.out', y, 'x'], ['options.runningMean', rm], ['options.runningVar', rv]],
    [['x', x], ['options.weight', weight], ['options.bias', bias]],
  );
  const saveMean = new Float64Array(c);
  // With no values the forward does not run: x̂ = 0 and nothing flows back through the statistics.
  const saveInvstd = new Float64Array(c);
  const args = { x, n, c, plane, weight, bias, runningMean: rm, runningVar: rv, training, momentum, eps, y, saveMean, saveInvstd };
  return [args, { y, training, saveMean, saveInvstd }, arrays];
}

/**
 * BatchNorm2d backward for L = Σ y·gradY: through the batch statistics (over N, H and W) after a
 * training forward, with the running statistics as constants after an eval forward:
 * gradX = weight·rstd·(gradY − mean(gradY) − x̂·mean(gradY·x̂)), gradWeight = Σ gradY·x̂,
 * gradBias = Σ gradY (PyTorch's batch_norm_backward).
 * @param gradY ∂L/∂y [N, C, H, W].
 * @param x the forward's input [N, C, H, W].
 * @param shape [N, C, H, W], as in the forward.
 * @param saved the forward's result (or its `training`, `saveMean` and `saveInvstd`).
 * @param options γ and the output buffers (see {@link NormBackwardOptions}).
 * @returns gradX, gradWeight and gradBias.
 * @throws {TypeError|RangeError} as batchNorm2d, naming the argument.
 */
export function batchNorm2dBackward(gradY: Float32Array, x: Float32Array, shape: readonly [number, number, number, number], saved: BatchNorm2dSaved, options?: NormBackwardOptions): NormGrads {
  const [args, result] = batchNorm2dBackwardCall(gradY, x, shape, saved, options);
  getBackend().batchNorm2dBackward(args);
  return result;
}

/**
 * {@link batchNorm2dBackward} off the main thread, under the buffer rule of {@link batchNorm1dAsync}.
 * @param gradY as {@link batchNorm2dBackward}.
 * @param x as {@link batchNorm2dBackward}.
 * @param shape as {@link batchNorm2dBackward}.
 * @param saved as {@link batchNorm2dBackward}.
 * @param options as {@link batchNorm2dBackward}.
 * @returns a Promise of what {@link batchNorm2dBackward} returns.
 * @throws {TypeError|RangeError} (rejection) as {@link batchNorm2dBackward}, or a resizable buffer.
 */
export async function batchNorm2dBackwardAsync(gradY: Float32Array, x: Float32Array, shape: readonly [number, number, number, number], saved: BatchNorm2dSaved, options?: NormBackwardOptions): Promise<NormGrads> {
  const [args, result, arrays] = batchNorm2dBackwardCall(gradY, x, shape, saved, options);
  await runAsync(arrays, () => getBackend().batchNorm2dBackwardAsync(args));
  return result;
}

function batchNorm2dBackwardCall(gradY: Float32Array, x: Float32Array, shape: readonly [number, number, number, number], saved: BatchNorm2dSaved, options?: NormBackwardOptions): [BatchNorm2dBackwardArgs, NormGrads, AsyncArg[]] {
  const [n, c, plane] = checkShape4(shape);
  checkLength('gradY', gradY, n * c * plane);
  checkLength('x', x, n * c * plane);
  if (saved === null || typeof saved !== 'object') invalidArg('saved', 'the result of batchNorm2d', saved);
  const training = checkBoolean('saved.training', saved.training, true);
  const sm = checkF64('saved.saveMean', saved.saveMean, c);
  const si = checkF64('saved.saveInvstd', saved.saveInvstd, c);
  const { weight, accumulate, gradX, gradWeight, gradBias, arrays } = normBackwardOutputs('ops.batchNorm2dBackward(Async)', options, n * c * plane, c, gradY, x, sm, si);
  return [{ gradY, x, n, c, plane, weight, saveMean: sm, saveInvstd: si, training, gradX, gradWeight, gradBias, accumulate }, { gradX, gradWeight, gradBias }, arrays];
}
