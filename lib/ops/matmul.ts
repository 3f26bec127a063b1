/** The row-major GEMM `torch.addmm`: c = alpha·op(a)·op(b) + beta·c, sync and async. */
import { getBackend } from '../backend/index.js';
import type { MatmulShape } from '../backend/ops-types.js';
import { atLeast, checkBoolean, checkDim, checkDisjointPair, checkNumber, checkOptions, optionKeys, f32, runAsync } from '../validate/index.js';

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

const MATMUL_KEYS = optionKeys<MatmulOptions>()(['m', 'n', 'k', 'transA', 'transB', 'alpha', 'beta']);

function matmulArgs(a: unknown, b: unknown, c: unknown, options: unknown): [Float32Array, Float32Array, Float32Array, MatmulShape] {
  const A = f32('a', a);
  const B = f32('b', b);
  const C = f32('c', c);
  const o = checkOptions('ops.matmul(Async): options', options, MATMUL_KEYS);
  const s: MatmulShape = {
    m: checkDim('options.m', o.m),
    n: checkDim('options.n', o.n),
    k: checkDim('options.k', o.k),
    transA: checkBoolean('options.transA', o.transA, false),
    transB: checkBoolean('options.transB', o.transB, false),
    alpha: o.alpha === undefined ? 1 : checkNumber('options.alpha', o.alpha),
    beta: o.beta === undefined ? 0 : checkNumber('options.beta', o.beta),
  };
  atLeast('a', A, s.m * s.k, s.transA ? 'k·m' : 'm·k');
  atLeast('b', B, s.k * s.n, s.transB ? 'n·k' : 'k·n');
  atLeast('c', C, s.m * s.n, 'm·n');
  checkDisjointPair('c', C, 'a', A);
  checkDisjointPair('c', C, 'b', B);
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
