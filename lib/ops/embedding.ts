/**
 * Embedding lookup (PyTorch `F.embedding`) and its backward: rows of a [numEmbeddings, embeddingDim]
 * table gathered by Int32Array indices; the backward scatter-adds into the table's gradient in a fixed
 * order (the same result for any thread count), skipping the padding row.
 */
import { invalidArg } from '../errors.js';
import { getBackend } from '../backend/index.js';
import type { EmbeddingBackwardArgs, EmbeddingForwardArgs } from '../backend/ops-types.js';
import { checkBoolean, checkDim, checkDisjoint, checkOptions, exactly, f32, optionKeys, runAsync, type AsyncArg } from '../validate/index.js';

/** Shape of an embedding table and its padding row (PyTorch `nn.Embedding`'s arguments, in camelCase). */
export interface EmbeddingOptions {
  /** Rows of the table; every index must lie in [0, numEmbeddings). */
  numEmbeddings: number;
  /** Features per row. */
  embeddingDim: number;
  /**
   * The row that gets no gradient (`padding_idx`); negative counts from the end as in PyTorch
   * (−1 is numEmbeddings − 1). null or absent: none. The forward copies it as stored.
   */
  paddingIdx?: number | null;
}

/** Options of {@link embeddingBackward}: the table's shape plus whether to add to gradWeight. */
export interface EmbeddingBackwardOptions extends EmbeddingOptions {
  /** Add to gradWeight instead of overwriting it (default false). The padding row is left as it is then. */
  accumulate?: boolean;
}

const FWD_KEYS = optionKeys<EmbeddingOptions>()(['numEmbeddings', 'embeddingDim', 'paddingIdx']);
const BWD_KEYS = optionKeys<EmbeddingBackwardOptions>()(['numEmbeddings', 'embeddingDim', 'paddingIdx', 'accumulate']);

interface Table {
  num: number;
  dim: number;
  paddingIdx: number;
}

function table(fn: string, options: unknown, keys: readonly string[]): [Table, Record<string, unknown>] {
  const o = checkOptions(`${fn}: options`, options, keys);
  const num = checkDim('options.numEmbeddings', o.numEmbeddings);
  const dim = checkDim('options.embeddingDim', o.embeddingDim);
  let paddingIdx = -1;
  if (o.paddingIdx !== undefined && o.paddingIdx !== null) {
    const p = o.paddingIdx;
    const expected = `an integer in [-${num}, ${num}) (numEmbeddings ${num}) or null`;
    if (typeof p !== 'number') invalidArg('options.paddingIdx', expected, p);
    if (!Number.isInteger(p) || p < -num || p >= num) invalidArg('options.paddingIdx', expected, p, 'range');
    paddingIdx = p < 0 ? p + num : p;
  }
  return [{ num, dim, paddingIdx }, o];
}

/** An Int32Array whose every value lies in [0, num); the first one outside is a RangeError naming it. */
function checkIndices(indices: unknown, num: number): Int32Array {
  if (!(indices instanceof Int32Array)) invalidArg('indices', 'an Int32Array', indices);
  for (let p = 0; p < indices.length; p++) {
    const v = indices[p];
    if (v < 0 || v >= num) invalidArg(`indices[${p}]`, `an index in [0, ${num}) (numEmbeddings ${num})`, v, 'range');
  }
  return indices;
}

function forwardCall(indices: unknown, weight: unknown, y: unknown, options: unknown): [EmbeddingForwardArgs, AsyncArg[]] {
  const [t] = table('ops.embeddingForward(Async)', options, FWD_KEYS);
  const I = checkIndices(indices, t.num);
  const W = f32('weight', weight);
  const Y = f32('y', y);
  exactly('weight', W, t.num * t.dim, `[numEmbeddings ${t.num}, embeddingDim ${t.dim}]`);
  exactly('y', Y, I.length * t.dim, `[indices.length ${I.length}, embeddingDim ${t.dim}]`);
  const arrays = checkDisjoint([['y', Y]], [['indices', I], ['weight', W]]);
  return [{ indices: I, weight: W, y: Y, num: t.num, dim: t.dim }, arrays];
}

/**
 * Embedding lookup, PyTorch `F.embedding(indices, weight)`: y[p] = weight[indices[p]], an exact copy
 * (the padding row too, as stored). Every index is checked before anything is written.
 * @param indices the row of each output position (any count), an Int32Array.
 * @param weight the table [numEmbeddings, embeddingDim].
 * @param y the output [indices.length, embeddingDim], disjoint from the inputs.
 * @param options the table's shape (paddingIdx does not change the forward).
 * @returns y.
 * @throws {TypeError} indices not an Int32Array, weight or y not a Float32Array, an unknown option.
 * @throws {RangeError} an index outside [0, numEmbeddings) (naming its position and value), a length
 * that does not match the shape, or y sharing memory with an input.
 */
