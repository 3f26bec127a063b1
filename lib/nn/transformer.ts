/**
 * nn.TransformerEncoderLayer (PyTorch `nn.TransformerEncoderLayer`, batch_first=False): self-attention
 * and a feed-forward block, each with a residual connection, dropout and LayerNorm, post-norm (the
 * original Transformer, PyTorch's default) or pre-norm (`normFirst`). Built from the modules
 * MultiheadAttention, Linear, LayerNorm and ReLU/GELU, with PyTorch's submodule names.
 */
import { Dropout } from './dropout.js';
import { invalidArg } from '../errors.js';
import { checkBoolean, checkOptions, finiteOr, optionKeys } from '../validate/index.js';
import { GELU, ReLU } from './activation.js';
import { checkMaskOptions, checkProbability, MultiheadAttention, type AttentionMaskOptions } from './attention.js';
import { checkSize, INIT_OPTION_KEYS, randomOptions, type InitOptions } from './init-options.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import { LayerNorm } from './normalization.js';
import { Buffer, checkGrad, checkTensor, shapeError, type Tensor } from './tensor.js';

/** out = a + b elementwise (a residual add; one monomorphic loop the JIT keeps optimised). */
function add(a: Float32Array, b: Float32Array, out: Float32Array): void {
  const n = out.length;
  for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
}

/** Options of {@link TransformerEncoderLayer} (PyTorch's names in camelCase). */
export interface TransformerEncoderLayerOptions extends InitOptions {
  /** Width of the feed-forward block. Default 2048. */
  dimFeedforward?: number;
  /** Dropout probability after attention, inside and after the feed-forward block, and on the attention weights, in [0, 1]. Default 0.1. */
  dropout?: number;
  /** The feed-forward activation: 'relu' (default) or 'gelu' (exact). */
  activation?: 'relu' | 'gelu';
  /** LayerNorm before each block (pre-norm) instead of after the residual add. Default false. */
  normFirst?: boolean;
  /** The LayerNorms' eps. Default 1e-5. */
  layerNormEps?: number;
}

const LAYER_OPTION_KEYS = optionKeys<TransformerEncoderLayerOptions>()([...INIT_OPTION_KEYS, 'dimFeedforward', 'dropout', 'activation', 'normFirst', 'layerNormEps']);

/**
 * One Transformer encoder layer (Vaswani et al. 2017; PyTorch `nn.TransformerEncoderLayer`) over
 * x [L, batch, dModel]. Post-norm (default):
 * `x = norm1(x + dropout1(selfAttn(x)))`, `y = norm2(x + dropout2(linear2(dropout(act(linear1(x))))))`.
 * Pre-norm (`normFirst`): `x = x + dropout1(selfAttn(norm1(x)))`,
 * `y = x + dropout2(linear2(dropout(act(linear1(norm2(x))))))`. Children, with PyTorch's names and
 * state-dict keys: `self_attn`, `linear1`, `dropout`, `linear2`, `norm1`, `norm2`, `dropout1`, `dropout2`.
 */
export class TransformerEncoderLayer extends Module {
  /** d_model, the width. */
  readonly dModel: number;
  /** The self-attention (child "self_attn"). */
  readonly selfAttn: MultiheadAttention;
  /** dModel → dimFeedforward (child "linear1"). */
  readonly linear1: Linear;
  /** dimFeedforward → dModel (child "linear2"). */
  readonly linear2: Linear;
  /** Around the attention block (child "norm1"). */
  readonly norm1: LayerNorm;
  /** Around the feed-forward block (child "norm2"). */
  readonly norm2: LayerNorm;
  /** Pre-norm (true) or post-norm. */
  readonly normFirst: boolean;
  private readonly drop: Dropout;
  private readonly drop1: Dropout;
  private readonly drop2: Dropout;
  private readonly act: ReLU | GELU;
  private shape: readonly number[] | null = null;
  private readonly h = new Buffer();
  private readonly y = new Buffer();
  private readonly g1 = new Buffer();
  private readonly gx = new Buffer();

  /**
   * @param dModel the width E, an integer >= 1.
   * @param nhead attention heads, an integer >= 1 dividing dModel.
   * @param options `dimFeedforward` (2048), `dropout` (0.1), `activation` ('relu'), `normFirst`
   *   (false), `layerNormEps` (1e-5), `seed` or `rng` (one generator draws every weight, in parameter order).
   * @throws {TypeError|RangeError} a bad size or option; dModel not divisible by nhead.
   */
  constructor(dModel: number, nhead: number, options?: TransformerEncoderLayerOptions) {
    checkOptions('new nn.TransformerEncoderLayer: options', options, LAYER_OPTION_KEYS, ['batchFirst', 'device', 'dtype']);
    super();
    this.dModel = checkSize('TransformerEncoderLayer dModel', dModel);
    const ff = checkSize('TransformerEncoderLayer options.dimFeedforward', options?.dimFeedforward ?? 2048);
    const p = checkProbability('TransformerEncoderLayer options.dropout', options?.dropout, 0.1);
    const activation = options?.activation ?? 'relu';
    if (activation !== 'relu' && activation !== 'gelu') invalidArg('TransformerEncoderLayer options.activation', '"relu" or "gelu"', activation, typeof activation === 'string' ? 'range' : 'type');
    this.normFirst = checkBoolean('TransformerEncoderLayer options.normFirst', options?.normFirst, false);
    const eps = finiteOr('TransformerEncoderLayer options.layerNormEps', options?.layerNormEps, 1e-5, 0);
    // One generator for every child, so a seed reproduces the whole layer.
    const r = randomOptions('TransformerEncoderLayer', options);
    this.selfAttn = this.addModule('self_attn', new MultiheadAttention(dModel, nhead, { dropout: p, ...r }));
    this.linear1 = this.addModule('linear1', new Linear(dModel, ff, r));
    this.drop = this.addModule('dropout', new Dropout(p));
    this.linear2 = this.addModule('linear2', new Linear(ff, dModel, r));
    this.norm1 = this.addModule('norm1', new LayerNorm(dModel, { eps }));
    this.norm2 = this.addModule('norm2', new LayerNorm(dModel, { eps }));
    this.drop1 = this.addModule('dropout1', new Dropout(p));
    this.drop2 = this.addModule('dropout2', new Dropout(p));
    this.act = activation === 'relu' ? new ReLU() : new GELU();
  }

