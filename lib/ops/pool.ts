/**
 * 2-D pooling over NCHW input (PyTorch `F.max_pool2d`, `F.avg_pool2d`, `F.adaptive_avg_pool2d`):
 * forward, backward and their Async forms, and the output-size helpers. Window (i, j) covers rows
 * i·sh − ph + a·dh (a < kh) and columns j·sw − pw + b·dw (b < kw); its valid elements are those
 * inside the input (the padding is never read).
 */
import { invalidArg } from '../errors.js';
import { getBackend } from '../backend/index.js';
import type { Pool2dGeometry } from '../backend/ops-types.js';
import { checkBoolean, checkDim, checkDisjoint, checkOptions, exactly, f32, optionKeys, runAsync, type AsyncArg } from '../validate/index.js';

/** The input's shape [batch, channels, height, width] (NCHW, row-major). */
export interface Pool2dShape {
  /** N. */
  batch: number;
  /** C. */
  channels: number;
  /** H. */
  height: number;
  /** W. */
  width: number;
}

/** Options of the MaxPool2d functions (PyTorch `F.max_pool2d`'s arguments in camelCase). */
export interface MaxPool2dOptions extends Pool2dShape {
  /** Window size: an int for both axes, or [kh, kw]; each >= 1. */
  kernelSize: number | readonly [number, number];
  /** Window step, >= 1; default kernelSize. */
  stride?: number | readonly [number, number];
  /** Implicit −∞ padding on both sides, at most half the kernel (PyTorch's rule); default 0. */
  padding?: number | readonly [number, number];
  /** Spacing of the window's elements, >= 1; default 1. */
  dilation?: number | readonly [number, number];
  /** Round the output size up (a last partial window) instead of down; default false. */
  ceilMode?: boolean;
}

/** Options of the AvgPool2d functions (PyTorch `F.avg_pool2d`, without divisor_override). */
export interface AvgPool2dOptions extends Pool2dShape {
  /** Window size: an int for both axes, or [kh, kw]; each >= 1. */
  kernelSize: number | readonly [number, number];
  /** Window step, >= 1; default kernelSize. */
  stride?: number | readonly [number, number];
  /** Implicit zero padding on both sides, at most half the kernel; default 0. */
  padding?: number | readonly [number, number];
  /** Round the output size up instead of down; default false. */
  ceilMode?: boolean;
  /** Count the padding in each window's divisor; default true (PyTorch's default). */
  countIncludePad?: boolean;
}

/** Options of the AdaptiveAvgPool2d functions (PyTorch `F.adaptive_avg_pool2d`). */
export interface AdaptiveAvgPool2dOptions extends Pool2dShape {
  /** The output's [OH, OW] (an int for both); each >= 1 (it may exceed the input's size). */
  outputSize: number | readonly [number, number];
}

const MAX_KEYS = optionKeys<MaxPool2dOptions>()(['batch', 'channels', 'height', 'width', 'kernelSize', 'stride', 'padding', 'dilation', 'ceilMode']);
const AVG_KEYS = optionKeys<AvgPool2dOptions>()(['batch', 'channels', 'height', 'width', 'kernelSize', 'stride', 'padding', 'ceilMode', 'countIncludePad']);
const ADAPTIVE_KEYS = optionKeys<AdaptiveAvgPool2dOptions>()(['batch', 'channels', 'height', 'width', 'outputSize']);

// Index arithmetic stays exact in int32 (the kernels' indices and the Int32Array of MaxPool2d).
const MAX_PLANE = 2 ** 31 - 1;

/** An int for both axes or an [h, w] pair, each an integer >= min; undefined gives `dflt`. */
function pair(name: string, v: unknown, min: number, dflt?: [number, number]): [number, number] {
  if (v === undefined && dflt) return dflt;
  if (typeof v === 'number') {
    const d = checkDim(name, v, min);
    return [d, d];
  }
  if (!Array.isArray(v) || v.length !== 2) invalidArg(name, `an integer >= ${min} or an [h, w] pair of them`, v);
  return [checkDim(`${name}[0]`, v[0], min), checkDim(`${name}[1]`, v[1], min)];
}

