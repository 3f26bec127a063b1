/**
 * Functional kernels (PyTorch semantics, row-major, in place on the caller's Float32Arrays):
 * matmul (torch.addmm), linear forward/backward (weight [out, in]), elementwise activations and their
 * backward passes, losses returning their value and writing their gradient, and the residual add.
 * Every function validates its arguments (TypeError/RangeError naming the argument) before any work.
 */
import { getBackend } from '../backend/index.js';
import { invalidArg } from '../errors.js';
import { Act, type ActFn, type LinearGrads, type LinearShape, type MatmulShape } from './backend-types.js';
import { runAsync, type AsyncArg } from '../validate.js';
import { atLeast, bool, checkOptions, dim, exactly, f32, noAlias, num, optionalF32 } from './validate-ops.js';

export { Act, type ActFn } from './backend-types.js';

// ---- matmul -------------------------------------------------------------------------------------

/** Shape and scalars of {@link matmul}: op(a) is [m, k], op(b) is [k, n], c is [m, n]. */
export interface MatmulOptions {
  /** Rows of op(a) and of c. */
  m: number;
  /** Columns of op(b) and of c. */
  n: number;
  /** Columns of op(a) = rows of op(b) (the summed dimension). */
  k: number;
  /** a is stored [k, m] instead of [m, k]. */
  transA?: boolean;
  /** b is stored [n, k] instead of [k, n]. */
  transB?: boolean;
  /** Scale of the product (not NaN). Default 1. */
  alpha?: number;
  /** Scale of c's old contents (not NaN). 0 (the default) means c is not read: NaN/Inf in it do not propagate. */
  beta?: number;
}

function matmulArgs(a: unknown, b: unknown, c: unknown, options: unknown): [Float32Array, Float32Array, Float32Array, MatmulShape] {
  const A = f32('a', a);
  const B = f32('b', b);
  const C = f32('c', c);
  const o = checkOptions('options', options);
  const s: MatmulShape = {
    m: dim('options.m', o.m),
    n: dim('options.n', o.n),
    k: dim('options.k', o.k),
    transA: bool('options.transA', o.transA, false),
    transB: bool('options.transB', o.transB, false),
    alpha: o.alpha === undefined ? 1 : num('options.alpha', o.alpha),
    beta: o.beta === undefined ? 0 : num('options.beta', o.beta),
  };
  atLeast('a', A, s.m * s.k, s.transA ? 'k·m' : 'm·k');
  atLeast('b', B, s.k * s.n, s.transB ? 'n·k' : 'k·n');
  atLeast('c', C, s.m * s.n, 'm·n');
  noAlias('c', C, 'a', A);
  noAlias('c', C, 'b', B);
  return [A, B, C, s];
}

/**
 * c = alpha·op(a)·op(b) + beta·c, row-major (`torch.addmm`; op = transpose when transA/transB). beta = 0
 * never reads c (NaN/Inf in it do not propagate); k = 0 or alpha = 0 give beta·c. Returns c.
 * @throws {TypeError} a, b or c not a Float32Array; an option of the wrong type.
 * @throws {RangeError} a dimension not a non-negative integer, a buffer shorter than its shape, NaN
 *   alpha/beta, or c sharing memory with a or b.
 * @param a [m, k] row-major, or [k, m] with transA; may be longer (the rest is ignored).
 * @param b [k, n], or [n, k] with transB; may be longer.
 * @param c the [m, n] output (at least m·n elements), disjoint from a and b.
 * @param options dimensions, transposes, alpha (default 1) and beta (default 0).
 */
export function matmul(a: Float32Array, b: Float32Array, c: Float32Array, options: MatmulOptions): Float32Array {
  const [A, B, C, s] = matmulArgs(a, b, c, options);
  getBackend().matmul(A, B, C, s);
  return C;
}