export function embeddingForward(indices: Int32Array, weight: Float32Array, y: Float32Array, options: EmbeddingOptions): Float32Array {
  const [args] = forwardCall(indices, weight, y, options);
  getBackend().embeddingForward(args);
  return args.y;
}

/**
 * {@link embeddingForward} off the main thread (native: a worker thread; pure-TS: a later microtask).
 * Every array passed in or out belongs to the call until the Promise settles: do not write, resize or
 * transfer it meanwhile. One over a resizable ArrayBuffer or growable SharedArrayBuffer is a TypeError;
 * one detached or resized while the call runs rejects the Promise with GradGuardError
 * `ERR_GRADGUARD_DETACHED`.
 * @param indices as {@link embeddingForward}.
 * @param weight as {@link embeddingForward}.
 * @param y as {@link embeddingForward}.
 * @param options as {@link embeddingForward}.
 * @returns a Promise of y.
 * @throws {TypeError|RangeError} (rejection) as {@link embeddingForward}, or a resizable buffer.
 */
export async function embeddingForwardAsync(indices: Int32Array, weight: Float32Array, y: Float32Array, options: EmbeddingOptions): Promise<Float32Array> {
  const [args, arrays] = forwardCall(indices, weight, y, options);
  await runAsync(arrays, () => getBackend().embeddingForwardAsync(args));
  return args.y;
}

function backwardCall(indices: unknown, gradY: unknown, gradWeight: unknown, options: unknown): [EmbeddingBackwardArgs, AsyncArg[]] {
  const [t, o] = table('ops.embeddingBackward(Async)', options, BWD_KEYS);
  const accumulate = checkBoolean('options.accumulate', o.accumulate, false);
  const I = checkIndices(indices, t.num);
  const GY = f32('gradY', gradY);
  const GW = f32('gradWeight', gradWeight);
  exactly('gradY', GY, I.length * t.dim, `[indices.length ${I.length}, embeddingDim ${t.dim}]`);
  exactly('gradWeight', GW, t.num * t.dim, `[numEmbeddings ${t.num}, embeddingDim ${t.dim}]`);
  const arrays = checkDisjoint([['gradWeight', GW]], [['indices', I], ['gradY', GY]]);
  return [{ indices: I, gradY: GY, gradWeight: GW, num: t.num, dim: t.dim, paddingIdx: t.paddingIdx, accumulate }, arrays];
}

/**
 * Embedding backward for L = Σ y·gradY (PyTorch's dense `embedding_backward`): gradWeight row r gets
 * the sum of gradY[p] over every position p with indices[p] = r, added in position order (so the
 * result is the same for any thread count); the paddingIdx row gets nothing (it is zero, or left as it
 * was with accumulate).
 * @param indices the forward's indices.
 * @param gradY ∂L/∂y [indices.length, embeddingDim].
 * @param gradWeight [numEmbeddings, embeddingDim], overwritten (added to with accumulate).
 * @param options the table's shape, paddingIdx and accumulate.
 * @returns gradWeight.
 * @throws {TypeError} as {@link embeddingForward}.
 * @throws {RangeError} as {@link embeddingForward}; also paddingIdx outside [−numEmbeddings, numEmbeddings).
 */
export function embeddingBackward(indices: Int32Array, gradY: Float32Array, gradWeight: Float32Array, options: EmbeddingBackwardOptions): Float32Array {
  const [args] = backwardCall(indices, gradY, gradWeight, options);
  getBackend().embeddingBackward(args);
  return args.gradWeight;
}

/**
 * {@link embeddingBackward} off the main thread, under the buffer rule of {@link embeddingForwardAsync}.
 * @param indices as {@link embeddingBackward}.
 * @param gradY as {@link embeddingBackward}.
 * @param gradWeight as {@link embeddingBackward}.
 * @param options as {@link embeddingBackward}.
 * @returns a Promise of gradWeight.
 * @throws {TypeError|RangeError} (rejection) as {@link embeddingBackward}, or a resizable buffer.
 */
export async function embeddingBackwardAsync(indices: Int32Array, gradY: Float32Array, gradWeight: Float32Array, options: EmbeddingBackwardOptions): Promise<Float32Array> {
  const [args, arrays] = backwardCall(indices, gradY, gradWeight, options);
  await runAsync(arrays, () => getBackend().embeddingBackwardAsync(args));
  return args.gradWeight;
}
