/**
 * Scaled dot-product attention, forward and backward, fused FlashAttention-style: the [lq, lk] scores
 * are never stored (memory linear in the sequence length); the forward saves each query row's
 * log-sum-exp `lse` and the backward recomputes the probabilities from q, k and lse.
 */
import { invalidArg } from '../errors.js';
import { getBackend } from '../backend/index.js';
import type { AttentionBackwardArgs, AttentionDims, AttentionForwardArgs } from '../backend/ops-types.js';
import { checkBoolean, checkDim, checkDisjoint, checkNumber, checkOptions, exactly, f32, optionalF32, optionKeys, runAsync, type AsyncArg, type NamedOut } from '../validate/index.js';

/** Shape, masking and scale of an attention call (PyTorch's `[batch, heads, L, d]` layout). */
export interface AttentionOptions {
  /** Batch size. */
  batch: number;
  /** Heads per batch entry. */
  heads: number;
  /** Query positions. */
  lq: number;
  /** Key/value positions. */
  lk: number;
  /** Features of q and k (per head). */
  d: number;
  /** Features of v and out (per head). */
  dv: number;
  /** Mask every key after the query's own position (j > i); needs lq == lk. Default false. */
  causal?: boolean;
  /**
   * An additive [lq, lk] mask added to the scaled scores, broadcast over batch and heads; it may hold
   * -Infinity (that key is skipped). null or absent: none.
   */
  mask?: Float32Array | null;
  /** Multiplies q·kᵀ (finite). Default 1/√d. */
  scale?: number;
}

/** The gradients {@link attentionBackward} writes; a null or absent one is not computed. */
export interface AttentionGrads {
  /** ∂L/∂q, q's shape, overwritten. */
  gradQ?: Float32Array | null;
  /** ∂L/∂k, k's shape, overwritten. */
  gradK?: Float32Array | null;
  /** ∂L/∂v, v's shape, overwritten. */
  gradV?: Float32Array | null;
}

const KEYS = optionKeys<AttentionOptions>()(['batch', 'heads', 'lq', 'lk', 'd', 'dv', 'causal', 'mask', 'scale']);
const GRAD_KEYS = optionKeys<AttentionGrads>()(['gradQ', 'gradK', 'gradV']);

function dims(fn: string, options: unknown): AttentionDims {
  const o = checkOptions(`${fn}: options`, options, KEYS);
  const batch = checkDim('options.batch', o.batch);
  const heads = checkDim('options.heads', o.heads);
  const lq = checkDim('options.lq', o.lq);
  const lk = checkDim('options.lk', o.lk);
  const d = checkDim('options.d', o.d, 1);
  const dv = checkDim('options.dv', o.dv);
  const causal = checkBoolean('options.causal', o.causal, false);
  if (causal && lq !== lk) invalidArg('options.causal', `false when lq ${lq} != lk ${lk} (a causal mask needs lq == lk)`, causal, 'range');
  const mask = optionalF32('options.mask', o.mask);
  if (mask) exactly('options.mask', mask, lq * lk, `[lq ${lq}, lk ${lk}]`);
  const scale = o.scale === undefined ? 1 / Math.sqrt(d) : checkNumber('options.scale', o.scale, true);
  return { batch, heads, lq, lk, d, dv, causal, mask, scale };
}

/** q, k, v (and out when given) against the dims; returns the checked arrays. */
function checkQkv(s: AttentionDims, q: unknown, k: unknown, v: unknown) {
  const { batch: b, heads: h, lq, lk, d, dv } = s;
  const Q = f32('q', q);
  const K = f32('k', k);
  const V = f32('v', v);
  exactly('q', Q, b * h * lq * d, `[batch ${b}, heads ${h}, lq ${lq}, d ${d}]`);
  exactly('k', K, b * h * lk * d, `[batch ${b}, heads ${h}, lk ${lk}, d ${d}]`);
  exactly('v', V, b * h * lk * dv, `[batch ${b}, heads ${h}, lk ${lk}, dv ${dv}]`);
  return [Q, K, V] as const;
}

