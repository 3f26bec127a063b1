/**
 * `F.conv2d` and `F.conv1d` forward and backward (PyTorch layouts: NCHW / NCL, weight
 * [out, in/groups, kh, kw] / [out, in/groups, k]), sync and async. Conv1d is conv2d of height 1.
 */
import { getBackend } from '../backend/index.js';
import type { ConvGeometry } from '../backend/ops-types.js';
import { invalidArg } from '../errors.js';
import { checkBoolean, checkDim, checkDisjoint, checkOptions, exactly, f32, optionalF32, optionKeys, runAsync, type AsyncArg, type Named } from '../validate/index.js';

/** A size per spatial axis: one integer for both, or `[h, w]`. */
export type Pair = number | readonly [number, number];

/** Shape and hyper-parameters of {@link conv2dForward} (PyTorch's `nn.Conv2d` names). */
export interface Conv2dOptions {
  /** N, samples. */
  batch: number;
  /** C_in, channels of x. */
  inChannels: number;
  /** C_out, channels of y. */
  outChannels: number;
  /** H of x. */
  height: number;
  /** W of x. */
  width: number;
  /** Kernel [kh, kw] (or one integer for both), >= 1. */
  kernelSize: Pair;
  /** Step between windows, >= 1. Default 1. */
  stride?: Pair;
  /** Zeros added on both sides of each axis, >= 0 (may exceed the kernel). Default 0. */
  padding?: Pair;
  /** Spacing between kernel taps, >= 1. Default 1. */
  dilation?: Pair;
  /** Channel groups; divides inChannels and outChannels (groups = channels: depthwise). Default 1. */
  groups?: number;
}

/** {@link Conv2dOptions} and whether the backward accumulates. */
export interface Conv2dBackwardOptions extends Conv2dOptions {
  /** Add into gradWeight/gradBias instead of overwriting them (gradX is always overwritten). Default false. */
  accumulate?: boolean;
}

/** Shape and hyper-parameters of {@link conv1dForward} (PyTorch's `nn.Conv1d` names). */
export interface Conv1dOptions {
  /** N, samples. */
  batch: number;
  /** C_in, channels of x. */
  inChannels: number;
  /** C_out, channels of y. */
  outChannels: number;
  /** L, length of x. */
  length: number;
  /** Kernel length k, >= 1. */
  kernelSize: number;
  /** Step between windows, >= 1. Default 1. */
  stride?: number;
  /** Zeros added on both ends, >= 0. Default 0. */
  padding?: number;
  /** Spacing between kernel taps, >= 1. Default 1. */
  dilation?: number;
  /** Channel groups; divides inChannels and outChannels. Default 1. */
  groups?: number;
}

/** {@link Conv1dOptions} and whether the backward accumulates. */
export interface Conv1dBackwardOptions extends Conv1dOptions {
  /** Add into gradWeight/gradBias instead of overwriting them (gradX is always overwritten). Default false. */
  accumulate?: boolean;
}

/** Output buffers of {@link conv2dBackward} / {@link conv1dBackward}; each may be omitted or null to skip it. */
export interface ConvGradOutputs {
  /** ∂L/∂x, the shape of x (always overwritten); omit or null to skip. */
  gradX?: Float32Array | null;
  /** ∂L/∂weight, the shape of weight (added to when accumulate); omit or null to skip. */
  gradWeight?: Float32Array | null;
  /** ∂L/∂bias [outChannels] = Σ gradY over samples and positions (added to when accumulate); omit or null to skip. */
  gradBias?: Float32Array | null;
}

const CONV2D_KEYS = optionKeys<Conv2dOptions>()(['batch', 'inChannels', 'outChannels', 'height', 'width', 'kernelSize', 'stride', 'padding', 'dilation', 'groups']);
const CONV2D_BACKWARD_KEYS = optionKeys<Conv2dBackwardOptions>()([...CONV2D_KEYS, 'accumulate']);
const CONV1D_KEYS = optionKeys<Conv1dOptions>()(['batch', 'inChannels', 'outChannels', 'length', 'kernelSize', 'stride', 'padding', 'dilation', 'groups']);
const CONV1D_BACKWARD_KEYS = optionKeys<Conv1dBackwardOptions>()([...CONV1D_KEYS, 'accumulate']);
const GRAD_KEYS = optionKeys<ConvGradOutputs>()(['gradX', 'gradWeight', 'gradBias']);

