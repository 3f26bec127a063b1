/**
 * All-reduce and broadcast over every rank, in place on float32 tensors. A FlatTensors (the flat
 * parameter store) or a single Float32Array goes to MPI as one contiguous buffer (chunked only above
 * `chunkElements`); a list of separate arrays is packed into one staging buffer, reduced in one call
 * and unpacked, so a model's many small tensors cost one collective, not one each.
 */
import { fromNative, invalidArg } from '../errors.js';
import { checkTensors, type TensorsLike } from '../validate.js';
import { chunkElements, queueAsync, requireReady, size } from './runtime.js';

/** The reduction: element-wise sum, sum / size (the mean), or maximum (NaN-propagating as MPI_MAX on the platform). */
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

/** `own`: a private buffer (for async calls, while the shared staging buffer may be reused). */
function pack(tensors: TensorsLike, name: string, own = false): Packed {
  const t = checkTensors(name, tensors, { inPlace: true });
  if (t.flat !== null) return { buffer: t.flat.base, unpack: () => undefined };
  if (t.views.length === 1) return { buffer: t.views[0], unpack: () => undefined };
  let total = 0;
  for (const v of t.views) total += v.length;
  // The staging buffer grows once to the largest list and is then reused (no allocation per step).
  if (!own && staging.length < total) staging = new Float32Array(total);
  const buffer = own ? new Float32Array(total) : staging.subarray(0, total);
  let at = 0;
  for (const v of t.views) {
    buffer.set(v, at);
    at += v.length;
  }
  return {
    buffer,
    unpack: () => {
      let off = 0;
      for (const v of t.views) {
        v.set(buffer.subarray(off, off + v.length));
        off += v.length;
      }
    },
  };
}

/**
 * Reduces `tensors` element-wise across every rank, in place: afterwards every rank holds the sum,
 * the mean (sum / size) or the maximum. Every rank must pass the same layout: the total element
 * count and the op are checked first (one tiny all-reduce), and a mismatch throws the same error on
 * every rank instead of hanging. Results are identical on every rank.
 * Reference: `torch.distributed.all_reduce`.
 * @param tensors a Float32Array, an array of them, or a FlatTensors (one MPI call for the whole store).
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
 * write them. Async collectives run one after another in call order; sync collectives are refused
 * while one is in flight. Needs MPI_THREAD_SERIALIZED (the default of `init`).
 */
export function allReduceAsync(tensors: TensorsLike, op: ReduceOp = 'sum'): Promise<void> {
  let o: number;
  let p: Packed;
  try {
    o = checkOp(op);
    p = pack(tensors, 'tensors', true);
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
