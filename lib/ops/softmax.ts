/**
 * Softmax and log-softmax over the last dimension (PyTorch `torch.softmax` / `torch.log_softmax` with
 * dim −1) and their backward from the forward's output. Max-subtracted, sums in float64.
 */
import { getBackend } from '../backend/index.js';
import type { SoftmaxBackwardArgs, SoftmaxForwardArgs } from '../backend/ops-types.js';
import { checkDim, checkDisjoint, checkOptions, exactly, f32, optionKeys, runAsync, type AsyncArg } from '../validate/index.js';

/** Shape of a softmax call: x [rows, cols], normalised over cols (the last dimension). */
export interface SoftmaxOptions {
  /** Rows (the product of every leading dimension). */
  rows: number;
  /** Length of the last dimension. */
  cols: number;
}

const KEYS = optionKeys<SoftmaxOptions>()(['rows', 'cols']);

function shape(fn: string, options: unknown): SoftmaxOptions {
  const o = checkOptions(`${fn}: options`, options, KEYS);
  return { rows: checkDim('options.rows', o.rows), cols: checkDim('options.cols', o.cols) };
}

function forwardCall(fn: string, x: unknown, y: unknown, options: unknown, log: boolean): [SoftmaxForwardArgs, AsyncArg[]] {
  const s = shape(fn, options);
  const X = f32('x', x);
  const Y = f32('y', y);
  const what = `[rows ${s.rows}, cols ${s.cols}]`;
  exactly('x', X, s.rows * s.cols, what);
  exactly('y', Y, s.rows * s.cols, what);
  const arrays = checkDisjoint([['y', Y, 'x']], [['x', X]]);
  return [{ x: X, y: Y, rows: s.rows, cols: s.cols, log }, arrays];
}

function backwardCall(fn: string, y: unknown, gradY: unknown, gradX: unknown, options: unknown, log: boolean): [SoftmaxBackwardArgs, AsyncArg[]] {
  const s = shape(fn, options);
  const Y = f32('y', y);
  const GY = f32('gradY', gradY);
  const GX = f32('gradX', gradX);
  const what = `[rows ${s.rows}, cols ${s.cols}]`;
  exactly('y', Y, s.rows * s.cols, what);
  exactly('gradY', GY, s.rows * s.cols, what);
  exactly('gradX', GX, s.rows * s.cols, what);
  const arrays = checkDisjoint([['gradX', GX, ['gradY', 'y']]], [['y', Y], ['gradY', GY]]);
  return [{ y: Y, gradY: GY, gradX: GX, rows: s.rows, cols: s.cols, log }, arrays];
}

/**
 * Softmax over the last dimension, PyTorch `torch.softmax(x, -1)`: per row, with m = max(x),
 * y = e^{x−m} / Σ e^{x−m}. A -Infinity entry gives 0 (masking); a row of all -Infinity gives NaN as
 * PyTorch 1.13 does (−∞ − (−∞)); a NaN makes its row NaN.
 * @param x the input [rows, cols].
 * @param y the output [rows, cols]; may be x itself (in place), else disjoint from it.
 * @param options rows and cols.
 * @returns y.
 * @throws {TypeError} x or y not a Float32Array, an unknown option.
 * @throws {RangeError} a length that is not rows·cols, or y partly overlapping x.
 */
export function softmax(x: Float32Array, y: Float32Array, options: SoftmaxOptions): Float32Array {
  const [args] = forwardCall('ops.softmax(Async)', x, y, options, false);
  getBackend().softmaxForward(args);
  return args.y;
}

/**
 * Log-softmax over the last dimension, PyTorch `torch.log_softmax(x, -1)`: per row,
 * y = (x − m) − log Σ e^{x−m} with m = max(x). A -Infinity entry gives -Infinity; a row of all
 * -Infinity gives NaN.
 * @param x the input [rows, cols].
 * @param y the output [rows, cols]; may be x itself (in place), else disjoint from it.
 * @param options rows and cols.
 * @returns y.
 * @throws {TypeError|RangeError} as {@link softmax}.
 */
export function logSoftmax(x: Float32Array, y: Float32Array, options: SoftmaxOptions): Float32Array {
  const [args] = forwardCall('ops.logSoftmax(Async)', x, y, options, true);
  getBackend().softmaxForward(args);
  return args.y;
}

/**
 * Softmax backward for L = Σ y·gradY from the forward's output y: per row,
 * gradX = y·(gradY − Σ gradY·y). Masked entries (y = 0) get 0; an all-masked (NaN) row stays NaN.
 * @param y the output of {@link softmax} [rows, cols].
 * @param gradY ∂L/∂y [rows, cols].
 * @param gradX the output [rows, cols]; may be gradY or y itself (in place).
 * @param options rows and cols.
 * @returns gradX.
 * @throws {TypeError|RangeError} as {@link softmax}.
 */