function shapeOf(o: Record<string, unknown>): [number, number, number, number] {
  const dims = [checkDim('options.batch', o.batch), checkDim('options.channels', o.channels), checkDim('options.height', o.height), checkDim('options.width', o.width)] as const;
  if (dims[2] * dims[3] > MAX_PLANE) invalidArg('options.height', `height·width <= ${MAX_PLANE} (got ${dims[2]}×${dims[3]})`, dims[2], 'range');
  return [...dims];
}

/**
 * One axis of a windowed pool: PyTorch's output size (pooling_output_shape) and the checks it
 * makes, plus one PyTorch lacks: every window must hold an input element (with a large dilation it
 * could hold only padding, where PyTorch reads out of bounds).
 */
function axis(axisName: string, size: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  if (p > Math.floor(k / 2)) invalidArg(`options.padding${axisName}`, `at most half the kernel size (${Math.floor(k / 2)} for kernel ${k})`, p, 'range');
  const span = size + 2 * p - d * (k - 1) - 1;
  let out = Math.floor((span + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (out - 1) * s >= size + p) out--;
  if (span < 0 || out < 1) {
    invalidArg(`options.kernelSize${axisName}`, `a window (kernel ${k}, dilation ${d}) that fits the padded input (${size} + 2·${p})`, k, 'range');
  }
  for (let i = 0; i < out; i++) {
    const start = i * s - p;
    let valid = false;
    for (let a = 0; a < k && !valid; a++) valid = start + a * d >= 0 && start + a * d < size;
    if (!valid) invalidArg(`options.dilation${axisName}`, `windows that each hold an input element (window ${i} of kernel ${k}, stride ${s}, padding ${p} holds only padding)`, d, 'range');
  }
  return out;
}

function maxGeometry(fn: string, options: unknown): Pool2dGeometry {
  const o = checkOptions(`ops.${fn}: options`, options, MAX_KEYS);
  const [batch, channels, height, width] = shapeOf(o);
  const [kh, kw] = pair('options.kernelSize', o.kernelSize, 1);
  const [sh, sw] = pair('options.stride', o.stride, 1, [kh, kw]);
  const [ph, pw] = pair('options.padding', o.padding, 0, [0, 0]);
  const [dh, dw] = pair('options.dilation', o.dilation, 1, [1, 1]);
  const ceil = checkBoolean('options.ceilMode', o.ceilMode, false);
  const outHeight = axis('[0]', height, kh, sh, ph, dh, ceil);
  const outWidth = axis('[1]', width, kw, sw, pw, dw, ceil);
  return { batch, channels, height, width, outHeight, outWidth, kh, kw, sh, sw, ph, pw, dh, dw };
}

function avgGeometry(fn: string, options: unknown): [Pool2dGeometry, boolean] {
  const o = checkOptions(`ops.${fn}: options`, options, AVG_KEYS);
  const [batch, channels, height, width] = shapeOf(o);
  const [kh, kw] = pair('options.kernelSize', o.kernelSize, 1);
  const [sh, sw] = pair('options.stride', o.stride, 1, [kh, kw]);
  const [ph, pw] = pair('options.padding', o.padding, 0, [0, 0]);
  const ceil = checkBoolean('options.ceilMode', o.ceilMode, false);
  const include = checkBoolean('options.countIncludePad', o.countIncludePad, true);
  const outHeight = axis('[0]', height, kh, sh, ph, 1, ceil);
  const outWidth = axis('[1]', width, kw, sw, pw, 1, ceil);
  return [{ batch, channels, height, width, outHeight, outWidth, kh, kw, sh, sw, ph, pw, dh: 1, dw: 1 }, include];
}

function adaptiveGeometry(fn: string, options: unknown): Pool2dGeometry {
  const o = checkOptions(`ops.${fn}: options`, options, ADAPTIVE_KEYS);
  const [batch, channels, height, width] = shapeOf(o);
  const [outHeight, outWidth] = pair('options.outputSize', o.outputSize, 1);
  if (outHeight * outWidth > MAX_PLANE) invalidArg('options.outputSize', `OH·OW <= ${MAX_PLANE}`, o.outputSize, 'range');
  // An empty input axis leaves every bin empty (PyTorch refuses it too).
  if (height === 0) invalidArg('options.height', 'height >= 1 (adaptive pooling averages over bins of the input)', height, 'range');
  if (width === 0) invalidArg('options.width', 'width >= 1 (adaptive pooling averages over bins of the input)', width, 'range');
  return { batch, channels, height, width, outHeight, outWidth, kh: 1, kw: 1, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1 };
}

const inLen = (g: Pool2dGeometry): number => g.batch * g.channels * g.height * g.width;
const outLen = (g: Pool2dGeometry): number => g.batch * g.channels * g.outHeight * g.outWidth;
const inShape = (g: Pool2dGeometry): string => `[${g.batch}, ${g.channels}, ${g.height}, ${g.width}]`;
const outShape = (g: Pool2dGeometry): string => `[${g.batch}, ${g.channels}, ${g.outHeight}, ${g.outWidth}]`;

/** x (in) and y (out) of a forward: lengths, and y shares no memory with x. */
function forwardArrays(x: unknown, y: unknown, g: Pool2dGeometry): [Float32Array, Float32Array] {
  const X = f32('x', x);
  const Y = f32('y', y);
  exactly('x', X, inLen(g), `x ${inShape(g)}`);
  exactly('y', Y, outLen(g), `y ${outShape(g)}`);
  return [X, Y];
}

/** gradY (in) and gradX (out) of a backward. */
function backwardArrays(gradY: unknown, gradX: unknown, g: Pool2dGeometry): [Float32Array, Float32Array] {
  const GY = f32('gradY', gradY);
  const GX = f32('gradX', gradX);
  exactly('gradY', GY, outLen(g), `gradY ${outShape(g)}`);
  exactly('gradX', GX, inLen(g), `gradX ${inShape(g)}`);
  return [GY, GX];
}

function int32s(name: string, v: unknown, g: Pool2dGeometry, nullable: boolean): Int32Array | null {
  if (v === null && nullable) return null;
  if (!(v instanceof Int32Array)) invalidArg(name, nullable ? 'an Int32Array or null' : 'an Int32Array (from maxPool2dForward)', v);
  exactly(name, v, outLen(g), `${name} [${g.batch}, ${g.channels}, ${g.outHeight}, ${g.outWidth}]`);
  return v;
}

/**
 * MaxPool2d's output size [OH, OW] (PyTorch's formula): per axis
 * ⌊(H + 2·p − d·(k − 1) − 1 + (ceilMode ? s − 1 : 0)) / s⌋ + 1, one less with ceilMode when the last
 * window would start past the input and its top/left padding.
 * @param options the pooling's shape and window.
 * @returns [outHeight, outWidth].
 * @throws {TypeError|RangeError} as {@link maxPool2dForward} for bad options.
 */
export function maxPool2dOutputSize(options: MaxPool2dOptions): [number, number] {
  const g = maxGeometry('maxPool2dOutputSize', options);
  return [g.outHeight, g.outWidth];
}

/**
 * AvgPool2d's output size [OH, OW]: {@link maxPool2dOutputSize}'s formula with dilation 1.
 * @param options the pooling's shape and window.
 * @returns [outHeight, outWidth].
 * @throws {TypeError|RangeError} as {@link avgPool2dForward} for bad options.
 */
export function avgPool2dOutputSize(options: AvgPool2dOptions): [number, number] {
  const [g] = avgGeometry('avgPool2dOutputSize', options);
  return [g.outHeight, g.outWidth];
}

function maxForwardCall(fn: string, x: Float32Array, y: Float32Array, indices: Int32Array | null, options: MaxPool2dOptions) {
  const g = maxGeometry(fn, options);
  const [X, Y] = forwardArrays(x, y, g);
  const I = int32s('indices', indices, g, true);
  const arrays = checkDisjoint([['y', Y], ['indices', I]], [['x', X]]);
  return { args: { x: X, y: Y, indices: I, g }, arrays };
}

/**
 * MaxPool2d forward (PyTorch `F.max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode,
 * return_indices=True)`): y[n, c, i, j] = the maximum over window (i, j)'s valid elements (the
 * padding never wins). A window holding a NaN gives NaN.
 * @param x the input [N, C, H, W].
 * @param y the output [N, C, OH, OW] (see {@link maxPool2dOutputSize}), written.
 * @param indices null, or an Int32Array of y's length receiving, per window, the flat index h·W + w
 *   within its (n, c) plane of the element it routes to: the first maximal valid element in
 *   row-major window order; a NaN beats every number; an all −∞ window routes to its first valid
 *   element (PyTorch's `return_indices`).
 * @param options the shape, kernelSize, stride, padding, dilation and ceilMode.
 * @returns y.
 * @throws {TypeError} wrong argument types or an unknown option.
 * @throws {RangeError} lengths that do not match the shapes, padding over half the kernel, a window
 *   larger than the padded input, a window holding only padding, or overlapping outputs.
 */
export function maxPool2dForward(x: Float32Array, y: Float32Array, indices: Int32Array | null, options: MaxPool2dOptions): Float32Array {
  const { args } = maxForwardCall('maxPool2dForward', x, y, indices, options);
  getBackend().maxPool2dForward(args);
  return args.y;
}

/**
 * {@link maxPool2dForward} off the main thread (native: a worker thread; pure-TS: a later
 * microtask). Every array belongs to the call until the Promise settles; one over a resizable
 * buffer is a TypeError, one detached meanwhile rejects with `ERR_GRADGUARD_DETACHED`.
 * @param x as {@link maxPool2dForward}.
 * @param y as {@link maxPool2dForward}.
 * @param indices as {@link maxPool2dForward}.
 * @param options as {@link maxPool2dForward}.
 * @returns a Promise of y.
 * @throws {TypeError|RangeError} (rejection) as {@link maxPool2dForward}.
 */
export async function maxPool2dForwardAsync(x: Float32Array, y: Float32Array, indices: Int32Array | null, options: MaxPool2dOptions): Promise<Float32Array> {
  const { args, arrays } = maxForwardCall('maxPool2dForwardAsync', x, y, indices, options);
  await runAsync(arrays, () => getBackend().maxPool2dForwardAsync(args));
  return args.y;
}

function maxBackwardCall(fn: string, gradY: Float32Array, indices: Int32Array, gradX: Float32Array, options: MaxPool2dOptions) {
  const g = maxGeometry(fn, options);
  const [GY, GX] = backwardArrays(gradY, gradX, g);
  const I = int32s('indices', indices, g, false)!;
  const hw = g.height * g.width;
  for (let i = 0; i < I.length; i++) {
    const v = I[i];
    if (!(v >= 0 && v < hw)) invalidArg(`indices[${i}]`, `an index within its ${g.height}×${g.width} plane, from 0 to ${hw - 1}`, v, 'range');
  }
  const arrays: AsyncArg[] = checkDisjoint([['gradX', GX]], [['gradY', GY], ['indices', I]]);
  return { args: { gradY: GY, indices: I, gradX: GX, g }, arrays };
}

/**
 * MaxPool2d backward: gradX is zeroed, then each gradY[n, c, i, j] is added at indices[n, c, i, j]
 * of its plane (overlapping windows sum), as PyTorch's max_pool2d_with_indices_backward.
 * @param gradY ∂L/∂y [N, C, OH, OW].
 * @param indices the forward's indices [N, C, OH, OW], each in [0, H·W).
 * @param gradX ∂L/∂x [N, C, H, W], overwritten.
 * @param options as given to the forward.
 * @returns gradX.
 * @throws {TypeError|RangeError} as {@link maxPool2dForward}, or an index outside its plane.
 */
export function maxPool2dBackward(gradY: Float32Array, indices: Int32Array, gradX: Float32Array, options: MaxPool2dOptions): Float32Array {
  const { args } = maxBackwardCall('maxPool2dBackward', gradY, indices, gradX, options);
  getBackend().maxPool2dBackward(args);
  return args.gradX;
}

/**
 * {@link maxPool2dBackward} off the main thread, under the buffer rule of {@link maxPool2dForwardAsync}.
 * @param gradY as {@link maxPool2dBackward}.
 * @param indices as {@link maxPool2dBackward}.
 * @param gradX as {@link maxPool2dBackward}.
 * @param options as {@link maxPool2dBackward}.
 * @returns a Promise of gradX.
 * @throws {TypeError|RangeError} (rejection) as {@link maxPool2dBackward}.
 */
export async function maxPool2dBackwardAsync(gradY: Float32Array, indices: Int32Array, gradX: Float32Array, options: MaxPool2dOptions): Promise<Float32Array> {
  const { args, arrays } = maxBackwardCall('maxPool2dBackwardAsync', gradY, indices, gradX, options);
  await runAsync(arrays, () => getBackend().maxPool2dBackwardAsync(args));
  return args.gradX;
}

function avgForwardCall(g: Pool2dGeometry, x: Float32Array, y: Float32Array, countIncludePad: boolean, adaptive: boolean) {
  const [X, Y] = forwardArrays(x, y, g);
  const arrays = checkDisjoint([['y', Y]], [['x', X]]);
  return { args: { x: X, y: Y, g, countIncludePad, adaptive }, arrays };
}

function avgBackwardCall(g: Pool2dGeometry, gradY: Float32Array, gradX: Float32Array, countIncludePad: boolean, adaptive: boolean) {
  const [GY, GX] = backwardArrays(gradY, gradX, g);
  const arrays = checkDisjoint([['gradX', GX]], [['gradY', GY]]);
  return { args: { gradY: GY, gradX: GX, g, countIncludePad, adaptive }, arrays };
}

/**
 * AvgPool2d forward (PyTorch `F.avg_pool2d`): y = the sum over window (i, j)'s valid elements
 * divided by kh·kw clipped to the padded input (countIncludePad) or by the number of valid
 * elements; float64 sums.
 * @param x the input [N, C, H, W].
 * @param y the output [N, C, OH, OW] (see {@link avgPool2dOutputSize}), written.
 * @param options the shape, kernelSize, stride, padding, ceilMode and countIncludePad.
 * @returns y.
 * @throws {TypeError} wrong argument types or an unknown option.
 * @throws {RangeError} lengths that do not match the shapes, padding over half the kernel, a window
 *   larger than the padded input, or y sharing memory with x.
 */
export function avgPool2dForward(x: Float32Array, y: Float32Array, options: AvgPool2dOptions): Float32Array {
  const [g, include] = avgGeometry('avgPool2dForward', options);
  const { args } = avgForwardCall(g, x, y, include, false);
  getBackend().avgPool2dForward(args);
  return args.y;
}

/**
 * {@link avgPool2dForward} off the main thread, under the buffer rule of {@link maxPool2dForwardAsync}.
 * @param x as {@link avgPool2dForward}.
 * @param y as {@link avgPool2dForward}.
 * @param options as {@link avgPool2dForward}.
 * @returns a Promise of y.
 * @throws {TypeError|RangeError} (rejection) as {@link avgPool2dForward}.
 */
export async function avgPool2dForwardAsync(x: Float32Array, y: Float32Array, options: AvgPool2dOptions): Promise<Float32Array> {
  const [g, include] = avgGeometry('avgPool2dForwardAsync', options);
  const { args, arrays } = avgForwardCall(g, x, y, include, false);
  await runAsync(arrays, () => getBackend().avgPool2dForwardAsync(args));
  return args.y;
}

/**
 * AvgPool2d backward: gradX is zeroed, then each window's gradY / divisor (the forward's) is added
 * to each of its valid elements.
 * @param gradY ∂L/∂y [N, C, OH, OW].
 * @param gradX ∂L/∂x [N, C, H, W], overwritten.
 * @param options as given to the forward.
 * @returns gradX.
 * @throws {TypeError|RangeError} as {@link avgPool2dForward}.
 */
export function avgPool2dBackward(gradY: Float32Array, gradX: Float32Array, options: AvgPool2dOptions): Float32Array {
  const [g, include] = avgGeometry('avgPool2dBackward', options);
  const { args } = avgBackwardCall(g, gradY, gradX, include, false);
  getBackend().avgPool2dBackward(args);
  return args.gradX;
}

/**
 * {@link avgPool2dBackward} off the main thread, under the buffer rule of {@link maxPool2dForwardAsync}.
 * @param gradY as {@link avgPool2dBackward}.
 * @param gradX as {@link avgPool2dBackward}.
 * @param options as {@link avgPool2dBackward}.
 * @returns a Promise of gradX.
 * @throws {TypeError|RangeError} (rejection) as {@link avgPool2dBackward}.
 */
export async function avgPool2dBackwardAsync(gradY: Float32Array, gradX: Float32Array, options: AvgPool2dOptions): Promise<Float32Array> {
  const [g, include] = avgGeometry('avgPool2dBackwardAsync', options);
  const { args, arrays } = avgBackwardCall(g, gradY, gradX, include, false);
  await runAsync(arrays, () => getBackend().avgPool2dBackwardAsync(args));
  return args.gradX;
}

/**
 * AdaptiveAvgPool2d forward (PyTorch `F.adaptive_avg_pool2d`): y[n, c, i, j] = the mean over rows
 * [⌊i·H/OH⌋, ⌈(i+1)·H/OH⌉) and columns [⌊j·W/OW⌋, ⌈(j+1)·W/OW⌉) (bins may overlap; OH may exceed H);
 * float64 sums. outputSize [1, 1] is a global average pool.
 * @param x the input [N, C, H, W], H and W >= 1.
 * @param y the output [N, C, OH, OW], written.
 * @param options the shape and outputSize.
 * @returns y.
 * @throws {TypeError} wrong argument types or an unknown option.
 * @throws {RangeError} lengths that do not match the shapes, an empty input plane, or y sharing
 *   memory with x.
 */
export function adaptiveAvgPool2dForward(x: Float32Array, y: Float32Array, options: AdaptiveAvgPool2dOptions): Float32Array {
  const g = adaptiveGeometry('adaptiveAvgPool2dForward', options);
  const { args } = avgForwardCall(g, x, y, false, true);
  getBackend().avgPool2dForward(args);
  return args.y;
}

/**
 * {@link adaptiveAvgPool2dForward} off the main thread, under the buffer rule of {@link maxPool2dForwardAsync}.
 * @param x as {@link adaptiveAvgPool2dForward}.
 * @param y as {@link adaptiveAvgPool2dForward}.
 * @param options as {@link adaptiveAvgPool2dForward}.
 * @returns a Promise of y.
 * @throws {TypeError|RangeError} (rejection) as {@link adaptiveAvgPool2dForward}.
 */
export async function adaptiveAvgPool2dForwardAsync(x: Float32Array, y: Float32Array, options: AdaptiveAvgPool2dOptions): Promise<Float32Array> {
  const g = adaptiveGeometry('adaptiveAvgPool2dForwardAsync', options);
  const { args, arrays } = avgForwardCall(g, x, y, false, true);
  await runAsync(arrays, () => getBackend().avgPool2dForwardAsync(args));
  return args.y;
}

/**
 * AdaptiveAvgPool2d backward: gradX is zeroed, then each bin's gradY / bin size is added to every
 * element of the bin.
 * @param gradY ∂L/∂y [N, C, OH, OW].
 * @param gradX ∂L/∂x [N, C, H, W], overwritten.
 * @param options as given to the forward.
 * @returns gradX.
 * @throws {TypeError|RangeError} as {@link adaptiveAvgPool2dForward}.
 */
export function adaptiveAvgPool2dBackward(gradY: Float32Array, gradX: Float32Array, options: AdaptiveAvgPool2dOptions): Float32Array {
  const g = adaptiveGeometry('adaptiveAvgPool2dBackward', options);
  const { args } = avgBackwardCall(g, gradY, gradX, false, true);
  getBackend().avgPool2dBackward(args);
  return args.gradX;
}

/**
 * {@link adaptiveAvgPool2dBackward} off the main thread, under the buffer rule of {@link maxPool2dForwardAsync}.
 * @param gradY as {@link adaptiveAvgPool2dBackward}.
 * @param gradX as {@link adaptiveAvgPool2dBackward}.
 * @param options as {@link adaptiveAvgPool2dBackward}.
 * @returns a Promise of gradX.
 * @throws {TypeError|RangeError} (rejection) as {@link adaptiveAvgPool2dBackward}.
 */
export async function adaptiveAvgPool2dBackwardAsync(gradY: Float32Array, gradX: Float32Array, options: AdaptiveAvgPool2dOptions): Promise<Float32Array> {
  const g = adaptiveGeometry('adaptiveAvgPool2dBackwardAsync', options);
  const { args, arrays } = avgBackwardCall(g, gradY, gradX, false, true);
  await runAsync(arrays, () => getBackend().avgPool2dBackwardAsync(args));
  return args.gradX;
}
