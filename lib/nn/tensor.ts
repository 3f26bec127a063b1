/**
 * The value modules pass to each other: a Float32Array with its shape (row-major, PyTorch layout).
 * Module outputs are views of buffers the module owns and reuses: an output stays valid until that
 * module's next forward (or, for a gradient, backward). Copy it (`data.slice()`) to keep it longer.
 */
import { invalidArg } from '../errors.js';

/**
 * The value modules pass to each other: a Float32Array with its shape (row-major, PyTorch layout).
 * Module outputs are views of buffers the module owns and reuses: an output stays valid until that
 * module's next forward (or, for a gradient, backward). Copy it (`data.slice()`) to keep it longer.
 */
export interface Tensor {
  /** The elements, row-major; length = product of shape. */
  readonly data: Float32Array;
  /** The dimensions, e.g. [batch, features]. */
  readonly shape: readonly number[];
}

/**
 * Product of the dimensions (1 for a scalar shape []); PyTorch `numel`.
 * @param shape the dimensions (an array; its entries are not checked).
 * @throws {TypeError} shape is not an array.
 */
export function numel(shape: readonly number[]): number {
  if (!Array.isArray(shape)) invalidArg('shape', 'an array of dimensions', shape);
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * A Tensor over `data` (no copy of data; the shape is copied).
 * @param data the elements, row-major.
 * @param shape non-negative integers whose product equals `data.length`.
 * @throws {TypeError} data is not a Float32Array, or shape not an array of non-negative integers.
 * @throws {RangeError} the shape's element count differs from data.length.
 */
export function tensor(data: Float32Array, shape: readonly number[]): Tensor {
  checkTensor('tensor', { data, shape });
  return { data, shape: [...shape] };
}

export const formatShape = (s: readonly number[]): string => `[${s.join(', ')}]`;

/** Throws unless `t` is a Tensor whose data length matches its shape; returns it. */
export function checkTensor(name: string, t: unknown): Tensor {
  if (t === null || typeof t !== 'object' || ArrayBuffer.isView(t)) {
    // A bare Float32Array is the likely mistake: say how to wrap it.
    invalidArg(name, 'a Tensor { data: Float32Array, shape: number[] } (wrap an array with nn.tensor(data, shape))', t);
  }
  const { data, shape } = t as Tensor;
  if (!(data instanceof Float32Array)) invalidArg(`${name}.data`, 'a Float32Array', data);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    invalidArg(`${name}.shape`, 'an array of non-negative integers', shape);
  }
  if (numel(shape) !== data.length) {
    invalidArg(name, `data of ${numel(shape)} elements for shape ${formatShape(shape)}`, data, 'range');
  }
  return t as Tensor;
}

/**
 * Checks a module's input: a valid Tensor of `rank` dimensions whose fixed dimensions (non-null in
 * `dims`) match. The error names the module and argument, e.g.
 * `Linear(4→3).forward(x): expected shape [*, 4], got [2, 5]`.
 */
export function checkInput(where: string, t: unknown, dims: readonly (number | null)[], minRank = dims.length): Tensor {
  const x = checkTensor(where, t);
  const s = x.shape;
  const pattern = `[${dims.map((d) => (d === null ? '*' : String(d))).join(', ')}]`;
  if (s.length < minRank || s.length > dims.length) {
    shapeError(where, pattern, s);
  }
  // Compare from the last dimension back, so optional leading dimensions line up.
  for (let i = 1; i <= s.length; i++) {
    const want = dims[dims.length - i];
    if (want !== null && s[s.length - i] !== want) shapeError(where, pattern, s);
  }
  return x;
}

/** Throws a RangeError (code ERR_OUT_OF_RANGE) `where: expected shape P, got shape S`. */
export function shapeError(where: string, expected: string, got: readonly number[]): never {
  const e = new RangeError(`${where}: expected shape ${expected}, got shape ${formatShape(got)}`) as RangeError & { code: string };
  e.code = 'ERR_OUT_OF_RANGE';
  throw e;
}

/** Throws unless two shapes are equal (the error names `where` and both shapes). */
export function checkSameShape(where: string, got: readonly number[], want: readonly number[]): void {
  if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
    shapeError(where, formatShape(want), got);
  }
}

/**
 * A reusable output buffer: returns a Float32Array of `n` elements, reallocating only when n changes
 * (a training loop with fixed shapes allocates once).
 */
export class Buffer {
  private buf = new Float32Array(0);
  get(n: number): Float32Array {
    if (this.buf.length !== n) this.buf = new Float32Array(n);
    return this.buf;
  }
  /** The current array, whatever its size (no reallocation). */
  get current(): Float32Array {
    return this.buf;
  }
}

/** A Tensor of rank >= 1 whose last dimension is `n` (pattern [*, n]). */
export function checkLastDim(where: string, t: unknown, n: number): Tensor {
  const x = checkTensor(where, t);
  if (x.shape.length < 1 || x.shape[x.shape.length - 1] !== n) shapeError(where, `[..., ${n}]`, x.shape);
  return x;
}

/** A gradient Tensor of exactly `shape` (the shape of what the forward produced or consumed). */
export function checkGrad(where: string, t: unknown, shape: readonly number[]): Tensor {
  const g = checkTensor(where, t);
  checkSameShape(where, g.shape, shape);
  return g;
}
