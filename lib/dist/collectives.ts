/**
 * All-reduce and broadcast over every rank, in place on float32 tensors. A FlatTensors (the flat
 * parameter store) or a single Float32Array goes to MPI as one contiguous buffer (chunked only above
 * `chunkElements`); a list of separate arrays is packed into one staging buffer, reduced in one call
 * and unpacked, so a model's many small tensors cost one collective, not one each.
 */
import { GradGuardError, fromNative, invalidArg } from '../errors.js';
import { checkFixedLength, checkTensors, type TensorSet, type TensorsLike } from '../validate/index.js';
import { chunkElements, queueAsync, requireReady, size } from './runtime.js';

/**
 * The reduction: element-wise sum, sum / size (the mean), or maximum. The maximum propagates NaN: a
 * NaN on any rank gives NaN on every rank (MPI_MAX would keep it only on the highest rank); +0 is
 * taken over -0. Every rank gets bit-identical results.
 */
export type ReduceOp = 'sum' | 'mean' | 'max';
const OPS: readonly ReduceOp[] = ['sum', 'mean', 'max'];

function checkOp(op: unknown): number {
  const i = OPS.indexOf(op as ReduceOp);
  if (i < 0) invalidArg('op', "'sum', 'mean' or 'max'", op, typeof op === 'string' ? 'range' : 'type');
  return i;
}

/** One contiguous buffer for the tensors, and how to copy results back. */
interface Packed {
  buffer: Float32Array;
  unpack(): void;
}

let staging = new Float32Array(0);

/** `own`: a private copy (async calls), else the caller's memory or the shared staging buffer. */
function pack(tensors: TensorsLike, name: string, own = false): Packed {
  return packSet(checkTensors(name, tensors, { inPlace: true }), name, own, !Array.isArray(tensors));
}

/** `single`: the argument was one array or a FlatTensors (errors name it, not an element). */
function packSet(t: TensorSet, name: string, own: boolean, single: boolean): Packed {
  // A sync call may run MPI on the caller's memory. An async one may not: the caller could transfer
  // the buffer to another thread that frees it while MPI writes (Node-API cannot pin memory), so it
  // always works on a private copy only this closure can reach and copies back when it settles.
  if (!own && t.flat !== null) return { buffer: t.flat.base, unpack: () => undefined };
  if (!own && t.views.length === 1) return { buffer: t.views[0], unpack: () => undefined };
  const views = t.flat !== null ? [t.flat.base] : t.views;
  // The lengths as packed: an async call's copy-back must not trust views that may have been
  // detached (length 0) meanwhile, or every later tensor would get a neighbour's values.
  const lengths = views.map((v) => v.length);
  let total = 0;
  for (const n of lengths) total += n;
  // The staging buffer grows once to the largest list and is then reused (no allocation per step).
  if (!own && staging.length < total) staging = new Float32Array(total);
  const buffer = own ? new Float32Array(total) : staging.subarray(0, total);
  let at = 0;
  for (const v of views) {
    buffer.set(v, at);
    at += v.length;
  }
  return {
    buffer,
    unpack: () => {
      let off = 0;
      let lost = -1;
      views.forEach((v, i) => {
        const n = lengths[i];
        if (v.length === n) v.set(buffer.subarray(off, off + n));
        else if (lost < 0) lost = i;
        off += n;
      });
      if (lost >= 0) throw lostResult(single ? name : `${name}[${lost}]`);
    },
  };
}

function lostResult(name: string): GradGuardError {
  return new GradGuardError(
    `dist.allReduceAsync: ${name} was detached or resized while the call ran (transferred, e.g. by postMessage or structuredClone): the result was lost; keep the tensors' buffers in place until the call settles`,
    'ERR_GRADGUARD_DIST',
  );
}

/** N-API cannot pin memory, so an async call refuses buffers whose length can change under it. */
function checkFixedBuffers(tensors: TensorsLike, t: TensorSet, name: string): void {
  if (t.flat !== null) checkFixedLength(name, t.flat.base);
  else if (tensors instanceof Float32Array) checkFixedLength(name, tensors);
  else t.views.forEach((v, i) => checkFixedLength(`${name}[${i}]`, v));
}

