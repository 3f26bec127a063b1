/**
 * BatchNorm1d over [batch, features], BatchNorm2d over [N, C, H, W] and LayerNorm over the last
 * dimension (PyTorch `nn.BatchNorm1d` with 2-D input, `nn.BatchNorm2d`, `nn.LayerNorm` with one
 * normalised dimension), over ops.batchNorm1d / batchNorm2d / layerNorm.
 * BatchNorm's running mean and (unbiased) variance are buffers (`running_mean`, `running_var`): saved
 * in the state dict, updated in training mode, used in eval mode.
 */
import { batchNorm1d, batchNorm1dBackward, layerNorm, layerNormBackward, type BatchNorm1dSaved, type LayerNormSaved } from '../ops/index.js';
import { batchNorm2d, batchNorm2dBackward, type BatchNorm2dSaved } from '../ops/index.js';
import { invalidArg } from '../errors.js';
import { Module } from './module.js';
import type { Parameter } from './parameter.js';
import { Buffer, checkGrad, checkLastDim, checkTensor, shapeError, type Tensor } from './tensor.js';
import { checkSize } from './init-options.js';
import { checkOptions, optionKeys } from '../validate/index.js';

function finiteOption(name: string, v: unknown, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number') invalidArg(name, 'a number', v);
  if (!Number.isFinite(v) || v < min) invalidArg(name, `a finite number >= ${min}`, v, 'range');
  return v;
}

/** Options of {@link BatchNorm1d}. */
export interface BatchNorm1dOptions {
  /** Added to the variance before the square root (finite, >= 0). Default 1e-5. */
  eps?: number;
  /** Running-statistics update rate (finite, >= 0). Default 0.1. */
  momentum?: number;
  /** Learn γ (weight, ones) and β (bias, zeros). Default true. */
  affine?: boolean;
}

const BATCH_NORM_OPTION_KEYS = optionKeys<BatchNorm1dOptions>()(['eps', 'momentum', 'affine']);

/**
 * What BatchNorm1d and BatchNorm2d share: the options, γ and β, the running statistics (buffers
 * `running_mean`, `running_var`) and the arguments both ops take.
 */
abstract class BatchNormBase extends Module {
  /** Features (channels) C. */
  readonly numFeatures: number;
  /** Added to the variance. */
  readonly eps: number;
  /** Running-statistics update rate. */
  readonly momentum: number;
  /** γ [C], or null without affine. */
  readonly weight: Parameter | null;
  /** β [C], or null without affine. */
  readonly bias: Parameter | null;
  /** Running mean [C] (buffer `running_mean`, starts at 0). */
  readonly runningMean: Float32Array;
  /** Running unbiased variance [C] (buffer `running_var`, starts at 1). */
  readonly runningVar: Float32Array;
  private readonly gx = new Buffer();
  private readonly y = new Buffer();

  /** @internal */
  protected constructor(label: string, numFeatures: number, options: BatchNorm1dOptions | undefined) {
    checkOptions(`new nn.${label}: options`, options, BATCH_NORM_OPTION_KEYS, ['trackRunningStats']);
    super();
    this.numFeatures = checkSize(`${label} numFeatures`, numFeatures);
    this.eps = finiteOption(`${label} options.eps`, options?.eps, 1e-5, 0);
    this.momentum = finiteOption(`${label} options.momentum`, options?.momentum, 0.1, 0);
    const affine = options?.affine !== false;
    this.weight = affine ? this.addParameter('weight', [numFeatures]) : null;
    this.weight?.data.fill(1);
    this.bias = affine ? this.addParameter('bias', [numFeatures]) : null;
    this.runningMean = this.addBuffer('running_mean', [numFeatures], 0);
    this.runningVar = this.addBuffer('running_var', [numFeatures], 1);
  }

  /** @internal The forward op's options, its output an n-element buffer this module reuses. */
  protected forwardOptions(n: number) {
    return {
      weight: this.weight?.data ?? null,
      bias: this.bias?.data ?? null,
      runningMean: this.runningMean,
      runningVar: this.runningVar,
      training: this.training,
      momentum: this.momentum,
      eps: this.eps,
      out: this.y.get(n),
    };
  }

  /** @internal The backward op's options: gradX an n-element reused buffer, γ/β gradients accumulated. */
  protected backwardOptions(n: number) {
    return {
      weight: this.weight?.data ?? null,
      gradX: this.gx.get(n),
      ...(this.weight && this.bias ? { gradWeight: this.weight.grad, gradBias: this.bias.grad, accumulate: true } : {}),
    };
  }
}