function pair(name: string, v: unknown, dflt: number, min: number): [number, number] {
  if (v === undefined) return [dflt, dflt];
  if (typeof v === 'number') {
    const d = checkDim(name, v, min);
    return [d, d];
  }
  if (!Array.isArray(v) || v.length !== 2) invalidArg(name, min === 0 ? 'a non-negative integer or an [h, w] pair of them' : `an integer >= ${min} or an [h, w] pair of them`, v);
  return [checkDim(`${name}[0]`, v[0], min), checkDim(`${name}[1]`, v[1], min)];
}

function one(name: string, v: unknown, dflt: number, min: number): number {
  return v === undefined ? dflt : checkDim(name, v, min);
}

/** The output extent of one axis, or a RangeError (naming the sizes) when the dilated kernel exceeds the padded input. */
function outExtent(axis: string, size: number, k: number, s: number, p: number, d: number): number {
  const span = d * (k - 1) + 1;
  if (span > size + 2 * p) {
    const e = new RangeError(
      `options.kernelSize: the kernel (${k}, dilation ${d}: spans ${span} ${axis}) is larger than the padded input (${size} ${axis} + 2·padding ${p} = ${size + 2 * p})`,
    ) as RangeError & { code: string };
    e.code = 'ERR_OUT_OF_RANGE';
    throw e;
  }
  return Math.floor((size + 2 * p - span) / s) + 1;
}

function geometry2d(fn: string, options: unknown, keys: readonly string[]): ConvGeometry {
  const o = checkOptions(`${fn}: options`, options, keys);
  const batch = checkDim('options.batch', o.batch);
  const inChannels = checkDim('options.inChannels', o.inChannels);
  const outChannels = checkDim('options.outChannels', o.outChannels);
  const height = checkDim('options.height', o.height);
  const width = checkDim('options.width', o.width);
  if (o.kernelSize === undefined) invalidArg('options.kernelSize', 'an integer >= 1 or an [h, w] pair of them', undefined);
  const [kernelH, kernelW] = pair('options.kernelSize', o.kernelSize, 1, 1);
  const [strideH, strideW] = pair('options.stride', o.stride, 1, 1);
  const [padH, padW] = pair('options.padding', o.padding, 0, 0);
  const [dilationH, dilationW] = pair('options.dilation', o.dilation, 1, 1);
  const groups = one('options.groups', o.groups, 1, 1);
  return finish({ batch, inChannels, outChannels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW, groups }, 'rows');
}

function geometry1d(fn: string, options: unknown, keys: readonly string[]): ConvGeometry {
  const o = checkOptions(`${fn}: options`, options, keys);
  const batch = checkDim('options.batch', o.batch);
  const inChannels = checkDim('options.inChannels', o.inChannels);
  const outChannels = checkDim('options.outChannels', o.outChannels);
  const width = checkDim('options.length', o.length);
  const kernelW = checkDim('options.kernelSize', o.kernelSize, 1);
  const strideW = one('options.stride', o.stride, 1, 1);
  const padW = one('options.padding', o.padding, 0, 0);
  const dilationW = one('options.dilation', o.dilation, 1, 1);
  const groups = one('options.groups', o.groups, 1, 1);
  return finish({ batch, inChannels, outChannels, height: 1, width, kernelH: 1, kernelW, strideH: 1, strideW, padH: 0, padW, dilationH: 1, dilationW, groups }, null);
}

function finish(g: Omit<ConvGeometry, 'outHeight' | 'outWidth'>, rows: 'rows' | null): ConvGeometry {
  if (g.inChannels % g.groups !== 0 || g.outChannels % g.groups !== 0) {
    invalidArg('options.groups', `a divisor of inChannels (${g.inChannels}) and outChannels (${g.outChannels})`, g.groups, 'range');
  }
  const outHeight = rows ? outExtent('rows', g.height, g.kernelH, g.strideH, g.padH, g.dilationH) : 1;
  const outWidth = outExtent(rows ? 'columns' : 'elements', g.width, g.kernelW, g.strideW, g.padW, g.dilationW);
  const big = [g.batch * g.inChannels * g.height * g.width, g.batch * g.outChannels * outHeight * outWidth, g.outChannels * (g.inChannels / g.groups) * g.kernelH * g.kernelW];
  if (!big.every(Number.isSafeInteger) || big.some((v) => v > 2 ** 32)) invalidArg('options', 'dimensions whose tensors hold at most 2^32 elements', g, 'range');
  return { ...g, outHeight, outWidth };
}

interface Shapes {
  x: string;
  w: string;
  y: string;
}