function outShapes(s: AttentionDims, out: unknown, lse: unknown) {
  const { batch: b, heads: h, lq, dv } = s;
  const O = f32('out', out);
  const L = f32('lse', lse);
  exactly('out', O, b * h * lq * dv, `[batch ${b}, heads ${h}, lq ${lq}, dv ${dv}]`);
  exactly('lse', L, b * h * lq, `[batch ${b}, heads ${h}, lq ${lq}]`);
  return [O, L] as const;
}

function forwardCall(q: unknown, k: unknown, v: unknown, out: unknown, lse: unknown, options: unknown): [AttentionForwardArgs, AsyncArg[]] {
  const s = dims('ops.attentionForward(Async)', options);
  const [Q, K, V] = checkQkv(s, q, k, v);
  const [O, L] = outShapes(s, out, lse);
  const arrays = checkDisjoint(
    [['out', O], ['lse', L]],
    [['q', Q], ['k', K], ['v', V], ['options.mask', s.mask]],
  );
  return [{ ...s, q: Q, k: K, v: V, out: O, lse: L }, arrays];
}

/**
 * Scaled dot-product attention, per (batch, head): S = scale·q·kᵀ + mask (−∞ where j > i when causal),
 * P = softmax over the keys (max-subtracted), out = P·v, as PyTorch 1.13's written-out attention
 * (`softmax(q @ k.transpose(-2, -1) * scale + attn_mask) @ v`). Fused: the scores are computed in
 * blocks with an online softmax and never stored. Masked entries (causal, or a -Infinity mask value)
 * get probability 0 whatever q·k is there. A query row whose every key is masked gives NaN in out and
 * lse, as PyTorch does. lk = 0 gives out = 0 (and lse = -Infinity).
 * @param q [batch, heads, lq, d].
 * @param k [batch, heads, lk, d].
 * @param v [batch, heads, lk, dv].
 * @param out the output [batch, heads, lq, dv], disjoint from every other argument.
 * @param lse written: [batch, heads, lq], each row's log Σ e^{S} (what {@link attentionBackward} needs).
 * @param options shapes, causal, mask and scale.
 * @returns out.
 * @throws {TypeError} an array that is not a Float32Array, an unknown option.
 * @throws {RangeError} a length that does not match the shapes (a mask that is not [lq, lk]), causal with
 * lq != lk, d = 0, a non-finite scale, or an output sharing memory with another argument.
 */
export function attentionForward(q: Float32Array, k: Float32Array, v: Float32Array, out: Float32Array, lse: Float32Array, options: AttentionOptions): Float32Array {
  const [args] = forwardCall(q, k, v, out, lse, options);
  getBackend().attentionForward(args);
  return args.out;
}

/**
 * {@link attentionForward} off the main thread (native: a worker thread; pure-TS: a later microtask).
 * Every array passed in or out belongs to the call until the Promise settles: do not write, resize or
 * transfer it meanwhile (a resizable buffer is a TypeError; one detached meanwhile rejects with
 * GradGuardError `ERR_GRADGUARD_DETACHED`).
 * @param q as {@link attentionForward}.
 * @param k as {@link attentionForward}.
 * @param v as {@link attentionForward}.
 * @param out as {@link attentionForward}.
 * @param lse as {@link attentionForward}.
 * @param options as {@link attentionForward}.
 * @returns a Promise of out.
 * @throws {TypeError|RangeError} (rejection) as {@link attentionForward}, or a resizable buffer.
 */
export async function attentionForwardAsync(q: Float32Array, k: Float32Array, v: Float32Array, out: Float32Array, lse: Float32Array, options: AttentionOptions): Promise<Float32Array> {
  const [args, arrays] = forwardCall(q, k, v, out, lse, options);
  await runAsync(arrays, () => getBackend().attentionForwardAsync(args));
  return args.out;
}