/**
 * {@link matmul} on a worker thread (native backend). The arrays belong to the call until the
 * Promise settles: do not write, resize or transfer them meanwhile. One over a resizable ArrayBuffer
 * or growable SharedArrayBuffer is a TypeError; one detached or resized while the call runs rejects
 * the Promise with GradGuardError `ERR_GRADGUARD_DETACHED` (the result is lost).
 * @param a as {@link matmul}.
 * @param b as {@link matmul}.
 * @param c as {@link matmul}.
 * @param options as {@link matmul}.
 * @returns a Promise of c.
 * @throws {TypeError|RangeError} (rejection) as {@link matmul}, or a resizable buffer.
 */
export async function matmulAsync(a: Float32Array, b: Float32Array, c: Float32Array, options: MatmulOptions): Promise<Float32Array> {
  const [A, B, C, s] = matmulArgs(a, b, c, options);
  await runAsync([['a', A], ['b', B], ['c', C]], () => getBackend().matmulAsync(A, B, C, s));
  return C;
}

// ---- linear -------------------------------------------------------------------------------------

/** Shape of {@link linearForward}: x [batch, inFeatures], weight [outFeatures, inFeatures]. */
export interface LinearOptions {
  /** Rows of x and y. */
  batch: number;
  /** Features per input row. */
  inFeatures: number;
  /** Features per output row. */
  outFeatures: number;
}

function linearShape(options: unknown): LinearShape {
  const o = checkOptions('options', options);
  return {
    batch: dim('options.batch', o.batch),
    inFeatures: dim('options.inFeatures', o.inFeatures),
    outFeatures: dim('options.outFeatures', o.outFeatures),
  };
}