function shapes(g: ConvGeometry, is1d: boolean): Shapes {
  const cg = g.inChannels / g.groups;
  return is1d
    ? { x: `[${g.batch}, ${g.inChannels}, ${g.width}]`, w: `[${g.outChannels}, ${cg}, ${g.kernelW}]`, y: `[${g.batch}, ${g.outChannels}, ${g.outWidth}]` }
    : {
        x: `[${g.batch}, ${g.inChannels}, ${g.height}, ${g.width}]`,
        w: `[${g.outChannels}, ${cg}, ${g.kernelH}, ${g.kernelW}]`,
        y: `[${g.batch}, ${g.outChannels}, ${g.outHeight}, ${g.outWidth}]`,
      };
}

const xLen = (g: ConvGeometry): number => g.batch * g.inChannels * g.height * g.width;
const wLen = (g: ConvGeometry): number => g.outChannels * (g.inChannels / g.groups) * g.kernelH * g.kernelW;
const yLen = (g: ConvGeometry): number => g.batch * g.outChannels * g.outHeight * g.outWidth;

function fwdArgs(fn: string, is1d: boolean, x: unknown, weight: unknown, bias: unknown, y: unknown, options: unknown) {
  const X = f32('x', x);
  const W = f32('weight', weight);
  const B = optionalF32('bias', bias);
  const Y = f32('y', y);
  const g = is1d ? geometry1d(fn, options, CONV1D_KEYS) : geometry2d(fn, options, CONV2D_KEYS);
  const s = shapes(g, is1d);
  exactly('x', X, xLen(g), s.x);
  exactly('weight', W, wLen(g), s.w);
  if (B) exactly('bias', B, g.outChannels, `[${g.outChannels}]`);
  exactly('y', Y, yLen(g), s.y);
  const keep = checkDisjoint([['y', Y]], [['x', X], ['weight', W], ['bias', B]]);
  return { geometry: g, x: X, weight: W, bias: B, y: Y, keep };
}

function bwdArgs(fn: string, is1d: boolean, x: unknown, weight: unknown, gradY: unknown, grads: unknown, options: unknown) {
  const X = f32('x', x);
  const W = f32('weight', weight);
  const GY = f32('gradY', gradY);
  const gr = checkOptions(`${fn}: grads`, grads, GRAD_KEYS);
  const gradX = optionalF32('grads.gradX', gr.gradX);
  const gradWeight = optionalF32('grads.gradWeight', gr.gradWeight);
  const gradBias = optionalF32('grads.gradBias', gr.gradBias);
  const g = is1d ? geometry1d(fn, options, CONV1D_BACKWARD_KEYS) : geometry2d(fn, options, CONV2D_BACKWARD_KEYS);
  const accumulate = checkBoolean('options.accumulate', (options as { accumulate?: unknown }).accumulate, false);
  const s = shapes(g, is1d);
  exactly('x', X, xLen(g), s.x);
  exactly('weight', W, wLen(g), s.w);
  exactly('gradY', GY, yLen(g), s.y);
  if (gradX) exactly('grads.gradX', gradX, xLen(g), s.x);
  if (gradWeight) exactly('grads.gradWeight', gradWeight, wLen(g), s.w);
  if (gradBias) exactly('grads.gradBias', gradBias, g.outChannels, `[${g.outChannels}]`);
  const keep: Named[] = checkDisjoint(
    [['grads.gradX', gradX], ['grads.gradWeight', gradWeight], ['grads.gradBias', gradBias]],
    [['x', X], ['weight', W], ['gradY', GY]],
  );
  return { geometry: g, x: X, weight: W, gradY: GY, gradX, gradWeight, gradBias, accumulate, keep };
}

const asyncArgs = (keep: Named[]): AsyncArg[] => keep;

/**
 * Output size of {@link conv2dForward}: `OH = floor((H + 2·ph − dh·(kh − 1) − 1) / sh) + 1`, likewise OW.
 * @param options the shape and hyper-parameters.
 * @returns [outHeight, outWidth].
 * @throws {TypeError} an option of the wrong type or an unknown option.
 * @throws {RangeError} a stride or dilation below 1, negative padding, groups not dividing the
 *   channels, or a dilated kernel larger than the padded input.
 */
export function conv2dOutputSize(options: Conv2dOptions): [outHeight: number, outWidth: number] {
  const g = geometry2d('ops.conv2dOutputSize', options, CONV2D_KEYS);
  return [g.outHeight, g.outWidth];
}

