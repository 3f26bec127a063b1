/**
 * nn.MultiheadAttention for self-attention over x `[L, batch, E]` (PyTorch `nn.MultiheadAttention`
 * with batch_first=False and query = key = value): one in-projection GEMM writes q | k | v rows, which
 * ops.selfAttentionForward / selfAttentionBackward read in place (fused, the L×L scores never stored,
 * no head copied out or back); its output rows feed the out-projection. In training with dropout > 0 PyTorch drops attention
 * weights, which the fused op does not expose, so that case runs the unfused path: matmul, the
 * softmax op, the dropout op, matmul — the same result distribution, with the weights stored.
 */
import { invalidArg } from '../errors.js';
import { xavierUniform } from '../init/init.js';
import {
  dropout,
  dropoutBackward,
  linearBackward,
  linearForward,
  matmul,
  selfAttentionBackward,
  selfAttentionForward,
  softmax,
  softmaxBackward,
  type AttentionOptions,
} from '../ops/index.js';
import { checkBoolean, checkOptions, optionKeys } from '../validate/index.js';
import { checkSize, INIT_OPTION_KEYS, randomOptions, type InitOptions } from './init-options.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import type { Parameter } from './parameter.js';
import { Buffer, checkGrad, checkTensor, shapeError, type Tensor } from './tensor.js';

/** Options of {@link MultiheadAttention}. */
export interface MultiheadAttentionOptions extends InitOptions {
  /** Biases in the input and output projections. Default true. */
  bias?: boolean;
  /** Probability of dropping an attention weight in training, in [0, 1]. Default 0. */
  dropout?: number;
}

/** Options of {@link MultiheadAttention.forward}: the attention mask. */
export interface AttentionMaskOptions {
  /** Position i attends only to j <= i (PyTorch's causal mask). Default false. */
  causal?: boolean;
  /**
   * An additive float mask [L, L] added to the scaled scores of every batch and head (PyTorch's float
   * `attn_mask`; -Infinity blocks a pair). A row that blocks everything gives NaN, as PyTorch. With
   * `causal` the two add up. Default none.
   */
  attnMask?: Tensor | null;
}

const MHA_OPTION_KEYS = optionKeys<MultiheadAttentionOptions>()([...INIT_OPTION_KEYS, 'bias', 'dropout']);
const MHA_NOT_YET = ['addBiasKV', 'addZeroAttn', 'kdim', 'vdim', 'batchFirst'];
/** @internal The keys of AttentionMaskOptions (TransformerEncoderLayer.forward takes the same). */
export const MASK_OPTION_KEYS = optionKeys<AttentionMaskOptions>()(['causal', 'attnMask']);
/** @internal PyTorch forward arguments this module does not take yet. */
export const MASK_NOT_YET = ['keyPaddingMask', 'needWeights', 'averageAttnWeights'];

/** @internal A dropout probability in [0, 1]. */
export function checkProbability(name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number') invalidArg(name, 'a number in [0, 1]', v);
  if (!(v >= 0 && v <= 1)) invalidArg(name, 'a number in [0, 1]', v, 'range');
  return v;
}

/** @internal Checks a forward's mask options against sequence length L. */
export function checkMaskOptions(where: string, options: unknown, L: number): { causal: boolean; mask: Float32Array | null } {
  const o = checkOptions(`${where}: options`, options, MASK_OPTION_KEYS, MASK_NOT_YET);
  const causal = checkBoolean(`${where}: options.causal`, o.causal, false);
  let mask: Float32Array | null = null;
  if (o.attnMask !== undefined && o.attnMask !== null) {
    const m = checkTensor(`${where}: options.attnMask`, o.attnMask);
    if (m.shape.length !== 2 || m.shape[0] !== L || m.shape[1] !== L) shapeError(`${where}: options.attnMask`, `[${L}, ${L}] (L = x.shape[0])`, m.shape);
    mask = m.data;
  }
  return { causal, mask };
}

