/**
 * The gradient norm across ranks, as the large frameworks compute it (PyTorch FSDP, Megatron): each
 * rank takes the float64 norm of its own tensors, the per-rank norms are gathered (one small
 * all-gather of two doubles per rank), and every rank combines them the same way, in rank order.
 * So the result is bit-identical on every rank and does not depend on MPI's reduction order.
 *
 * The rule for what is counted: `sharded` tensors hold different parts on different ranks (their
 * p-th powers add up across ranks); `replicated` tensors are the same on every rank (e.g. gradients
 * after `allReduce(..., 'mean')`, or parameters every rank keeps whole) and are counted once:
 * rank 0's copy, except that a NaN or infinity in any rank's copy reaches the result.
 */
import { NonFiniteGradientError, fromNative, invalidArg } from '../errors.js';
import { FlatTensors } from '../validate/flat-tensors.js';
import { clipGradsWithNorm } from '../grad/clip-grad-norm.js';
import { getTotalNorm as localNorm } from '../grad/total-norm.js';
import { checkBoolean, checkNonNegative, checkNormType, checkOptions, optionKeys, checkTensors, type TensorsLike } from '../validate/index.js';
import type { NormCaller } from './addon.js';
import { requireReady } from './runtime.js';

/**
 * Tensors whose norm is taken across ranks: a plain tensor list is `sharded` (each rank's own part);
 * say `{ replicated }` for tensors every rank holds identically (counted once), or give both.
 */
export type DistTensors = TensorsLike | {
  /** Tensors that hold different parts on different ranks: their p-th powers add up across ranks. */
  sharded?: TensorsLike;
  /** Tensors every rank holds identically (e.g. gradients after a 'mean' all-reduce): counted once. */
  replicated?: TensorsLike;
};

/** @internal */
export interface Parts {
  sharded: TensorsLike | null;
  replicated: TensorsLike | null;
}

function isTensors(v: unknown): v is TensorsLike {
  return v instanceof Float32Array || v instanceof FlatTensors || Array.isArray(v);
}

/** Splits and validates `grads`, naming the part at fault (grads[i], grads.sharded[i], ...). */
function parts(grads: unknown, inPlace: boolean): Parts {
  if (isTensors(grads)) {
    checkTensors('grads', grads, { inPlace });
    return { sharded: grads, replicated: null };
  }
  if (typeof grads !== 'object' || grads === null) invalidArg('grads', 'tensors, or { sharded?, replicated? }', grads);
  const g = checkOptions('grads', grads, ['sharded', 'replicated']) as { sharded?: unknown; replicated?: unknown };
  if (g.sharded !== undefined && !isTensors(g.sharded)) invalidArg('grads.sharded', 'a Float32Array, an array of them, or a FlatTensors', g.sharded);
  if (g.replicated !== undefined && !isTensors(g.replicated)) invalidArg('grads.replicated', 'a Float32Array, an array of them, or a FlatTensors', g.replicated);
  if (g.sharded !== undefined) checkTensors('grads.sharded', g.sharded, { inPlace });
  if (g.replicated !== undefined) checkTensors('grads.replicated', g.replicated, { inPlace });
  return { sharded: (g.sharded as TensorsLike | undefined) ?? null, replicated: (g.replicated as TensorsLike | undefined) ?? null };
}

/**
 * Combines gathered [sharded_r, replicated_r] norm pairs (rank order) into the total p-norm:
 * (Σ_r s_r^p + rep_0^p)^(1/p), or the max for p = ∞; scaled by the largest term so no power
 * overflows. NaN anywhere → NaN; otherwise an infinite term → Infinity.
 * @internal Exported for tests.
 */
export function combineNorms(gathered: Float64Array, p: number): number {
  const terms: number[] = [];
  for (let r = 0; 2 * r < gathered.length; r++) {
    const s = gathered[2 * r];
    const rep = gathered[2 * r + 1];
    if (Number.isNaN(s) || Number.isNaN(rep)) return NaN;
    terms.push(s);
    if (r === 0) terms.push(rep);
    else if (rep === Infinity) terms.push(rep); // a copy that differs by overflowing still counts
  }
  let max = 0;
  for (const t of terms) if (t > max) max = t;
  if (p === Infinity || max === 0 || max === Infinity) return max;
  let sum = 0;
  for (const t of terms) sum += (t / max) ** p;
  return max * sum ** (1 / p);
}

