/** `F.linear` forward and backward (weight [out, in], PyTorch's layout), sync and async. */
import { getBackend } from '../backend/index.js';
import type { LinearGrads, LinearShape } from '../backend/ops-types.js';
import { checkBoolean, checkDim, checkDisjoint, checkDisjointPair, checkOptions, optionKeys, exactly, f32, optionalF32, optionalF64AtLeast, runAsync, type AsyncArg } from '../validate/index.js';

/** Shape of {@link linearForward}: x [batch, inFeatures], weight [outFeatures, inFeatures]. */
export interface LinearOptions {
  /** Rows of x and y. */
  batch: number;
  /** Features per input row. */
  inFeatures: number;
  /** Features per output row. */
  outFeatures: number;
}

const LINEAR_KEYS = optionKeys<LinearOptions>()(['batch', 'inFeatures', 'outFeatures']);

function linearShape(fn: string, options: unknown, keys: readonly string[] = LINEAR_KEYS): LinearShape {
  const o = checkOptions(`${fn}: options`, options, keys);
  return {
    batch: checkDim('options.batch', o.batch),
    inFeatures: checkDim('options.inFeatures', o.inFeatures),
    outFeatures: checkDim('options.outFeatures', o.outFeatures),
  };
}

function linearFwdArgs(x: unknown, weight: unknown, bias: unknown, y: unknown, options: unknown) {
  const X = f32('x', x);
  const W = f32('weight', weight);
  const Bi = optionalF32('bias', bias);
  const Y = f32('y', y);
  const s = linearShape('ops.linearForward(Async)', options);
  exactly('x', X, s.batch * s.inFeatures, 'batch·inFeatures');
  exactly('weight', W, s.outFeatures * s.inFeatures, 'outFeatures·inFeatures');
  if (Bi) exactly('bias', Bi, s.outFeatures, 'outFeatures');
  exactly('y', Y, s.batch * s.outFeatures, 'batch·outFeatures');
  checkDisjointPair('y', Y, 'x', X);
  checkDisjointPair('y', Y, 'weight', W);
  checkDisjointPair('y', Y, 'bias', Bi);
  return [X, W, Bi, Y, s] as const;
}

/**
 * y = x·weightᵀ + bias (`F.linear`): x [batch, in], weight [out, in] (PyTorch's layout), bias [out] or
 * null, y [batch, out]. Returns y.
 * @throws {TypeError} an argument that is not a Float32Array (bias may be null).
 * @throws {RangeError} a length that does not match the shape, or y sharing memory with an input.
 * @param x [batch, inFeatures].
 * @param weight [outFeatures, inFeatures].
 * @param bias [outFeatures], or null for none.
 * @param y the [batch, outFeatures] output, disjoint from the inputs.
 * @param options the three dimensions (exact lengths are required).
 */
export function linearForward(x: Float32Array, weight: Float32Array, bias: Float32Array | null, y: Float32Array, options: LinearOptions): Float32Array {
  const [X, W, Bi, Y, s] = linearFwdArgs(x, weight, bias, y, options);
  getBackend().linearForward(X, W, Bi, Y, s);
  return Y;
}

/**
 * {@link linearForward} on a worker thread (native backend). The arrays belong to the call until the
 * Promise settles: do not write, resize or transfer them meanwhile. One over a resizable ArrayBuffer
 * or growable SharedArrayBuffer is a TypeError; one detached or resized while the call runs rejects
 * the Promise with GradGuardError `ERR_GRADGUARD_DETACHED` (the result is lost).
 * @param x as {@link linearForward}.
 * @param weight as {@link linearForward}.
 * @param bias as {@link linearForward}.
 * @param y as {@link linearForward}.
 * @param options as {@link linearForward}.
 * @returns a Promise of y.
 * @throws {TypeError|RangeError} (rejection) as {@link linearForward}, or a resizable buffer.
 */
export async function linearForwardAsync(x: Float32Array, weight: Float32Array, bias: Float32Array | null, y: Float32Array, options: LinearOptions): Promise<Float32Array> {
  const [X, W, Bi, Y, s] = linearFwdArgs(x, weight, bias, y, options);
  await runAsync([['x', X], ['weight', W], ['bias', Bi], ['y', Y]], () => getBackend().linearForwardAsync(X, W, Bi, Y, s));
  return Y;
}

/** Output buffers of {@link linearBackward}; each may be omitted or null to skip it. */
export interface LinearGradOutputs {
  /** [batch, in] = gradY·weight; omit or null to skip. */
  gradX?: Float32Array | null;
  /** [out, in] = gradYᵀ·x (added to when accumulate); omit or null to skip. */
  gradWeight?: Float32Array | null;
  /** [out] = Σ_batch gradY (added to when accumulate); omit or null to skip. */
  gradBias?: Float32Array | null;
}

const LINEAR_GRAD_KEYS = optionKeys<LinearGradOutputs>()(['gradX', 'gradWeight', 'gradBias']);

/** Shape of {@link linearBackward}, as {@link LinearOptions}, whether to accumulate, and where to report sums of squares. */
export interface LinearBackwardOptions extends LinearOptions {
  /** Add into gradWeight/gradBias instead of overwriting them (gradX is always overwritten). Default false. */
  accumulate?: boolean;
  /**
   * Receives the float64 sums of squares of the gradients written: `[0]` = Σ gradWeight², `[1]` =
   * Σ gradBias², of their final values (after accumulation); 0 for an output that was skipped.
   * A Float64Array of length >= 2 (only the first two are written), sharing no memory with the
   * other arrays. Native: gradWeight's sum comes from the GEMM's tile epilogue while each tile is in
   * L1, and gradBias's from the bias reduction, so no extra pass; bit-identical for any thread count
   * on one ISA; equal to a float64 sum over the gradient within ~1e-12 relative (summed per tile, not
   * in element order, so not bitwise). This is how `nn.Linear` keeps a clipped step free of a norm
   * pass (see `ParamStore.sumSquares`).
   */
  sumSquares?: Float64Array;
}