/**
 * Output length of {@link conv1dForward}: `L_out = floor((L + 2·p − d·(k − 1) − 1) / s) + 1`.
 * @param options the shape and hyper-parameters.
 * @throws {TypeError} an option of the wrong type or an unknown option.
 * @throws {RangeError} as {@link conv2dOutputSize}.
 */
export function conv1dOutputLength(options: Conv1dOptions): number {
  return geometry1d('ops.conv1dOutputLength', options, CONV1D_KEYS).outWidth;
}

/**
 * 2-D convolution (`F.conv2d`, cross-correlation: the kernel is not flipped), with G groups of
 * C_g = C_in/G input and O_g = C_out/G output channels: output channel o (group q = ⌊o/O_g⌋) is
 * `y[n,o,i,j] = bias[o] + Σ_{c<C_g, a<kh, b<kw} weight[o,c,a,b] · xp[n, q·C_g + c, i·sh + a·dh, j·sw + b·dw]`,
 * with xp the input zero-padded by ph rows and pw columns on each side. Returns y.
 * @param x [batch, inChannels, height, width].
 * @param weight [outChannels, inChannels/groups, kh, kw].
 * @param bias [outChannels], or null for none.
 * @param y the [batch, outChannels, OH, OW] output ({@link conv2dOutputSize}), disjoint from the inputs.
 * @param options shape, kernelSize, stride, padding, dilation, groups.
 * @throws {TypeError} an argument that is not a Float32Array (bias may be null), or a bad option.
 * @throws {RangeError} a length that does not match the shapes, y sharing memory with an input, or
 *   a bad hyper-parameter (see {@link conv2dOutputSize}); nothing is written.
 */
export function conv2dForward(x: Float32Array, weight: Float32Array, bias: Float32Array | null, y: Float32Array, options: Conv2dOptions): Float32Array {
  const a = fwdArgs('ops.conv2dForward(Async)', false, x, weight, bias, y, options);
  getBackend().convForward(a);
  return a.y;
}

/**
 * {@link conv2dForward} on a worker thread (native backend). The arrays belong to the call until the
 * Promise settles: do not write, resize or transfer them meanwhile. One over a resizable ArrayBuffer
 * or growable SharedArrayBuffer is a TypeError; one detached or resized while the call runs rejects
 * the Promise with GradGuardError `ERR_GRADGUARD_DETACHED`.
 * @param x as {@link conv2dForward}.
 * @param weight as {@link conv2dForward}.
 * @param bias as {@link conv2dForward}.
 * @param y as {@link conv2dForward}.
 * @param options as {@link conv2dForward}.
 * @returns a Promise of y.
 * @throws {TypeError|RangeError} (rejection) as {@link conv2dForward}, or a resizable buffer.
 */
export async function conv2dForwardAsync(x: Float32Array, weight: Float32Array, bias: Float32Array | null, y: Float32Array, options: Conv2dOptions): Promise<Float32Array> {
  const a = fwdArgs('ops.conv2dForward(Async)', false, x, weight, bias, y, options);
  await runAsync(asyncArgs(a.keep), () => getBackend().convForwardAsync(a));
  return a.y;
}

/**
 * The backward of {@link conv2dForward} (PyTorch's autograd of `F.conv2d`):
 * `gradWeight[o,c,a,b] (+)= Σ_{n,i,j} gradY[n,o,i,j] · xp[n, q·C_g + c, i·sh + a·dh, j·sw + b·dw]`,
 * `gradBias[o] (+)= Σ_{n,i,j} gradY[n,o,i,j]`, and gradX the adjoint (each term of y adds
 * gradY·weight at its padded input position; padding cropped; inputs in no window get 0).
 * Any output may be skipped; with `accumulate` gradWeight and gradBias are added to.
 * @param x the forward's input.
 * @param weight the forward's weight.
 * @param gradY ∂L/∂y, [batch, outChannels, OH, OW].
 * @param grads where to write gradX, gradWeight, gradBias.
 * @param options as {@link conv2dForward}, plus `accumulate` (default false).
 * @throws {TypeError} an argument that is not a Float32Array, or a bad option.
 * @throws {RangeError} a length that does not match the shapes, an output sharing memory with an
 *   input or another output, or a bad hyper-parameter; nothing is written.
 */
export function conv2dBackward(x: Float32Array, weight: Float32Array, gradY: Float32Array, grads: ConvGradOutputs, options: Conv2dBackwardOptions): void {
  getBackend().convBackward(bwdArgs('ops.conv2dBackward(Async)', false, x, weight, gradY, grads, options));
}