/**
 * Batch normalisation over x [batch, features] (PyTorch `nn.BatchNorm1d` with 2-D input), over
 * {@link ops.batchNorm1d}. Training mode normalises with the batch statistics and updates the running
 * mean and unbiased variance (buffers `running_mean`, `running_var`: saved in the state dict); eval
 * mode uses the running statistics. Parameters "weight" (γ, ones) and "bias" (β, zeros) unless
 * `affine: false`.
 */
export class BatchNorm1d extends BatchNormBase {
  private cache: { x: Tensor; saved: BatchNorm1dSaved } | null = null;

  /**
   * @param numFeatures C, an integer >= 1.
   * @param options eps (default 1e-5), momentum (default 0.1), affine (default true).
   * @throws {TypeError|RangeError} a bad size or option.
   */
  constructor(numFeatures: number, options?: BatchNorm1dOptions) {
    super('BatchNorm1d', numFeatures, options);
  }

  override toString(): string {
    return `BatchNorm1d(${this.numFeatures})`;
  }

  /**
   * x [batch, features] → y, normalised per feature.
   * @param x [batch, numFeatures]; batch >= 2 in training.
   * @throws {TypeError|RangeError} not a Tensor, wrong shape; batch < 2 in training.
   */
  forward(x: Tensor): Tensor {
    const where = this.where('forward', 'x');
    checkTensor(where, x);
    if (x.shape.length !== 2 || x.shape[1] !== this.numFeatures) shapeError(where, `[batch, ${this.numFeatures}]`, x.shape);
    const [n, c] = x.shape;
    if (this.training && n < 2) invalidArg(where, 'a batch of at least 2 in training mode (batch statistics)', n, 'range');
    const r = batchNorm1d(x.data, [n, c], this.forwardOptions(n * c));
    this.cache = { x, saved: r };
    return { data: r.y, shape: x.shape };
  }

  /**
   * Through the batch statistics after a training forward, the running ones after an eval forward;
   * accumulates into weight.grad and bias.grad.
   * @param gradOut ∂loss/∂y, [batch, numFeatures].
   * @returns ∂loss/∂x.
   * @throws {GradGuardError} `ERR_GRADGUARD_NO_FORWARD` before any forward.
   */
  backward(gradOut: Tensor): Tensor {
    const c = this.cache ?? this.noForward();
    checkGrad(this.where('backward', 'gradOut'), gradOut, c.x.shape);
    const [n, f] = c.x.shape;
    const g = batchNorm1dBackward(gradOut.data, c.x.data, [n, f], c.saved, this.backwardOptions(n * f));
    this.reportGradsPostHoc(); // fused gradient norm: sums taken while the gradients are warm
    return { data: g.gradX, shape: c.x.shape };
  }
}

/** Options of {@link LayerNorm}. */
export interface LayerNormOptions {
  /** Added to the variance before the square root (finite, >= 0). Default 1e-5. */
  eps?: number;
  /** Learn γ (ones) and β (zeros). Default true. */
  elementwiseAffine?: boolean;
}

const LAYER_NORM_OPTION_KEYS = optionKeys<LayerNormOptions>()(['eps', 'elementwiseAffine']);

/**
 * Layer normalisation over the last dimension D (PyTorch `nn.LayerNorm(D)`), over
 * {@link ops.layerNorm}. Parameters "weight" (γ, ones) and "bias" (β, zeros) unless
 * `elementwiseAffine: false`.
 */
export class LayerNorm extends Module {
  /** D, the size of the last dimension. */
  readonly normalizedSize: number;
  /** Added to the variance. */
  readonly eps: number;
  /** γ [D], or null without elementwiseAffine. */
  readonly weight: Parameter | null;
  /** β [D], or null without elementwiseAffine. */
  readonly bias: Parameter | null;
  private cache: { x: Tensor; saved: LayerNormSaved } | null = null;
  private readonly gx = new Buffer();
  private readonly y = new Buffer();

  /**
   * @param normalizedSize D, an integer >= 1.
   * @param options eps (default 1e-5), elementwiseAffine (default true).
   * @throws {TypeError|RangeError} a bad size or option.
   */
  constructor(normalizedSize: number, options?: LayerNormOptions) {
    checkOptions('new nn.LayerNorm: options', options, LAYER_NORM_OPTION_KEYS, ['bias']);
    super();
    this.normalizedSize = checkSize('LayerNorm normalizedSize', normalizedSize);
    this.eps = finiteOption('LayerNorm options.eps', options?.eps, 1e-5, 0);
    const affine = options?.elementwiseAffine !== false;
    this.weight = affine ? this.addParameter('weight', [normalizedSize]) : null;
    this.weight?.data.fill(1);
    this.bias = affine ? this.addParameter('bias', [normalizedSize]) : null;
  }

  override toString(): string {
    return `LayerNorm(${this.normalizedSize})`;
  }