  override toString(): string {
    return `TransformerEncoderLayer(${this.dModel}, heads=${this.selfAttn.numHeads}${this.normFirst ? ', normFirst' : ''})`;
  }

  /** linear2(dropout(act(linear1(x)))), then dropout2. */
  private feedForward(x: Tensor): Tensor {
    return this.drop2.forward(this.linear2.forward(this.drop.forward(this.act.forward(this.linear1.forward(x)))));
  }

  private feedForwardBackward(g: Tensor): Tensor {
    return this.linear1.backward(this.act.backward(this.drop.backward(this.linear2.backward(this.drop2.backward(g)))));
  }

  /**
   * One layer over x.
   * @param x [L, batch, dModel].
   * @param options `causal` and/or an additive `attnMask` [L, L] for the self-attention (PyTorch `src_mask`).
   * @returns y `[L, batch, dModel]`, a buffer of this layer or of its last norm.
   * @throws {TypeError|RangeError} x not [L, batch, dModel]; a bad mask; unknown options.
   */
  override forward(x: Tensor, options?: AttentionMaskOptions): Tensor {
    const where = this.where('forward', 'x');
    checkTensor(where, x);
    if (x.shape.length !== 3 || x.shape[2] !== this.dModel) shapeError(where, `[L, batch, ${this.dModel}]`, x.shape);
    checkMaskOptions(this.where('forward', 'x, options'), options, x.shape[0]);
    this.shape = x.shape;
    const n = x.data.length;
    const h = this.h.get(n);
    if (this.normFirst) {
      const a = this.drop1.forward(this.selfAttn.forward(this.norm1.forward(x), options)).data;
      add(x.data, a, h);
      const f = this.feedForward(this.norm2.forward({ data: h, shape: x.shape })).data;
      const y = this.y.get(n);
      add(h, f, y);
      return { data: y, shape: x.shape };
    }
    const a = this.drop1.forward(this.selfAttn.forward(x, options)).data;
    add(x.data, a, h);
    const x1 = this.norm1.forward({ data: h, shape: x.shape });
    const f = this.feedForward(x1).data;
    const y = this.y.get(n);
    add(x1.data, f, y);
    return this.norm2.forward({ data: y, shape: x.shape });
  }

  /**
   * Backpropagates through both blocks and their residual paths; accumulates into every parameter's grad.
   * @param gradOut ∂loss/∂y, [L, batch, dModel].
   * @returns ∂loss/∂x (this layer's buffer).
   * @throws {GradGuardError} `ERR_GRADGUARD_NO_FORWARD` before any forward.
   * @throws {TypeError|RangeError} gradOut's shape differs from the output's.
   */
  backward(gradOut: Tensor): Tensor {
    const shape = this.shape ?? this.noForward();
    checkGrad(this.where('backward', 'gradOut'), gradOut, shape);
    const n = gradOut.data.length;
    const g1 = this.g1.get(n), gx = this.gx.get(n);
    if (this.normFirst) {
      // y = h + F(norm2(h)): ∂h = gradOut + norm2ᵀ(Fᵀ(gradOut)); h = x + A(norm1(x)): ∂x = ∂h + norm1ᵀ(Aᵀ(∂h)).
      const gf = this.norm2.backward(this.feedForwardBackward(gradOut)).data;
      add(gradOut.data, gf, g1);
      const gh = { data: g1, shape };
      const ga = this.norm1.backward(this.selfAttn.backward(this.drop1.backward(gh))).data;
      add(g1, ga, gx);
      return { data: gx, shape };
    }
    // y = norm2(x1 + F(x1)): ∂x1 = g + Fᵀ(g) with g = norm2ᵀ(gradOut); x1 = norm1(x + A(x)): ∂x = h + Aᵀ(h) with h = norm1ᵀ(∂x1).
    const g = this.norm2.backward(gradOut);
    const gf = this.feedForwardBackward(g).data;
    add(g.data, gf, g1);
    const gh = this.norm1.backward({ data: g1, shape });
    const ga = this.selfAttn.backward(this.drop1.backward(gh)).data;
    add(gh.data, ga, gx);
    return { data: gx, shape };
  }
}