/**
 * {@link conv2dBackward} on a worker thread (native backend); the buffer rules of
 * {@link conv2dForwardAsync}.
 * @param x as {@link conv2dBackward}.
 * @param weight as {@link conv2dBackward}.
 * @param gradY as {@link conv2dBackward}.
 * @param grads as {@link conv2dBackward}.
 * @param options as {@link conv2dBackward}.
 * @throws {TypeError|RangeError} (rejection) as {@link conv2dBackward}, or a resizable buffer.
 */
export async function conv2dBackwardAsync(x: Float32Array, weight: Float32Array, gradY: Float32Array, grads: ConvGradOutputs, options: Conv2dBackwardOptions): Promise<void> {
  const a = bwdArgs('ops.conv2dBackward(Async)', false, x, weight, gradY, grads, options);
  await runAsync(asyncArgs(a.keep), () => getBackend().convBackwardAsync(a));
}

/**
 * 1-D convolution (`F.conv1d`): {@link conv2dForward} with height 1,
 * `y[n,o,i] = bias[o] + Σ_{c<C_g, a<k} weight[o,c,a] · xp[n, q·C_g + c, i·s + a·d]`. Returns y.
 * @param x [batch, inChannels, length].
 * @param weight [outChannels, inChannels/groups, kernelSize].
 * @param bias [outChannels], or null for none.
 * @param y the [batch, outChannels, L_out] output ({@link conv1dOutputLength}), disjoint from the inputs.
 * @param options shape, kernelSize, stride, padding, dilation, groups.
 * @throws {TypeError} as {@link conv2dForward}.
 * @throws {RangeError} as {@link conv2dForward}.
 */
export function conv1dForward(x: Float32Array, weight: Float32Array, bias: Float32Array | null, y: Float32Array, options: Conv1dOptions): Float32Array {
  const a = fwdArgs('ops.conv1dForward(Async)', true, x, weight, bias, y, options);
  getBackend().convForward(a);
  return a.y;
}

/**
 * {@link conv1dForward} on a worker thread; the buffer rules of {@link conv2dForwardAsync}.
 * @param x as {@link conv1dForward}.
 * @param weight as {@link conv1dForward}.
 * @param bias as {@link conv1dForward}.
 * @param y as {@link conv1dForward}.
 * @param options as {@link conv1dForward}.
 * @returns a Promise of y.
 * @throws {TypeError|RangeError} (rejection) as {@link conv1dForward}, or a resizable buffer.
 */
export async function conv1dForwardAsync(x: Float32Array, weight: Float32Array, bias: Float32Array | null, y: Float32Array, options: Conv1dOptions): Promise<Float32Array> {
  const a = fwdArgs('ops.conv1dForward(Async)', true, x, weight, bias, y, options);
  await runAsync(asyncArgs(a.keep), () => getBackend().convForwardAsync(a));
  return a.y;
}

/**
 * The backward of {@link conv1dForward}: {@link conv2dBackward} with height 1.
 * @param x the forward's input.
 * @param weight the forward's weight.
 * @param gradY ∂L/∂y, [batch, outChannels, L_out].
 * @param grads where to write gradX, gradWeight, gradBias.
 * @param options as {@link conv1dForward}, plus `accumulate` (default false).
 * @throws {TypeError} as {@link conv2dBackward}.
 * @throws {RangeError} as {@link conv2dBackward}.
 */
export function conv1dBackward(x: Float32Array, weight: Float32Array, gradY: Float32Array, grads: ConvGradOutputs, options: Conv1dBackwardOptions): void {
  getBackend().convBackward(bwdArgs('ops.conv1dBackward(Async)', true, x, weight, gradY, grads, options));
}

/**
 * {@link conv1dBackward} on a worker thread; the buffer rules of {@link conv2dForwardAsync}.
 * @param x as {@link conv1dBackward}.
 * @param weight as {@link conv1dBackward}.
 * @param gradY as {@link conv1dBackward}.
 * @param grads as {@link conv1dBackward}.
 * @param options as {@link conv1dBackward}.
 * @throws {TypeError|RangeError} (rejection) as {@link conv1dBackward}, or a resizable buffer.
 */
export async function conv1dBackwardAsync(x: Float32Array, weight: Float32Array, gradY: Float32Array, grads: ConvGradOutputs, options: Conv1dBackwardOptions): Promise<void> {
  const a = bwdArgs('ops.conv1dBackward(Async)', true, x, weight, gradY, grads, options);
  await runAsync(asyncArgs(a.keep), () => getBackend().convBackwardAsync(a));
}