  /**
   * x [..., D] → y, each row normalised.
   * @param x any leading dimensions, last dimension D.
   * @throws {TypeError|RangeError} not a Tensor, or the last dimension is not D.
   */
  forward(x: Tensor): Tensor {
    checkLastDim(this.where('forward', 'x'), x, this.normalizedSize);
    const r = layerNorm(x.data, this.normalizedSize, {
      weight: this.weight?.data ?? null,
      bias: this.bias?.data ?? null,
      eps: this.eps,
      out: this.y.get(x.data.length),
    });
    this.cache = { x, saved: r };
    return { data: r.y, shape: x.shape };
  }

  /**
   * Accumulates into weight.grad and bias.grad.
   * @param gradOut ∂loss/∂y, x's shape.
   * @returns ∂loss/∂x.
   * @throws {GradGuardError} `ERR_GRADGUARD_NO_FORWARD` before any forward.
   */
  backward(gradOut: Tensor): Tensor {
    const c = this.cache ?? this.noForward();
    checkGrad(this.where('backward', 'gradOut'), gradOut, c.x.shape);
    const g = layerNormBackward(gradOut.data, c.x.data, this.normalizedSize, c.saved, {
      weight: this.weight?.data ?? null,
      gradX: this.gx.get(c.x.data.length),
      ...(this.weight && this.bias ? { gradWeight: this.weight.grad, gradBias: this.bias.grad, accumulate: true } : {}),
    });
    this.reportGradsPostHoc(); // fused gradient norm: sums taken while the gradients are warm
    return { data: g.gradX, shape: c.x.shape };
  }
}

/** Options of {@link BatchNorm2d}: as BatchNorm1d's (eps, momentum, affine). */
export type BatchNorm2dOptions = BatchNorm1dOptions;

/**
 * Batch normalisation per channel of x [N, C, H, W] over N·H·W (PyTorch `nn.BatchNorm2d`), over
 * {@link ops.batchNorm2d}. As {@link BatchNorm1d}: training mode uses the batch statistics and
 * updates the running mean and unbiased variance (buffers `running_mean`, `running_var`); eval mode
 * uses the running ones. Parameters "weight" (γ, ones) and "bias" (β, zeros) unless `affine: false`.
 */
export class BatchNorm2d extends BatchNormBase {
  private cache: { x: Tensor; shape: [number, number, number, number]; saved: BatchNorm2dSaved } | null = null;

  /**
   * @param numFeatures C, an integer >= 1.
   * @param options eps (default 1e-5), momentum (default 0.1), affine (default true).
   * @throws {TypeError|RangeError} a bad size or option.
   */
  constructor(numFeatures: number, options?: BatchNorm2dOptions) {
    super('BatchNorm2d', numFeatures, options);
  }

  override toString(): string {
    return `BatchNorm2d(${this.numFeatures})`;
  }

  /**
   * x [N, C, H, W] → y, normalised per channel.
   * @param x [N, numFeatures, H, W]; N·H·W >= 2 in training.
   * @throws {TypeError|RangeError} not a Tensor, wrong rank or channel count; N·H·W < 2 in training.
   */
  forward(x: Tensor): Tensor {
    const where = this.where('forward', 'x');
    checkTensor(where, x);
    if (x.shape.length !== 4 || x.shape[1] !== this.numFeatures) shapeError(where, `[N, ${this.numFeatures}, H, W]`, x.shape);
    const shape = x.shape as unknown as [number, number, number, number];
    const [n, , h, w] = shape;
    // PyTorch: "Expected more than 1 value per channel when training".
    if (this.training && n * h * w < 2) invalidArg(where, 'more than 1 value per channel (N·H·W >= 2) in training mode', `shape [${x.shape.join(', ')}]`, 'range');
    const r = batchNorm2d(x.data, shape, this.forwardOptions(x.data.length));
    this.cache = { x, shape: [...shape], saved: r };
    return { data: r.y, shape: x.shape };
  }

  /**
   * Through the batch statistics after a training forward, the running ones after an eval forward;
   * accumulates into weight.grad and bias.grad.
   * @param gradOut ∂loss/∂y, x's shape.
   * @returns ∂loss/∂x.
   * @throws {GradGuardError} `ERR_GRADGUARD_NO_FORWARD` before any forward.
   */
  backward(gradOut: Tensor): Tensor {
    const c = this.cache ?? this.noForward();
    checkGrad(this.where('backward', 'gradOut'), gradOut, c.x.shape);
    const g = batchNorm2dBackward(gradOut.data, c.x.data, c.shape, c.saved, this.backwardOptions(c.x.data.length));
    this.reportGradsPostHoc(); // fused gradient norm: sums taken while the gradients are warm
    return { data: g.gradX, shape: c.x.shape };
  }
}