export function softmaxBackward(y: Float32Array, gradY: Float32Array, gradX: Float32Array, options: SoftmaxOptions): Float32Array {
  const [args] = backwardCall('ops.softmaxBackward(Async)', y, gradY, gradX, options, false);
  getBackend().softmaxBackward(args);
  return args.gradX;
}

/**
 * Log-softmax backward from the forward's output y: per row, gradX = gradY − e^{y}·Σ gradY. A masked
 * entry (y = −∞) gets gradY itself, as in PyTorch; an all-masked (NaN) row stays NaN.
 * @param y the output of {@link logSoftmax} [rows, cols].
 * @param gradY ∂L/∂y [rows, cols].
 * @param gradX the output [rows, cols]; may be gradY or y itself (in place).
 * @param options rows and cols.
 * @returns gradX.
 * @throws {TypeError|RangeError} as {@link softmax}.
 */
export function logSoftmaxBackward(y: Float32Array, gradY: Float32Array, gradX: Float32Array, options: SoftmaxOptions): Float32Array {
  const [args] = backwardCall('ops.logSoftmaxBackward(Async)', y, gradY, gradX, options, true);
  getBackend().softmaxBackward(args);
  return args.gradX;
}

/**
 * {@link softmax} off the main thread (native: a worker thread; pure-TS: a later microtask). Every
 * array passed in or out belongs to the call until the Promise settles: do not write, resize or
 * transfer it meanwhile (a resizable buffer is a TypeError; one detached meanwhile rejects with
 * GradGuardError `ERR_GRADGUARD_DETACHED`).
 * @param x as {@link softmax}.
 * @param y as {@link softmax}.
 * @param options as {@link softmax}.
 * @returns a Promise of y.
 * @throws {TypeError|RangeError} (rejection) as {@link softmax}, or a resizable buffer.
 */
export async function softmaxAsync(x: Float32Array, y: Float32Array, options: SoftmaxOptions): Promise<Float32Array> {
  const [args, arrays] = forwardCall('ops.softmax(Async)', x, y, options, false);
  await runAsync(arrays, () => getBackend().softmaxForwardAsync(args));
  return args.y;
}

/**
 * {@link logSoftmax} off the main thread, under the buffer rule of {@link softmaxAsync}.
 * @param x as {@link logSoftmax}.
 * @param y as {@link logSoftmax}.
 * @param options as {@link logSoftmax}.
 * @returns a Promise of y.
 * @throws {TypeError|RangeError} (rejection) as {@link logSoftmax}, or a resizable buffer.
 */
export async function logSoftmaxAsync(x: Float32Array, y: Float32Array, options: SoftmaxOptions): Promise<Float32Array> {
  const [args, arrays] = forwardCall('ops.logSoftmax(Async)', x, y, options, true);
  await runAsync(arrays, () => getBackend().softmaxForwardAsync(args));
  return args.y;
}

/**
 * {@link softmaxBackward} off the main thread, under the buffer rule of {@link softmaxAsync}.
 * @param y as {@link softmaxBackward}.
 * @param gradY as {@link softmaxBackward}.
 * @param gradX as {@link softmaxBackward}.
 * @param options as {@link softmaxBackward}.
 * @returns a Promise of gradX.
 * @throws {TypeError|RangeError} (rejection) as {@link softmaxBackward}, or a resizable buffer.
 */
export async function softmaxBackwardAsync(y: Float32Array, gradY: Float32Array, gradX: Float32Array, options: SoftmaxOptions): Promise<Float32Array> {
  const [args, arrays] = backwardCall('ops.softmaxBackward(Async)', y, gradY, gradX, options, false);
  await runAsync(arrays, () => getBackend().softmaxBackwardAsync(args));
  return args.gradX;
}

/**
 * {@link logSoftmaxBackward} off the main thread, under the buffer rule of {@link softmaxAsync}.
 * @param y as {@link logSoftmaxBackward}.
 * @param gradY as {@link logSoftmaxBackward}.
 * @param gradX as {@link logSoftmaxBackward}.
 * @param options as {@link logSoftmaxBackward}.
 * @returns a Promise of gradX.
 * @throws {TypeError|RangeError} (rejection) as {@link logSoftmaxBackward}, or a resizable buffer.
 */
export async function logSoftmaxBackwardAsync(y: Float32Array, gradY: Float32Array, gradX: Float32Array, options: SoftmaxOptions): Promise<Float32Array> {
  const [args, arrays] = backwardCall('ops.logSoftmaxBackward(Async)', y, gradY, gradX, options, true);
  await runAsync(arrays, () => getBackend().softmaxBackwardAsync(args));
  return args.gradX;
}
