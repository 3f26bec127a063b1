/** Elementwise activations and their backward passes (`torch.nn.functional` semantics). */
import { getBackend } from '../backend/index.js';
import { invalidArg } from '../errors.js';
import type { ActivationKind } from '../backend/kinds.js';
import { checkDisjointPair, checkNumber, checkOptions, optionKeys, exactly, f32 } from '../validate/index.js';

export { Act, type ActFn } from '../backend/kinds.js';

function actFwd(kind: ActivationKind, x: unknown, y: unknown, p0: number, p1: number): Float32Array {
  const X = f32('x', x);
  const Y = y === undefined || y === null ? new Float32Array(X.length) : f32('y', y);
  exactly('y', Y, X.length, 'x.length');
  checkDisjointPair('y', Y, 'x', X, true);
  getBackend().activationForward({ kind, p0, p1 }, X, Y);
  return Y;
}

function actBwd(kind: ActivationKind, x: unknown, gradY: unknown, gradX: unknown, p0: number, p1: number): Float32Array {
  const X = f32('x', x);
  const GY = f32('gradY', gradY);
  exactly('gradY', GY, X.length, 'x.length');
  const GX = gradX === undefined || gradX === null ? new Float32Array(X.length) : f32('gradX', gradX);
  exactly('gradX', GX, X.length, 'x.length');
  checkDisjointPair('gradX', GX, 'gradY', GY, true);
  checkDisjointPair('gradX', GX, 'x', X, true);
  getBackend().activationBackward({ kind, p0, p1 }, X, GY, GX);
  return GX;
}

function slopeOf(options: unknown): number {
  const o = checkOptions('ops.leakyRelu(Backward): options', options, LEAKY_KEYS);
  return o.negativeSlope === undefined ? 0.01 : checkNumber('options.negativeSlope', o.negativeSlope);
}
function alphaOf(options: unknown): number {
  const o = checkOptions('ops.elu(Backward): options', options, ELU_KEYS);
  return o.alpha === undefined ? 1 : checkNumber('options.alpha', o.alpha);
}
function softplusOf(options: unknown): [number, number] {
  const o = checkOptions('ops.softplus(Backward): options', options, SOFTPLUS_KEYS);
  const beta = o.beta === undefined ? 1 : checkNumber('options.beta', o.beta, true);
  if (beta === 0) invalidArg('options.beta', 'a finite non-zero number', beta, 'range');
  const threshold = o.threshold === undefined ? 20 : checkNumber('options.threshold', o.threshold);
  return [beta, threshold];
}
function geluOf(options: unknown): ActivationKind {
  const o = checkOptions('ops.gelu(Backward): options', options, GELU_KEYS);
  if (o.approximate === undefined || o.approximate === 'none') return 'gelu';
  if (o.approximate === 'tanh') return 'geluTanh';
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
export const relu = (x: Float32Array, y?: Float32Array | null): Float32Array => actFwd('relu', x, y, 0, 0);
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
  actBwd('relu', x, gradY, gradX, 0, 0);

/** Options of {@link leakyRelu} and {@link leakyReluBackward}. */
export interface LeakyReluOptions {
  /** Slope for x <= 0 (not NaN). Default 0.01. */
  negativeSlope?: number;
}

const LEAKY_KEYS = optionKeys<LeakyReluOptions>()(['negativeSlope']);
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
  actFwd('leakyRelu', x, y, slopeOf(options), 0);
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
  actBwd('leakyRelu', x, gradY, gradX, slopeOf(options), 0);

/**
 * sigmoid(x) = 1 / (1 + e^−x) (`torch.sigmoid`), computed from e^−|x|: exact 0 and 1 in the tails.
 * @param x the input, any length.
 * @param y the output, `x.length` elements; may be `x` itself (in place). Allocated when omitted.
 * @returns y.
 * @throws {TypeError} an argument that is not a Float32Array.
 * @throws {RangeError} a length mismatch or a partial overlap of the output with an input.
 */
export const sigmoid = (x: Float32Array, y?: Float32Array | null): Float32Array => actFwd('sigmoid', x, y, 0, 0);
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
  actBwd('sigmoid', x, gradY, gradX, 0, 0);

/**
 * tanh(x) (`torch.tanh`).
 * @param x the input, any length.
 * @param y the output, `x.length` elements; may be `x` itself (in place). Allocated when omitted.
 * @returns y.
 * @throws {TypeError} an argument that is not a Float32Array.
 * @throws {RangeError} a length mismatch or a partial overlap of the output with an input.
 */
export const tanh = (x: Float32Array, y?: Float32Array | null): Float32Array => actFwd('tanh', x, y, 0, 0);
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
  actBwd('tanh', x, gradY, gradX, 0, 0);

/** Options of {@link gelu} and {@link geluBackward}. */
export interface GeluOptions {
  /** 'none' (exact erf, the default) or 'tanh'. */
  approximate?: 'none' | 'tanh';
}

const GELU_KEYS = optionKeys<GeluOptions>()(['approximate']);
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

const ELU_KEYS = optionKeys<EluOptions>()(['alpha']);
/**
 * elu(x) = x for x > 0, else alpha·(e^x − 1) (`F.elu`, default alpha 1; Clevert et al. 2015).
 * @param x the input, any length.
 * @param y the output, `x.length` elements; may be `x` itself (in place). Allocated when omitted.
 * @param options `alpha` (default 1).
 * @returns y.
 * @throws {TypeError} an argument that is not a Float32Array, or an option of the wrong type.
 * @throws {RangeError} a length mismatch, a partial overlap of the output with an input, or a NaN option.
 */
export const elu = (x: Float32Array, y?: Float32Array | null, options?: EluOptions): Float32Array => actFwd('elu', x, y, alphaOf(options), 0);
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
  actBwd('elu', x, gradY, gradX, alphaOf(options), 0);

/** Options of {@link softplus} and {@link softplusBackward}. */
export interface SoftplusOptions {
  /** Sharpness (finite, non-zero). Default 1. */
  beta?: number;
  /** Above beta·x > threshold the function is x itself (not NaN). Default 20. */
  threshold?: number;
}

const SOFTPLUS_KEYS = optionKeys<SoftplusOptions>()(['beta', 'threshold']);
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
  actFwd('softplus', x, y, ...softplusOf(options));
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
  actBwd('softplus', x, gradY, gradX, ...softplusOf(options));