/**
 * Total p-norm of gradients spread over every rank, the same number on every rank. Equals
 * `getTotalNorm` of all ranks' sharded tensors concatenated (plus one copy of the replicated ones)
 * within float64 rounding. Each rank takes the float64 norm of its own tensors; the per-rank norms
 * are all-gathered and combined in rank order, so the result is bit-identical on every rank.
 * Replicated tensors count rank 0's copy, except that a NaN or infinity in any rank's copy reaches
 * the result. Reference: `torch.nn.utils.get_total_norm` over a sharded model (FSDP's `clip_grad_norm_`).
 * @param grads this rank's tensors (sharded), or `{ sharded?, replicated? }`.
 * @param normType p > 0 or Infinity (default 2); must be the same on every rank.
 * @throws {GradGuardError} before `init` (ERR_GRADGUARD_DIST_NOT_INITIALIZED); on every rank when
 *   ranks pass different normTypes (ERR_GRADGUARD_DIST_MISMATCH).
 * @throws {TypeError|RangeError} malformed grads or normType.
 */
export function getTotalNorm(grads: DistTensors, normType: number = 2): number {
  const p = checkNormType('normType', normType);
  return totalNorm(parts(grads, false), p, 'dist.getTotalNorm');
}

/**
 * @internal The global norm of validated parts; `what` names the caller in errors. `p` is part of
 * the collective's check: ranks with different norm orders get ERR_GRADGUARD_DIST_MISMATCH.
 */
export function totalNorm(g: Parts, p: number, what: NormCaller): number {
  const addon = requireReady(what);
  const local = new Float64Array([g.sharded ? localNorm(g.sharded, p) : 0, g.replicated ? localNorm(g.replicated, p) : 0]);
  try {
    return combineNorms(addon.allGather(local, p, what), p);
  } catch (err) {
    throw fromNative(err);
  }
}

/**
 * `clipGradNorm` across ranks: the global norm (`dist.getTotalNorm`), then every local tensor
 * (sharded and replicated) scaled by `min(1, maxNorm / (total + 1e-6))`. Every rank computes the
 * same total, so every rank applies the same coefficient (or, with `errorIfNonfinite`, every rank
 * throws). Returns the total norm before clipping. Reference: `torch.nn.utils.clip_grad_norm_`.
 * @throws {NonFiniteGradientError} with `errorIfNonfinite` and a NaN/Inf total (on every rank).
 * @throws {GradGuardError} ERR_GRADGUARD_DIST_MISMATCH on every rank when ranks pass different
 *   `options.normType`; the other errors of `dist.getTotalNorm`.
 * @param grads this rank's tensors (sharded), or `{ sharded?, replicated? }`; scaled in place.
 * @param maxNorm the largest allowed global norm, >= 0.
 * @param options `normType` (default 2, the same on every rank) and `errorIfNonfinite` (default false).
 */
export function clipGradNorm(grads: DistTensors, maxNorm: number, options?: { normType?: number; errorIfNonfinite?: boolean }): number {
  const o = checkOptions('dist.clipGradNorm: options', options, optionKeys<NonNullable<typeof options>>()(['normType', 'errorIfNonfinite']));
  const m = checkNonNegative('maxNorm', maxNorm);
  const p = o.normType === undefined ? 2 : checkNormType('options.normType', o.normType);
  const e = checkBoolean('options.errorIfNonfinite', o.errorIfNonfinite, false);
  const g = parts(grads, true);
  const total = totalNorm(g, p, 'dist.clipGradNorm');
  if (e && !Number.isFinite(total)) throw new NonFiniteGradientError(p, total, -1);
  if (g.sharded) clipGradsWithNorm(g.sharded, m, total);
  if (g.replicated) clipGradsWithNorm(g.replicated, m, total);
  return total;
}