/** What forward keeps for backward. */
interface Cache {
  x: Tensor;
  L: number;
  B: number;
  opts: AttentionOptions;
  /** Unfused (training-dropout) path: probabilities before dropout and the keep mask. */
  dropped: { mask: Uint8Array } | null;
}

/**
 * Multi-head self-attention (Vaswani et al. 2017; PyTorch `nn.MultiheadAttention` used as
 * `mha(x, x, x)` with batch_first=False): Q, K, V = x·W_{q,k,v}ᵀ + b_{q,k,v}, each head h attends
 * with softmax(Q_h·K_hᵀ/√headDim + mask)·V_h, the heads are concatenated and projected,
 * y = O·W_outᵀ + b_out. Parameters with PyTorch's state-dict keys: `in_proj_weight` `[3E, E]`, rows
 * W_q, W_k, W_v, xavier-uniform; `in_proj_bias` `[3E]`, zeros; `out_proj.weight` `[E, E]`, Linear's
 * init; `out_proj.bias` `[E]`, zeros; no biases with `bias: false`.
 */
export class MultiheadAttention extends Module {
  /** E, the model width. */
  readonly embedDim: number;
  /** Heads; each sees headDim = embedDim / numHeads features. */
  readonly numHeads: number;
  /** embedDim / numHeads. */
  readonly headDim: number;
  /** Probability of dropping an attention weight in training. */
  readonly dropout: number;
  /** W_q, W_k, W_v stacked by rows, `[3E, E]`. */
  readonly inProjWeight: Parameter;
  /** b_q, b_k, b_v, `[3E]`, or null without bias. */
  readonly inProjBias: Parameter | null;
  /** The output projection (child "out_proj"). */
  readonly outProj: Linear;
  private cache: Cache | null = null;
  /**
   * Forward workspace: qkv [L·B, 3E] | oFlat [L·B, E]; and only for the unfused dropout path, the
   * heads q | k | v | o (each [B, H, L, hd]).
   */
  private readonly fw = new Workspace(['qkv', 'oFlat', 'q', 'k', 'v', 'o']);
  /** Backward workspace: gqkv [L·B, 3E]; and only for the unfused path gO copy [L·B, E] | go | gq | gk | gv (each [B, H, L, hd]). */
  private readonly bw = new Workspace(['gqkv', 'gO', 'go', 'gq', 'gk', 'gv']);
  private readonly lse = new Buffer();
  private readonly scores = new Buffer();
  private readonly probs = new Buffer();
  private readonly gradScores = new Buffer();
  private readonly gx = new Buffer();
  private keep = new Uint8Array(0);

  /**
   * @param embedDim E, an integer >= 1.
   * @param numHeads heads, an integer >= 1 dividing E.
   * @param options `bias` (default true), `dropout` (default 0), `seed` or `rng`.
   * @throws {TypeError|RangeError} a size that is not a positive integer; embedDim not divisible by
   *   numHeads (the message names both); dropout outside [0, 1].
   */
  constructor(embedDim: number, numHeads: number, options?: MultiheadAttentionOptions) {
    checkOptions('new nn.MultiheadAttention: options', options, MHA_OPTION_KEYS, MHA_NOT_YET);
    super();
    this.embedDim = checkSize('MultiheadAttention embedDim', embedDim);
    this.numHeads = checkSize('MultiheadAttention numHeads', numHeads);
    if (embedDim % numHeads !== 0) invalidArg('MultiheadAttention embedDim', `a multiple of numHeads (${numHeads})`, embedDim, 'range');
    this.headDim = embedDim / numHeads;
    this.dropout = checkProbability('MultiheadAttention options.dropout', options?.dropout, 0);
    const bias = checkBoolean('MultiheadAttention options.bias', options?.bias, true);
    const r = randomOptions('MultiheadAttention', options);
    this.inProjWeight = this.addParameter('in_proj_weight', [3 * embedDim, embedDim]);
    this.inProjBias = bias ? this.addParameter('in_proj_bias', [3 * embedDim]) : null;
    // PyTorch's order of draws: out_proj is built (Linear init) before _reset_parameters draws
    // in_proj_weight; then both biases are zeroed.
    this.outProj = this.addModule('out_proj', new Linear(embedDim, embedDim, { bias, ...r }));
    xavierUniform(this.inProjWeight.data, this.inProjWeight.shape, r);
    this.outProj.bias?.data.fill(0);
  }