function backwardCall(q: unknown, k: unknown, v: unknown, out: unknown, lse: unknown, gradOut: unknown, grads: unknown, options: unknown): [AttentionBackwardArgs, AsyncArg[]] {
  const s = dims('ops.attentionBackward(Async)', options);
  const [Q, K, V] = checkQkv(s, q, k, v);
  const [O, L] = outShapes(s, out, lse);
  const GO = f32('gradOut', gradOut);
  exactly('gradOut', GO, O.length, `out's shape [batch ${s.batch}, heads ${s.heads}, lq ${s.lq}, dv ${s.dv}]`);
  const g = checkOptions('ops.attentionBackward(Async): grads', grads, GRAD_KEYS);
  const gradQ = optionalF32('grads.gradQ', g.gradQ);
  const gradK = optionalF32('grads.gradK', g.gradK);
  const gradV = optionalF32('grads.gradV', g.gradV);
  if (gradQ) exactly('grads.gradQ', gradQ, Q.length, "q's shape");
  if (gradK) exactly('grads.gradK', gradK, K.length, "k's shape");
  if (gradV) exactly('grads.gradV', gradV, V.length, "v's shape");
  const outs: NamedOut[] = [['grads.gradQ', gradQ], ['grads.gradK', gradK], ['grads.gradV', gradV]];
  const arrays = checkDisjoint(outs, [['q', Q], ['k', K], ['v', V], ['out', O], ['lse', L], ['gradOut', GO], ['options.mask', s.mask]]);
  return [{ ...s, q: Q, k: K, v: V, out: O, lse: L, gradOut: GO, gradQ, gradK, gradV }, arrays];
}

/**
 * Attention backward for L = Σ out·gradOut, FlashAttention-style from the forward's out and lse:
 * P = e^{S − lse} is recomputed block by block; gradV = Pᵀ·gradOut, dS = P ⊙ (gradOut·vᵀ − rowsum(gradOut ⊙ out)),
 * gradQ = scale·dS·k, gradK = scale·dSᵀ·q. Deterministic (one thread per (batch, head)). A fully
 * masked query row (NaN lse) gives NaN in its gradQ row and in all of gradK and gradV of its
 * (batch, head), as PyTorch 1.13's NaN probabilities do.
 * @param q as the forward.
 * @param k as the forward.
 * @param v as the forward.
 * @param out the forward's output.
 * @param lse the forward's lse.
 * @param gradOut ∂L/∂out, out's shape.
 * @param grads the gradients to write (overwritten); null or absent ones are skipped.
 * @param options the forward's options.
 * @throws {TypeError|RangeError} as {@link attentionForward}; also a gradient of the wrong length or
 * sharing memory with another argument.
 */
export function attentionBackward(q: Float32Array, k: Float32Array, v: Float32Array, out: Float32Array, lse: Float32Array, gradOut: Float32Array, grads: AttentionGrads, options: AttentionOptions): void {
  const [args] = backwardCall(q, k, v, out, lse, gradOut, grads, options);
  getBackend().attentionBackward(args);
}

/**
 * {@link attentionBackward} off the main thread, under the buffer rule of {@link attentionForwardAsync}.
 * @param q as {@link attentionBackward}.
 * @param k as {@link attentionBackward}.
 * @param v as {@link attentionBackward}.
 * @param out as {@link attentionBackward}.
 * @param lse as {@link attentionBackward}.
 * @param gradOut as {@link attentionBackward}.
 * @param grads as {@link attentionBackward}.
 * @param options as {@link attentionBackward}.
 * @returns a Promise that settles when the gradients are written.
 * @throws {TypeError|RangeError} (rejection) as {@link attentionBackward}, or a resizable buffer.
 */
export async function attentionBackwardAsync(q: Float32Array, k: Float32Array, v: Float32Array, out: Float32Array, lse: Float32Array, gradOut: Float32Array, grads: AttentionGrads, options: AttentionOptions): Promise<void> {
  const [args, arrays] = backwardCall(q, k, v, out, lse, gradOut, grads, options);
  await runAsync(arrays, () => getBackend().attentionBackwardAsync(args));
}