function linearFwdArgs(x: unknown, weight: unknown, bias: unknown, y: unknown, options: unknown) {
  const X = f32('x', x);
  const W = f32('weight', weight);
  const Bi = optionalF32('bias', bias);
  const Y = f32('y', y);
  const s = linearShape(options);
  exactly('x', X, s.batch * s.inFeatures, 'batch·inFeatures');
  exactly('weight', W, s.outFeatures * s.inFeatures, 'outFeatures·inFeatures');
  if (Bi) exactly('bias', Bi, s.outFeatures, 'outFeatures');
  exactly('y', Y, s.batch * s.outFeatures, 'batch·outFeatures');
  noAlias('y', Y, 'x', X);
  noAlias('y', Y, 'weight', W);
  noAlias('y', Y, 'bias', Bi);
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

/** Shape of {@link linearBackward}, as {@link LinearOptions}, and whether to accumulate. */
export interface LinearBackwardOptions extends LinearOptions {
  /** Add into gradWeight/gradBias instead of overwriting them (gradX is always overwritten). Default false. */
  accumulate?: boolean;
}

function linearBwdArgs(x: unknown, weight: unknown, gradY: unknown, grads: unknown, options: unknown) {
  const X = f32('x', x);
  const W = f32('weight', weight);
  const GY = f32('gradY', gradY);
  const g = checkOptions('grads', grads);
  const G: LinearGrads = {
    gradX: optionalF32('grads.gradX', g.gradX),
    gradWeight: optionalF32('grads.gradWeight', g.gradWeight),
    gradBias: optionalF32('grads.gradBias', g.gradBias),
  };
  const s = linearShape(options);
  const accumulate = bool('options.accumulate', checkOptions('options', options).accumulate, false);
  exactly('x', X, s.batch * s.inFeatures, 'batch·inFeatures');
  exactly('weight', W, s.outFeatures * s.inFeatures, 'outFeatures·inFeatures');
  exactly('gradY', GY, s.batch * s.outFeatures, 'batch·outFeatures');
  if (G.gradX) exactly('grads.gradX', G.gradX, s.batch * s.inFeatures, 'batch·inFeatures');
  if (G.gradWeight) exactly('grads.gradWeight', G.gradWeight, s.outFeatures * s.inFeatures, 'outFeatures·inFeatures');
  if (G.gradBias) exactly('grads.gradBias', G.gradBias, s.outFeatures, 'outFeatures');
  const outs: [string, Float32Array | null][] = [
    ['grads.gradX', G.gradX],
    ['grads.gradWeight', G.gradWeight],
    ['grads.gradBias', G.gradBias],
  ];
  const ins: [string, Float32Array][] = [
    ['x', X],
    ['weight', W],
    ['gradY', GY],
  ];
  for (let i = 0; i < outs.length; i++) {
    const [on, ov] = outs[i];
    if (!ov) continue;
    for (const [inName, iv] of ins) noAlias(on, ov, inName, iv);
    for (let j = i + 1; j < outs.length; j++) noAlias(outs[j][0], outs[j][1] ?? ov.subarray(0, 0), on, ov);
  }
  return [X, W, GY, G, s, accumulate] as const;
}

/**
 * The backward of {@link linearForward}: gradX = gradY·weight, gradWeight (+)= gradYᵀ·x,
 * gradBias (+)= Σ_batch gradY (PyTorch's `F.linear` autograd). Any of the three may be omitted
 * (skipped); with `accumulate` gradWeight and gradBias are added to, as autograd accumulates `.grad`.
 * @throws {TypeError} an argument that is not a Float32Array.
 * @throws {RangeError} a length that does not match the shape, or an output sharing memory with an
 *   input or with another output.
 * @param x the forward's input, [batch, inFeatures].
 * @param weight [outFeatures, inFeatures].
 * @param gradY ∂loss/∂y, [batch, outFeatures].
 * @param grads where to write gradX, gradWeight and gradBias.
 * @param options the three dimensions and `accumulate` (default false).
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
  const [X, W, GY, G] = args;
  const arrays: AsyncArg[] = [['x', X], ['weight', W], ['gradY', GY], ['grads.gradX', G.gradX], ['grads.gradWeight', G.gradWeight], ['grads.gradBias', G.gradBias]];
  await runAsync(arrays, () => getBackend().linearBackwardAsync(...args));
}

// ---- activations --------------------------------------------------------------------------------

function actFwd(fn: ActFn, x: unknown, y: unknown, p0: number, p1: number): Float32Array {
  const X = f32('x', x);
  const Y = y === undefined || y === null ? new Float32Array(X.length) : f32('y', y);
  exactly('y', Y, X.length, 'x.length');
  noAlias('y', Y, 'x', X, true);
  getBackend().activationForward(fn, X, Y, p0, p1);
  return Y;
}

function actBwd(fn: ActFn, x: unknown, gradY: unknown, gradX: unknown, p0: number, p1: number): Float32Array {
  const X = f32('x', x);
  const GY = f32('gradY', gradY);
  exactly('gradY', GY, X.length, 'x.length');
  const GX = gradX === undefined || gradX === null ? new Float32Array(X.length) : f32('gradX', gradX);
  exactly('gradX', GX, X.length, 'x.length');
  noAlias('gradX', GX, 'gradY', GY, true);
  noAlias('gradX', GX, 'x', X, true);
  getBackend().activationBackward(fn, X, GY, GX, p0, p1);
  return GX;
}

function slopeOf(options: unknown): number {
  const o = checkOptions('options', options);
  return o.negativeSlope === undefined ? 0.01 : num('options.negativeSlope', o.negativeSlope);
}
function alphaOf(options: unknown): number {
  const o = checkOptions('options', options);
  return o.alpha === undefined ? 1 : num('options.alpha', o.alpha);
}
function softplusOf(options: unknown): [number, number] {
  const o = checkOptions('options', options);
  const beta = o.beta === undefined ? 1 : num('options.beta', o.beta, true);
  if (beta === 0) invalidArg('options.beta', 'a finite non-zero number', beta, 'range');
  const threshold = o.threshold === undefined ? 20 : num('options.threshold', o.threshold);
  return [beta, threshold];
}
function geluOf(options: unknown): ActFn {
  const o = checkOptions('options', options);
  if (o.approximate === undefined || o.approximate === 'none') return Act.gelu;
  if (o.approximate === 'tanh') return Act.geluTanh;
  return invalidArg('options.approximate', '"none" or "tanh"', o.approximate, typeof o.approximate === 'string' ? 'range' : 'type');
}

/*
 * Activations (elementwise, PyTorch's `torch.nn.functional` semantics, stable for any input: no
 * Inf/NaN from an overflowing exp; NaN propagates). Forward: `f(x, y?, options?)` writes y = f(x) and
 * returns y (allocated when omitted; y may be x itself for in-place use). Backward:
 * `fBackward(x, gradY, gradX?, options?)` writes gradX = gradY·f'(x) from the forward's input x (gradX
 * may be gradY or x itself). PyTorch's conventions at the kinks: relu'(0) = 0, leakyRelu'(0) =
 * negativeSlope, elu'(0) = alpha, softplus' = 1 where beta·x > threshold.
 * All throw TypeError for a non-Float32Array and RangeError for a length mismatch, a partial overlap
 * of an output with an input, or a NaN hyper-parameter.
 */

/**
 * relu(x) = max(x, 0) (`F.relu`); NaN stays NaN.
 * @param x the input, any length.
 * @param y the output, `x.length` elements; may be `x` itself (in place). Allocated when omitted.
 * @returns y.
 * @throws {TypeError} an argument that is not a Float32Array.
 * @throws {RangeError} a length mismatch or a partial overlap of the output with an input.
 */
export const relu = (x: Float32Array, y?: Float32Array | null): Float32Array => actFwd(Act.relu, x, y, 0, 0);
/**
 * gradX = gradY·relu'(x) with relu'(x) = 1 for x > 0, else 0 (relu'(0) = 0, as PyTorch).
 * @param x the forward's input.
 * @param gradY ∂loss/∂y, `x.length` elements.
 * @param gradX receives ∂loss/∂x, `x.length` elements; may be `gradY` or `x` itself. Allocated when omitted.
 * @returns gradX.
 * @throws {TypeError} an argument that is not a Float32Array.
 * @throws {RangeError} a length mismatch or a partial overlap of the output with an input.
 */
export const reluBackward = (x: Float32Array, gradY: Float32Array, gradX?: Float32Array | null): Float32Array =>
  actBwd(Act.relu, x, gradY, gradX, 0, 0);

/** Options of {@link leakyRelu} and {@link leakyReluBackward}. */
export interface LeakyReluOptions {
  /** Slope for x <= 0 (not NaN). Default 0.01. */
  negativeSlope?: number;
}
/**
 * leakyRelu(x) = x for x > 0, else negativeSlope·x (`F.leaky_relu`, default slope 0.01).
 * @param x the input, any length.
 * @param y the output, `x.length` elements; may be `x` itself (in place). Allocated when omitted.
 * @param options `negativeSlope` (default 0.01).
 * @returns y.
 * @throws {TypeError} an argument that is not a Float32Array, or an option of the wrong type.
 * @throws {RangeError} a length mismatch, a partial overlap of the output with an input, or a NaN option.
 */
export const leakyRelu = (x: Float32Array, y?: Float32Array | null, options?: LeakyReluOptions): Float32Array =>
  actFwd(Act.leakyRelu, x, y, slopeOf(options), 0);
/**
 * gradX = gradY·(x > 0 ? 1 : negativeSlope).
 * @param x the forward's input.
 * @param gradY ∂loss/∂y, `x.length` elements.
 * @param gradX receives ∂loss/∂x, `x.length` elements; may be `gradY` or `x` itself. Allocated when omitted.
 * @param options `negativeSlope` (default 0.01), as in the forward.
 * @returns gradX.
 * @throws {TypeError} an argument that is not a Float32Array, or an option of the wrong type.
 * @throws {RangeError} a length mismatch, a partial overlap of the output with an input, or a NaN option.
 */
export const leakyReluBackward = (x: Float32Array, gradY: Float32Array, gradX?: Float32Array | null, options?: LeakyReluOptions): Float32Array =>
  actBwd(Act.leakyRelu, x, gradY, gradX, slopeOf(options), 0);

/**
 * sigmoid(x) = 1 / (1 + e^−x) (`torch.sigmoid`), computed from e^−|x|: exact 0 and 1 in the tails.
 * @param x the input, any length.
 * @param y the output, `x.length` elements; may be `x` itself (in place). Allocated when omitted.
 * @returns y.
 * @throws {TypeError} an argument that is not a Float32Array.
 * @throws {RangeError} a length mismatch or a partial overlap of the output with an input.
 */
export const sigmoid = (x: Float32Array, y?: Float32Array | null): Float32Array => actFwd(Act.sigmoid, x, y, 0, 0);
/**
 * gradX = gradY·σ(x)(1 − σ(x)).
 * @param x the forward's input.
 * @param gradY ∂loss/∂y, `x.length` elements.
 * @param gradX receives ∂loss/∂x, `x.length` elements; may be `gradY` or `x` itself. Allocated when omitted.
 * @returns gradX.
 * @throws {TypeError} an argument that is not a Float32Array.
 * @throws {RangeError} a length mismatch or a partial overlap of the output with an input.
 */
export const sigmoidBackward = (x: Float32Array, gradY: Float32Array, gradX?: Float32Array | null): Float32Array =>
  actBwd(Act.sigmoid, x, gradY, gradX, 0, 0);

/**
 * tanh(x) (`torch.tanh`).
 * @param x the input, any length.
 * @param y the output, `x.length` elements; may be `x` itself (in place). Allocated when omitted.
 * @returns y.
 * @throws {TypeError} an argument that is not a Float32Array.
 * @throws {RangeError} a length mismatch or a partial overlap of the output with an input.
 */
export const tanh = (x: Float32Array, y?: Float32Array | null): Float32Array => actFwd(Act.tanh, x, y, 0, 0);
/**
 * gradX = gradY·(1 − tanh²(x)).
 * @param x the forward's input.
 * @param gradY ∂loss/∂y, `x.length` elements.
 * @param gradX receives ∂loss/∂x, `x.length` elements; may be `gradY` or `x` itself. Allocated when omitted.
 * @returns gradX.
 * @throws {TypeError} an argument that is not a Float32Array.
 * @throws {RangeError} a length mismatch or a partial overlap of the output with an input.
 */
export const tanhBackward = (x: Float32Array, gradY: Float32Array, gradX?: Float32Array | null): Float32Array =>
  actBwd(Act.tanh, x, gradY, gradX, 0, 0);

/** Options of {@link gelu} and {@link geluBackward}. */
export interface GeluOptions {
  /** 'none' (exact erf, the default) or 'tanh'. */
  approximate?: 'none' | 'tanh';
}
/**
 * gelu(x) = x·Φ(x) with the exact normal CDF (`F.gelu`), or with `approximate: 'tanh'`
 * 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))) (Hendrycks & Gimpel 2016).
 * @param x the input, any length.
 * @param y the output, `x.length` elements; may be `x` itself (in place). Allocated when omitted.
 * @param options `approximate`: 'none' (default) or 'tanh'.
 * @returns y.
 * @throws {TypeError} an argument that is not a Float32Array, or an option of the wrong type.
 * @throws {RangeError} a length mismatch, a partial overlap of the output with an input, or an unknown `approximate`.
 */
export const gelu = (x: Float32Array, y?: Float32Array | null, options?: GeluOptions): Float32Array => actFwd(geluOf(options), x, y, 0, 0);
/**
 * gradX = gradY·gelu'(x) for the chosen form.
 * @param x the forward's input.
 * @param gradY ∂loss/∂y, `x.length` elements.
 * @param gradX receives ∂loss/∂x, `x.length` elements; may be `gradY` or `x` itself. Allocated when omitted.
 * @param options `approximate`: 'none' (default) or 'tanh', as in the forward.
 * @returns gradX.
 * @throws {TypeError} an argument that is not a Float32Array, or an option of the wrong type.
 * @throws {RangeError} a length mismatch, a partial overlap of the output with an input, or an unknown `approximate`.
 */
export const geluBackward = (x: Float32Array, gradY: Float32Array, gradX?: Float32Array | null, options?: GeluOptions): Float32Array =>
  actBwd(geluOf(options), x, gradY, gradX, 0, 0);

/** Options of {@link elu} and {@link eluBackward}. */
export interface EluOptions {
  /** Scale of the negative part (not NaN). Default 1. */
  alpha?: number;
}
/**
 * elu(x) = x for x > 0, else alpha·(e^x − 1) (`F.elu`, default alpha 1; Clevert et al. 2015).
 * @param x the input, any length.
 * @param y the output, `x.length` elements; may be `x` itself (in place). Allocated when omitted.
 * @param options `alpha` (default 1).
 * @returns y.
 * @throws {TypeError} an argument that is not a Float32Array, or an option of the wrong type.
 * @throws {RangeError} a length mismatch, a partial overlap of the output with an input, or a NaN option.
 */
export const elu = (x: Float32Array, y?: Float32Array | null, options?: EluOptions): Float32Array => actFwd(Act.elu, x, y, alphaOf(options), 0);
/**
 * gradX = gradY·(x > 0 ? 1 : alpha·e^x).
 * @param x the forward's input.
 * @param gradY ∂loss/∂y, `x.length` elements.
 * @param gradX receives ∂loss/∂x, `x.length` elements; may be `gradY` or `x` itself. Allocated when omitted.
 * @param options `alpha` (default 1), as in the forward.
 * @returns gradX.
 * @throws {TypeError} an argument that is not a Float32Array, or an option of the wrong type.
 * @throws {RangeError} a length mismatch, a partial overlap of the output with an input, or a NaN option.
 */
export const eluBackward = (x: Float32Array, gradY: Float32Array, gradX?: Float32Array | null, options?: EluOptions): Float32Array =>
  actBwd(Act.elu, x, gradY, gradX, alphaOf(options), 0);

/** Options of {@link softplus} and {@link softplusBackward}. */
export interface SoftplusOptions {
  /** Sharpness (finite, non-zero). Default 1. */
  beta?: number;
  /** Above beta·x > threshold the function is x itself (not NaN). Default 20. */
  threshold?: number;
}
/**
 * softplus(x) = log(1 + e^(beta·x)) / beta, and x itself where beta·x > threshold (`F.softplus`,
 * defaults beta 1, threshold 20).
 * @param x the input, any length.
 * @param y the output, `x.length` elements; may be `x` itself (in place). Allocated when omitted.
 * @param options `beta` (default 1) and `threshold` (default 20).
 * @returns y.
 * @throws {TypeError} an argument that is not a Float32Array, or an option of the wrong type.
 * @throws {RangeError} a length mismatch or partial overlap, beta 0 or not finite, threshold NaN.
 */
export const softplus = (x: Float32Array, y?: Float32Array | null, options?: SoftplusOptions): Float32Array =>
  actFwd(Act.softplus, x, y, ...softplusOf(options));
/**
 * gradX = gradY·σ(beta·x), and gradY where beta·x > threshold.
 * @param x the forward's input.
 * @param gradY ∂loss/∂y, `x.length` elements.
 * @param gradX receives ∂loss/∂x, `x.length` elements; may be `gradY` or `x` itself. Allocated when omitted.
 * @param options `beta` (default 1) and `threshold` (default 20), as in the forward.
 * @returns gradX.
 * @throws {TypeError} an argument that is not a Float32Array, or an option of the wrong type.
 * @throws {RangeError} a length mismatch or partial overlap, beta 0 or not finite, threshold NaN.
 */
export const softplusBackward = (x: Float32Array, gradY: Float32Array, gradX?: Float32Array | null, options?: SoftplusOptions): Float32Array =>
  actBwd(Act.softplus, x, gradY, gradX, ...softplusOf(options));

// ---- losses -------------------------------------------------------------------------------------

function lossGrad(gradInput: unknown, input: Float32Array, target: Float32Array | Int32Array): Float32Array | null {
  const G = optionalF32('gradInput', gradInput);
  if (!G) return null;
  exactly('gradInput', G, input.length, 'input.length');
  noAlias('gradInput', G, 'input', input, true);
  noAlias('gradInput', G, 'target', target);
  return G;
}

/** Options of {@link mseLoss}. */
export interface MseOptions {
  /** 'mean' divides the sum by the element count N; 'sum' does not. Default 'mean'. */
  reduction?: 'mean' | 'sum';
}

/**
 * `F.mse_loss`: returns Σ(x − t)² (÷N for reduction 'mean', the default; NaN for an empty mean, as
 * PyTorch) accumulated in float64; writes the gradient 2(x − t) (÷N) into gradInput if given (it may
 * be input itself).
 * @param input the prediction x, any length N.
 * @param target t, N elements.
 * @param gradInput receives ∂loss/∂input, N elements; may be `input` itself. Omit or null to skip.
 * @param options `reduction` (default 'mean').
 * @returns the loss.
 * @throws {TypeError} input/target/gradInput not Float32Array.
 * @throws {RangeError} length mismatch, gradInput overlapping target (or partly overlapping input),
 *   an unknown reduction.
 */
export function mseLoss(input: Float32Array, target: Float32Array, gradInput?: Float32Array | null, options?: MseOptions): number {
  const X = f32('input', input);
  const T = f32('target', target);
  exactly('target', T, X.length, 'input.length');
  const o = checkOptions('options', options);
  const r = o.reduction ?? 'mean';
  if (r !== 'mean' && r !== 'sum') invalidArg('options.reduction', '"mean" or "sum"', r, typeof r === 'string' ? 'range' : 'type');
  return getBackend().mseLoss(X, T, lossGrad(gradInput, X, T), r === 'mean');
}

/** Options of {@link crossEntropyLoss}. */
export interface CrossEntropyOptions {
  /** Classes per row; default logits.length / labels.length. */
  numClasses?: number;
}

/**
 * F.cross_entropy with int32 class labels, mean over the batch: logits [batch, classes], labels [batch].
 * Returns the loss; writes (softmax − onehot)/batch into gradInput if given. A label outside
 * [0, classes) is a RangeError (nothing is written).
 * @param logits [batch, classes] row-major, unnormalised scores.
 * @param labels [batch] class indices.
 * @param gradInput receives ∂loss/∂logits, [batch, classes]; may be `logits` itself. Omit or null to skip.
 * @param options `numClasses` (inferred from the lengths by default; required for an empty batch).
 * @returns the mean loss.
 * @throws {TypeError} logits or gradInput not a Float32Array, labels not an Int32Array, or an empty
 *   batch without numClasses.
 * @throws {RangeError} lengths that do not match, a label out of range, or gradInput overlapping
 *   labels (or partly overlapping logits).
 */
export function crossEntropyLoss(logits: Float32Array, labels: Int32Array, gradInput?: Float32Array | null, options?: CrossEntropyOptions): number {
  const X = f32('logits', logits);
  if (!(labels instanceof Int32Array)) invalidArg('labels', 'an Int32Array of class indices', labels);
  const batch = labels.length;
  const o = checkOptions('options', options);
  let classes: number;
  if (o.numClasses !== undefined) classes = dim('options.numClasses', o.numClasses);
  else {
    if (batch === 0) invalidArg('options.numClasses', 'a number of classes (it cannot be inferred from an empty batch)', o.numClasses);
    classes = X.length / batch;
    if (!Number.isInteger(classes)) invalidArg('logits', `a multiple of labels.length (${batch}) elements`, X, 'range');
  }
  exactly('logits', X, batch * classes, 'labels.length·numClasses');
  for (let b = 0; b < batch; b++) {
    const t = labels[b];
    if (t < 0 || t >= classes) invalidArg(`labels[${b}]`, `a class index in [0, ${classes})`, t, 'range');
  }
  const G = optionalF32('gradInput', gradInput);
  if (G) {
    exactly('gradInput', G, X.length, 'logits.length');
    noAlias('gradInput', G, 'logits', X, true);
    noAlias('gradInput', G, 'labels', labels);
  }
  return getBackend().crossEntropyLoss(X, labels, G, batch, classes);
}

/**
 * `F.binary_cross_entropy_with_logits` (mean): mean of max(x, 0) − x·t + log(1 + e^−|x|), stable for
 * any logits; writes the gradient (σ(x) − t)/N into gradInput if given (it may be input itself).
 * @param input logits x, any length N.
 * @param target t, N elements (probabilities, usually 0 or 1).
 * @param gradInput receives ∂loss/∂input, N elements; may be `input` itself. Omit or null to skip.
 * @returns the mean loss.
 * @throws {TypeError} a non-Float32Array.
 * @throws {RangeError} a length mismatch or overlap.
 */
export function bceWithLogitsLoss(input: Float32Array, target: Float32Array, gradInput?: Float32Array | null): number {
  const X = f32('input', input);
  const T = f32('target', target);
  exactly('target', T, X.length, 'input.length');
  return getBackend().bceWithLogitsLoss(X, T, lossGrad(gradInput, X, T));
}

// ---- residual -----------------------------------------------------------------------------------

/**
 * y = x + residual (a skip connection), elementwise in float32.
 * @param x the block's output.
 * @param residual the skip branch, `x.length` elements.
 * @param y the output, `x.length` elements; may be x or residual itself (in place). Allocated when omitted.
 * @returns y.
 * @throws {TypeError} an argument that is not a Float32Array.
 * @throws {RangeError} a length mismatch or a partial overlap of y with an input.
 */
export function residualAdd(x: Float32Array, residual: Float32Array, y?: Float32Array | null): Float32Array {
  const X = f32('x', x);
  const R = f32('residual', residual);
  exactly('residual', R, X.length, 'x.length');
  const Y = y === undefined || y === null ? new Float32Array(X.length) : f32('y', y);
  exactly('y', Y, X.length, 'x.length');
  noAlias('y', Y, 'x', X, true);
  noAlias('y', Y, 'residual', R, true);
  const n = X.length;
  for (let i = 0; i < n; i++) Y[i] = X[i] + R[i];
  return Y;
}

/** Options of {@link residualAddBackward}. */
export interface ResidualBackwardOptions {
  /** Add gradY into gradX/gradResidual instead of overwriting them. Default false. */
  accumulate?: boolean;
}

/**
 * The backward of residualAdd: both branches receive gradY (added when accumulate). Either output may
 * be null (skipped); gradX may be gradY itself (then it already holds the answer unless accumulating).
 * @param gradY ∂loss/∂y.
 * @param gradX receives ∂loss/∂x, `gradY.length` elements, or null.
 * @param gradResidual receives ∂loss/∂residual, `gradY.length` elements, or null; disjoint from gradX.
 * @param options `accumulate` (default false); when accumulating no output may share memory with gradY.
 * @throws {TypeError} an argument that is not a Float32Array (or null), or a non-boolean accumulate.
 * @throws {RangeError} a length mismatch or a forbidden overlap.
 */
export function residualAddBackward(
  gradY: Float32Array,
  gradX: Float32Array | null,
  gradResidual: Float32Array | null,
  options?: ResidualBackwardOptions,
): void {
  const GY = f32('gradY', gradY);
  const GX = optionalF32('gradX', gradX);
  const GR = optionalF32('gradResidual', gradResidual);
  const accumulate = bool('options.accumulate', checkOptions('options', options).accumulate, false);
  if (GX) exactly('gradX', GX, GY.length, 'gradY.length');
  if (GR) exactly('gradResidual', GR, GY.length, 'gradY.length');
  if (GX) noAlias('gradX', GX, 'gradY', GY, !accumulate);
  if (GR) noAlias('gradResidual', GR, 'gradY', GY, !accumulate);
  if (GX && GR) noAlias('gradResidual', GR, 'gradX', GX);
  for (const out of [GX, GR]) {
    if (!out) continue;
    if (accumulate) for (let i = 0; i < GY.length; i++) out[i] += GY[i];
    else if (!(out.buffer === GY.buffer && out.byteOffset === GY.byteOffset)) out.set(GY);
  }
}

// Normalisation and recurrent layers' forward/backward (lib/nn-ops) belong to the same namespace.
export * from '../nn-ops/index.js';