const LINEAR_BACKWARD_KEYS = optionKeys<LinearBackwardOptions>()([...LINEAR_KEYS, 'accumulate', 'sumSquares']);

function linearBwdArgs(x: unknown, weight: unknown, gradY: unknown, grads: unknown, options: unknown) {
  const X = f32('x', x);
  const W = f32('weight', weight);
  const GY = f32('gradY', gradY);
  const g = checkOptions('ops.linearBackward(Async): grads', grads, LINEAR_GRAD_KEYS);
  const G: LinearGrads = {
    gradX: optionalF32('grads.gradX', g.gradX),
    gradWeight: optionalF32('grads.gradWeight', g.gradWeight),
    gradBias: optionalF32('grads.gradBias', g.gradBias),
  };
  const s = linearShape('ops.linearBackward(Async)', options, LINEAR_BACKWARD_KEYS);
  const accumulate = checkBoolean('options.accumulate', (options as LinearBackwardOptions).accumulate, false);
  const SS = optionalF64AtLeast('options.sumSquares', (options as LinearBackwardOptions).sumSquares, 2);
  exactly('x', X, s.batch * s.inFeatures, 'batch·inFeatures');
  exactly('weight', W, s.outFeatures * s.inFeatures, 'outFeatures·inFeatures');
  exactly('gradY', GY, s.batch * s.outFeatures, 'batch·outFeatures');
  if (G.gradX) exactly('grads.gradX', G.gradX, s.batch * s.inFeatures, 'batch·inFeatures');
  if (G.gradWeight) exactly('grads.gradWeight', G.gradWeight, s.outFeatures * s.inFeatures, 'outFeatures·inFeatures');
  if (G.gradBias) exactly('grads.gradBias', G.gradBias, s.outFeatures, 'outFeatures');
  checkDisjoint(
    [['grads.gradX', G.gradX], ['grads.gradWeight', G.gradWeight], ['grads.gradBias', G.gradBias]],
    [['x', X], ['weight', W], ['gradY', GY]],
  );
  if (SS) {
    for (const [n, t] of [['x', X], ['weight', W], ['gradY', GY], ['grads.gradX', G.gradX], ['grads.gradWeight', G.gradWeight], ['grads.gradBias', G.gradBias]] as const) {
      checkDisjointPair('options.sumSquares', SS, n, t);
    }
  }
  return [X, W, GY, G, s, accumulate, SS] as const;
}

/**
 * The backward of {@link linearForward}: gradX = gradY·weight, gradWeight (+)= gradYᵀ·x,
 * gradBias (+)= Σ_batch gradY (PyTorch's `F.linear` autograd). Any of the three may be omitted
 * (skipped); with `accumulate` gradWeight and gradBias are added to, as autograd accumulates `.grad`.
 * With `options.sumSquares` the float64 sums of squares of gradWeight and gradBias come back too, at
 * no extra pass (the input to a fused gradient-norm; see {@link LinearBackwardOptions.sumSquares}).
 * @throws {TypeError} an argument that is not a Float32Array (sumSquares: not a Float64Array).
 * @throws {RangeError} a length that does not match the shape, or an output sharing memory with an
 *   input or with another output.
 * @param x the forward's input, [batch, inFeatures].
 * @param weight [outFeatures, inFeatures].
 * @param gradY ∂loss/∂y, [batch, outFeatures].
 * @param grads where to write gradX, gradWeight and gradBias.
 * @param options the three dimensions, `accumulate` (default false) and `sumSquares`.
 */
export function linearBackward(x: Float32Array, weight: Float32Array, gradY: Float32Array, grads: LinearGradOutputs, options: LinearBackwardOptions): void {
  getBackend().linearBackward(...linearBwdArgs(x, weight, gradY, grads, options));
}

/**
 * {@link linearBackward} on a worker thread (native backend). The arrays belong to the call until
 * the Promise settles: do not write, resize or transfer them meanwhile. One over a resizable
 * ArrayBuffer or growable SharedArrayBuffer is a TypeError; one detached or resized while the call
 * runs rejects the Promise with GradGuardError `ERR_GRADGUARD_DETACHED` (the result is lost).
 * @param x as {@link linearBackward}.
 * @param weight as {@link linearBackward}.
 * @param gradY as {@link linearBackward}.
 * @param grads as {@link linearBackward}.
 * @param options as {@link linearBackward}.
 * @throws {TypeError|RangeError} (rejection) as {@link linearBackward}, or a resizable buffer.
 */
export async function linearBackwardAsync(x: Float32Array, weight: Float32Array, gradY: Float32Array, grads: LinearGradOutputs, options: LinearBackwardOptions): Promise<void> {
  const args = linearBwdArgs(x, weight, gradY, grads, options);
  const [X, W, GY, G, , , SS] = args;
  const arrays: AsyncArg[] = [['x', X], ['weight', W], ['gradY', GY], ['grads.gradX', G.gradX], ['grads.gradWeight', G.gradWeight], ['grads.gradBias', G.gradBias], ['options.sumSquares', SS]];
  await runAsync(arrays, () => getBackend().linearBackwardAsync(...args));
}