  override toString(): string {
    return `MultiheadAttention(${this.embedDim}, heads=${this.numHeads})`;
  }

  /**
   * Self-attention over x.
   * @param x [L, batch, E].
   * @param options `causal` and/or an additive `attnMask` [L, L].
   * @returns y `[L, batch, E]`, the output projection's buffer.
   * @throws {TypeError|RangeError} x not [L, batch, E]; a mask that is not a [L, L] Tensor; unknown options.
   */
  override forward(x: Tensor, options?: AttentionMaskOptions): Tensor {
    const where = this.where('forward', 'x');
    checkTensor(where, x);
    const E = this.embedDim;
    if (x.shape.length !== 3 || x.shape[2] !== E) shapeError(where, `[L, batch, ${E}]`, x.shape);
    const [L, B] = x.shape;
    const { causal, mask } = checkMaskOptions(this.where('forward', 'x, options'), options, L);
    const H = this.numHeads, hd = this.headDim, rows = L * B;
    const unfused = this.training && this.dropout > 0;
    const n = unfused ? B * H * L * hd : 0;
    const w = this.fw.get([rows * 3 * E, rows * E, n, n, n, n]);
    const { qkv, q, k, v, o, oFlat } = w.views;
    linearForward(x.data, this.inProjWeight.data, this.inProjBias?.data ?? null, qkv, { batch: rows, inFeatures: E, outFeatures: 3 * E });
    const opts: AttentionOptions = { batch: B, heads: H, lq: L, lk: L, d: hd, dv: hd, causal, mask };
    let dropped: Cache['dropped'] = null;
    if (unfused) {
      toHeads(w, 'qkv', 3 * E, 0, 'q', L, B, H, hd);
      toHeads(w, 'qkv', 3 * E, E, 'k', L, B, H, hd);
      toHeads(w, 'qkv', 3 * E, 2 * E, 'v', L, B, H, hd);
      dropped = this.unfusedForward(q, k, v, o, opts);
      fromHeads(w, 'o', 'oFlat', E, 0, L, B, H, hd);
    } else {
      selfAttentionForward(qkv, oFlat, this.lse.get(B * H * L), { seqLen: L, batch: B, heads: H, headDim: hd, causal, mask });
    }
    this.cache = { x, L, B, opts, dropped };
    return this.outProj.forward({ data: oFlat, shape: [L, B, E] });
  }

