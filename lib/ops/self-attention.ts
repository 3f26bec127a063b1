/**
 * Multi-head self-attention on PyTorch's packed in-projection output: the same fused attention as
 * ./attention.ts, reading q, k and v straight from the `[L, batch, 3·E]` rows the one in-projection
 * GEMM writes and writing out as the `[L, batch, E]` rows the out-projection reads, so a
 * MultiheadAttention step copies no head out or back (the layout change is in the kernel's strides).
 */
import { invalidArg } from '../errors.js';
import { getBackend } from '../backend/index.js';
import type { SelfAttentionBackwardArgs, SelfAttentionDims, SelfAttentionForwardArgs } from '../backend/ops-types.js';
import { checkBoolean, checkDim, checkDisjoint, checkNumber, checkOptions, exactly, f32, optionalF32, optionKeys, runAsync, type AsyncArg } from '../validate/index.js';

/** Shape, masking and scale of a {@link selfAttentionForward} call. */
export interface SelfAttentionOptions {
  /** Sequence length L (queries and keys). */
  seqLen: number;
  /** Batch size. */
  batch: number;
  /** Heads; E = heads·headDim. */
  heads: number;
  /** Features per head. */
  headDim: number;
  /** Position i attends only to j <= i. Default false. */
  causal?: boolean;
  /** An additive [seqLen, seqLen] mask added to the scaled scores of every batch and head (-Infinity blocks a pair). null or absent: none. */
  mask?: Float32Array | null;
  /** Multiplies q·kᵀ (finite). Default 1/√headDim. */
  scale?: number;
}

const KEYS = optionKeys<SelfAttentionOptions>()(['seqLen', 'batch', 'heads', 'headDim', 'causal', 'mask', 'scale']);

function dims(fn: string, options: unknown): SelfAttentionDims {
  const o = checkOptions(`${fn}: options`, options, KEYS);
  const seqLen = checkDim('options.seqLen', o.seqLen);
  const batch = checkDim('options.batch', o.batch);
  const heads = checkDim('options.heads', o.heads);
  const headDim = checkDim('options.headDim', o.headDim, 1);
  const causal = checkBoolean('options.causal', o.causal, false);
  const mask = optionalF32('options.mask', o.mask);
  if (mask) exactly('options.mask', mask, seqLen * seqLen, `[seqLen ${seqLen}, seqLen ${seqLen}]`);
  const scale = o.scale === undefined ? 1 / Math.sqrt(headDim) : checkNumber('options.scale', o.scale, true);
  if (!Number.isSafeInteger(3 * seqLen * batch * heads * headDim)) invalidArg('options', 'shapes whose product is a safe integer', `[${seqLen}, ${batch}, 3·${heads}·${headDim}]`, 'range');
  return { seqLen, batch, heads, headDim, causal, mask, scale };
}

function arrays(s: SelfAttentionDims, qkv: unknown, out: unknown, lse: unknown) {
  const { seqLen: L, batch: B, heads: H, headDim: hd } = s;
  const QKV = f32('qkv', qkv);
  const O = f32('out', out);
  const LSE = f32('lse', lse);
  exactly('qkv', QKV, L * B * 3 * H * hd, `[seqLen ${L}, batch ${B}, 3·heads·headDim ${3 * H * hd}]`);
  exactly('out', O, L * B * H * hd, `[seqLen ${L}, batch ${B}, heads·headDim ${H * hd}]`);
  exactly('lse', LSE, B * H * L, `[batch ${B}, heads ${H}, seqLen ${L}]`);
  return [QKV, O, LSE] as const;
}

function forwardCall(qkv: unknown, out: unknown, lse: unknown, options: unknown): [SelfAttentionForwardArgs, AsyncArg[]] {
  const s = dims('ops.selfAttentionForward(Async)', options);
  const [QKV, O, LSE] = arrays(s, qkv, out, lse);
  const list = checkDisjoint([['out', O], ['lse', LSE]], [['qkv', QKV], ['options.mask', s.mask]]);
  return [{ ...s, qkv: QKV, out: O, lse: LSE }, list];
}

/**
 * Multi-head scaled dot-product self-attention on packed projections (the core of PyTorch's
 * `F.multi_head_attention_forward` between its in- and out-projection): row (l, b) of qkv holds
 * q | k | v, each `heads` blocks of headDim; head h attends with
 * softmax(scale·q_h·k_hᵀ + mask)·v_h as `ops.attentionForward`, and its result goes to features
 * h·headDim… of out's row (l, b) — the heads concatenated, ready for the out-projection.
 * @param qkv [seqLen, batch, 3·heads·headDim], e.g. linearForward(x, in_proj_weight, in_proj_bias).
 * @param out written: [seqLen, batch, heads·headDim], disjoint from every other argument.
 * @param lse written: [batch, heads, seqLen], each row's log Σ e^{S} for {@link selfAttentionBackward}.
 * @param options shapes, causal, mask and scale.
 * @returns out.
 * @throws {TypeError} an array that is not a Float32Array, an unknown option.
 * @throws {RangeError} a length that does not match the shapes (a mask that is not [seqLen, seqLen]),
 * headDim = 0, a non-finite scale, or an output sharing memory with another argument.
 */