/**
 * Reduces `tensors` element-wise across every rank, in place: afterwards every rank holds the sum,
 * the mean (sum / size) or the maximum. Every rank must pass the same layout: the total element
 * count and the op are checked first (one tiny all-reduce), and a mismatch throws the same error on
 * every rank instead of hanging, as does a different `chunkElements` (an `init` option). Results
 * are identical on every rank.
 * Reference: `torch.distributed.all_reduce`.
 * @param tensors a Float32Array, an array of them, or a FlatTensors (one MPI call for the whole store).
 * @param op 'sum' (default), 'mean' or 'max'; the same on every rank.
 * @throws {GradGuardError} ERR_GRADGUARD_DIST_NOT_INITIALIZED before `init`; ERR_GRADGUARD_DIST_MISMATCH
 *   when ranks pass different lengths or ops; ERR_GRADGUARD_DIST_BUSY while an async collective runs.
 * @throws {TypeError|RangeError} on bad arguments.
 */
export function allReduce(tensors: TensorsLike, op: ReduceOp = 'sum'): void {
  const o = checkOp(op);
  const addon = requireReady('dist.allReduce');
  const p = pack(tensors, 'tensors');
  try {
    addon.allReduce(p.buffer, o, chunkElements());
  } catch (err) {
    throw fromNative(err);
  }
  p.unpack();
}

/**
 * `allReduce` on a worker thread: the returned Promise settles when the reduction is done, and the
 * calling thread keeps computing meanwhile (e.g. the backward pass of earlier layers, while the last
 * layers' gradients are reduced). The tensors belong to the call until it settles: do not read or
 * write them, and do not transfer (postMessage, structuredClone, `ArrayBuffer.prototype.transfer`)
 * or resize their buffers. MPI works on a private copy of the tensors (Node-API cannot pin memory,
 * so MPI never touches memory a transfer could free), copied back when the call settles; a tensor
 * detached or resized meanwhile makes the call reject with nothing written (the result is lost).
 * The copy costs two memory passes over the tensors, small next to the reduction's own traffic;
 * the sync `allReduce` works in place. Resizable and growable buffers are refused up front.
 * Async collectives run one after another in call order; sync collectives are refused while one is
 * in flight. Needs MPI_THREAD_SERIALIZED (the default of `init`). Reference:
 * `torch.distributed.all_reduce(async_op=True)`.
 * @param tensors a Float32Array, an array of them, or a FlatTensors (one MPI call for the whole store); same total length on every rank.
 * @param op 'sum' (default), 'mean' or 'max'; the same on every rank.
 * @throws {TypeError} (as a rejection) when a tensor's buffer is resizable or growable, naming
 *   `tensors` or `tensors[i]`; the other argument errors of `allReduce`.
 * @throws {GradGuardError} (as a rejection) ERR_GRADGUARD_DIST when a buffer was detached or
 *   resized during the call, naming it; the errors of `allReduce` otherwise.
 */
export function allReduceAsync(tensors: TensorsLike, op: ReduceOp = 'sum'): Promise<void> {
  let o: number;
  let p: Packed;
  try {
    o = checkOp(op);
    const t = checkTensors('tensors', tensors, { inPlace: true });
    checkFixedBuffers(tensors, t, 'tensors');
    p = packSet(t, 'tensors', true, !Array.isArray(tensors));
  } catch (err) {
    return Promise.reject(err);
  }
  const chunk = chunkElements();
  return queueAsync('dist.allReduceAsync', (addon) => addon.allReduceAsync(p.buffer, o, chunk)).then(() => p.unpack());
}

/**
 * Copies `root`'s tensors into every other rank's, in place (e.g. so every rank starts from the same
 * initial parameters). Lengths and root are checked across ranks first, as in `allReduce`.
 * Reference: `torch.distributed.broadcast`.
 * @param tensors a Float32Array, an array of them, or a FlatTensors (one MPI call for the whole store); same total length on every rank.
 * @param root the rank whose values everyone gets (default 0).
 * @throws {RangeError} when root is not a rank; the errors of `allReduce` otherwise.
 */
export function broadcast(tensors: TensorsLike, root: number = 0): void {
  if (typeof root !== 'number') invalidArg('root', 'an integer rank', root);
  const addon = requireReady('dist.broadcast');
  if (!Number.isInteger(root) || root < 0 || root >= size) invalidArg('root', `an integer rank in [0, ${size - 1}]`, root, 'range');
  const p = pack(tensors, 'tensors');
  try {
    addon.broadcast(p.buffer, root, chunkElements());
  } catch (err) {
    throw fromNative(err);
  }
  p.unpack();
}