  /**
   * Backpropagates through the output projection, attention and input projection; accumulates into
   * every parameter's grad.
   * @param gradOut ∂loss/∂y, [L, batch, E].
   * @returns ∂loss/∂x `[L, batch, E]`: the sum over x's three uses as query, key and value.
   * @throws {GradGuardError} `ERR_GRADGUARD_NO_FORWARD` before any forward.
   * @throws {TypeError|RangeError} gradOut's shape differs from the output's.
   */
  backward(gradOut: Tensor): Tensor {
    const c = this.cache ?? this.noForward();
    const E = this.embedDim, H = this.numHeads, hd = this.headDim;
    const { L, B, x } = c;
    checkGrad(this.where('backward', 'gradOut'), gradOut, x.shape);
    const gO = this.outProj.backward(gradOut).data;
    const n = c.dropped ? B * H * L * hd : 0;
    const w = this.bw.get([L * B * 3 * E, c.dropped ? L * B * E : 0, n, n, n, n]);
    const { go, gq, gk, gv, gqkv } = w.views;
    const { qkv, oFlat, q, k, v } = this.fw.views;
    if (c.dropped) {
      // One memcpy into the workspace, so the head relayout below runs as copyWithin (no views allocated).
      w.views.gO.set(gO);
      toHeads(w, 'gO', E, 0, 'go', L, B, H, hd);
      this.unfusedBackward(q, k, v, go, gq, gk, gv, c.dropped.mask, c.opts);
      fromHeads(w, 'gq', 'gqkv', 3 * E, 0, L, B, H, hd);
      fromHeads(w, 'gk', 'gqkv', 3 * E, E, L, B, H, hd);
      fromHeads(w, 'gv', 'gqkv', 3 * E, 2 * E, L, B, H, hd);
    } else {
      const { causal, mask } = c.opts;
      selfAttentionBackward(qkv, oFlat, this.lse.current, gO, gqkv, { seqLen: L, batch: B, heads: H, headDim: hd, causal, mask });
    }
    const gx = this.gx.get(x.data.length);
    linearBackward(
      x.data,
      this.inProjWeight.data,
      gqkv,
      { gradX: gx, gradWeight: this.inProjWeight.grad, gradBias: this.inProjBias?.grad ?? null },
      { batch: L * B, inFeatures: E, outFeatures: 3 * E, accumulate: true },
    );
    return { data: gx, shape: x.shape };
  }

  /** S = scale·Q·Kᵀ + mask (causal: −∞ above the diagonal), P = softmax(S), P̃ = dropout(P), O = P̃·V. */
  private unfusedForward(q: Float32Array, k: Float32Array, v: Float32Array, o: Float32Array, opts: AttentionOptions): { mask: Uint8Array } {
    const { batch: B, heads: H, lq: L, d: hd } = opts;
    const blocks = B * H, LL = L * L;
    const s = this.scores.get(blocks * LL);
    const p = this.probs.get(blocks * LL);
    const scale = 1 / Math.sqrt(hd);
    for (let bh = 0; bh < blocks; bh++) {
      matmul(q.subarray(bh * L * hd), k.subarray(bh * L * hd), s.subarray(bh * LL), { m: L, n: L, k: hd, transB: true, alpha: scale });
    }
    const m = opts.mask;
    if (m || opts.causal) {
      for (let bh = 0; bh < blocks; bh++) {
        for (let i = 0; i < L; i++) {
          const row = bh * LL + i * L;
          if (m) for (let j = 0; j < L; j++) s[row + j] += m[i * L + j];
          if (opts.causal) for (let j = i + 1; j < L; j++) s[row + j] = -Infinity;
        }
      }
    }
    softmax(s, p, { rows: blocks * L, cols: L });
    if (this.keep.length !== blocks * LL) this.keep = new Uint8Array(blocks * LL);
    // The dropped weights overwrite the scores (no longer needed): P̃ lives in s.
    dropout(p, s, this.keep, { p: this.dropout });
    for (let bh = 0; bh < blocks; bh++) {
      matmul(s.subarray(bh * LL), v.subarray(bh * L * hd), o.subarray(bh * L * hd), { m: L, n: hd, k: L });
    }
    return { mask: this.keep };
  }