export function selfAttentionForward(qkv: Float32Array, out: Float32Array, lse: Float32Array, options: SelfAttentionOptions): Float32Array {
  const [args] = forwardCall(qkv, out, lse, options);
  getBackend().selfAttentionForward(args);
  return args.out;
}

/**
 * {@link selfAttentionForward} off the main thread. Every array passed in or out belongs to the call
 * until the Promise settles (a resizable buffer is a TypeError; one detached meanwhile rejects with
 * GradGuardError `ERR_GRADGUARD_DETACHED`).
 * @param qkv as {@link selfAttentionForward}.
 * @param out as {@link selfAttentionForward}.
 * @param lse as {@link selfAttentionForward}.
 * @param options as {@link selfAttentionForward}.
 * @returns a Promise of out.
 * @throws {TypeError|RangeError} (rejection) as {@link selfAttentionForward}, or a resizable buffer.
 */
export async function selfAttentionForwardAsync(qkv: Float32Array, out: Float32Array, lse: Float32Array, options: SelfAttentionOptions): Promise<Float32Array> {
  const [args, list] = forwardCall(qkv, out, lse, options);
  await runAsync(list, () => getBackend().selfAttentionForwardAsync(args));
  return args.out;
}

function backwardCall(qkv: unknown, out: unknown, lse: unknown, gradOut: unknown, gradQkv: unknown, options: unknown): [SelfAttentionBackwardArgs, AsyncArg[]] {
  const s = dims('ops.selfAttentionBackward(Async)', options);
  const [QKV, O, LSE] = arrays(s, qkv, out, lse);
  const GO = f32('gradOut', gradOut);
  const G = f32('gradQkv', gradQkv);
  exactly('gradOut', GO, O.length, "out's shape");
  exactly('gradQkv', G, QKV.length, "qkv's shape");
  const list = checkDisjoint([['gradQkv', G]], [['qkv', QKV], ['out', O], ['lse', LSE], ['gradOut', GO], ['options.mask', s.mask]]);
  return [{ ...s, qkv: QKV, out: O, lse: LSE, gradOut: GO, gradQkv: G }, list];
}

/**
 * Backward of {@link selfAttentionForward} from its out and lse (as `ops.attentionBackward`, which
 * recomputes the probabilities block by block): gradQkv gets ∂L/∂q | ∂L/∂k | ∂L/∂v in qkv's packed
 * layout, ready for the in-projection's linearBackward. A fully masked query row gives NaN as
 * `ops.attentionBackward` describes.
 * @param qkv the forward's qkv.
 * @param out the forward's out.
 * @param lse the forward's lse.
 * @param gradOut ∂L/∂out, out's shape.
 * @param gradQkv written: qkv's shape, disjoint from every other argument.
 * @param options the forward's options.
 * @throws {TypeError|RangeError} as {@link selfAttentionForward}; also gradOut or gradQkv of the wrong
 * length or gradQkv sharing memory with another argument.
 */
export function selfAttentionBackward(qkv: Float32Array, out: Float32Array, lse: Float32Array, gradOut: Float32Array, gradQkv: Float32Array, options: SelfAttentionOptions): void {
  const [args] = backwardCall(qkv, out, lse, gradOut, gradQkv, options);
  getBackend().selfAttentionBackward(args);
}

/**
 * {@link selfAttentionBackward} off the main thread, under the buffer rule of {@link selfAttentionForwardAsync}.
 * @param qkv as {@link selfAttentionBackward}.
 * @param out as {@link selfAttentionBackward}.
 * @param lse as {@link selfAttentionBackward}.
 * @param gradOut as {@link selfAttentionBackward}.
 * @param gradQkv as {@link selfAttentionBackward}.
 * @param options as {@link selfAttentionBackward}.
 * @returns a Promise that settles when gradQkv is written.
 * @throws {TypeError|RangeError} (rejection) as {@link selfAttentionBackward}, or a resizable buffer.
 */
export async function selfAttentionBackwardAsync(qkv: Float32Array, out: Float32Array, lse: Float32Array, gradOut: Float32Array, gradQkv: Float32Array, options: SelfAttentionOptions): Promise<void> {
  const [args, list] = backwardCall(qkv, out, lse, gradOut, gradQkv, options);
  await runAsync(list, () => getBackend().selfAttentionBackwardAsync(args));
}