  /** dV = P̃ᵀ·dO; dP̃ = dO·Vᵀ; dP = dropoutBackward(dP̃); dS = softmaxBackward(P, dP); dQ = scale·dS·K; dK = scale·dSᵀ·Q. */
  private unfusedBackward(
    q: Float32Array, k: Float32Array, v: Float32Array, go: Float32Array,
    gq: Float32Array, gk: Float32Array, gv: Float32Array, keep: Uint8Array, opts: AttentionOptions,
  ): void {
    const { batch: B, heads: H, lq: L, d: hd } = opts;
    const blocks = B * H, LL = L * L;
    const pd = this.scores.current, p = this.probs.current;
    const g = this.gradScores.get(blocks * LL);
    const scale = 1 / Math.sqrt(hd);
    for (let bh = 0; bh < blocks; bh++) {
      matmul(pd.subarray(bh * LL), go.subarray(bh * L * hd), gv.subarray(bh * L * hd), { m: L, n: hd, k: L, transA: true });
      matmul(go.subarray(bh * L * hd), v.subarray(bh * L * hd), g.subarray(bh * LL), { m: L, n: L, k: hd, transB: true });
    }
    // P̃ (in scores) is no longer needed after dV: it takes dP, then g takes dS.
    dropoutBackward(g, keep, pd, { p: this.dropout });
    softmaxBackward(p, pd, g, { rows: blocks * L, cols: L });
    for (let bh = 0; bh < blocks; bh++) {
      matmul(g.subarray(bh * LL), k.subarray(bh * L * hd), gq.subarray(bh * L * hd), { m: L, n: hd, k: L, alpha: scale });
      matmul(g.subarray(bh * LL), q.subarray(bh * L * hd), gk.subarray(bh * L * hd), { m: L, n: hd, k: L, transA: true, alpha: scale });
    }
  }
}

/**
 * Named, contiguous parts of one Float32Array, reallocated only when the sizes change. Keeping the
 * head-major tensors and their row-major counterparts in one array lets the relayout between them
 * run as `copyWithin` (a memmove, no view objects allocated per run of headDim floats).
 */
class Workspace<K extends string> {
  private buf = new Float32Array(0);
  private sizes: number[] = [];
  /** The parts, as views of the one array (valid until sizes change). */
  views = {} as Record<K, Float32Array>;
  /** Offsets of the parts in `buf`. */
  offsets = {} as Record<K, number>;
  constructor(private readonly names: readonly K[]) {}

  /** The workspace with parts of these sizes, in `names` order. */
  get(sizes: readonly number[]): this {
    if (sizes.length !== this.sizes.length || sizes.some((n, i) => n !== this.sizes[i])) {
      this.buf = new Float32Array(sizes.reduce((a, b) => a + b, 0));
      let off = 0;
      this.names.forEach((name, i) => {
        this.offsets[name] = off;
        this.views[name] = this.buf.subarray(off, off + sizes[i]);
        off += sizes[i];
      });
      this.sizes = [...sizes];
    }
    return this;
  }

  /** Copies `len` floats within the array. */
  copy(dst: number, src: number, len: number): void {
    if (len >= 8) this.buf.copyWithin(dst, src, src + len);
    else for (let t = 0; t < len; t++) this.buf[dst + t] = this.buf[src + t];
  }
}

/**
 * Part `from`, rows [L, B, stride] (head h in features `offset + h·hd …`) → part `to`,
 * [B, H, L, hd]: the head-major layout the attention op takes.
 */
function toHeads<K extends string>(w: Workspace<K>, from: K, stride: number, offset: number, to: K, L: number, B: number, H: number, hd: number): void {
  const src = w.offsets[from] + offset, dst = w.offsets[to];
  for (let l = 0; l < L; l++) {
    for (let b = 0; b < B; b++) {
      const s0 = src + (l * B + b) * stride;
      for (let h = 0; h < H; h++) w.copy(dst + ((b * H + h) * L + l) * hd, s0 + h * hd, hd);
    }
  }
}

/** The inverse of toHeads: part `from` [B, H, L, hd] → features `offset + h·hd …` of part `to`'s [L, B, stride] rows. */
function fromHeads<K extends string>(w: Workspace<K>, from: K, to: K, stride: number, offset: number, L: number, B: number, H: number, hd: number): void {
  const src = w.offsets[from], dst = w.offsets[to] + offset;
  for (let l = 0; l < L; l++) {
    for (let b = 0; b < B; b++) {
      const d0 = dst + (l * B + b) * stride;
      for (let h = 0; h < H; h++) w.copy(d0 + h * hd, src + ((b * H + h) * L + l) * hd, hd);
    }
  }
}
