/** nn.Linear: y = x·Wᵀ + b over the last dimension (PyTorch `torch.nn.Linear`, weight [out, in]). */
import { uniform, kaimingUniform } from '../init/init.js';
import { linearBackward, linearForward } from '../ops/index.js';
import { Module } from './module.js';
import type { Parameter } from './parameter.js';
import { Buffer, checkGrad, checkLastDim, numel, type Tensor } from './tensor.js';
import { checkSize, INIT_OPTION_KEYS, randomOptions, type InitOptions } from './init-options.js';
import { checkOptions, optionKeys } from '../validate/index.js';

/** Options of {@link Linear}: bias, and the seed or generator for the initial weights. */
export interface LinearOptions extends InitOptions {
  /** Learn an additive bias. Default true. */
  bias?: boolean;
}

const LINEAR_OPTION_KEYS = optionKeys<LinearOptions>()([...INIT_OPTION_KEYS, 'bias']);

/**
 * y = x·Wᵀ + b over the last dimension (PyTorch `nn.Linear`). Parameters "weight" [out, in] and
 * "bias" [out] (unless `bias: false`).
 */
export class Linear extends Module {
  /** Features per input row. */
  readonly inFeatures: number;
  /** Features per output row. */
  readonly outFeatures: number;
  /** W [outFeatures, inFeatures]. */
  readonly weight: Parameter;
  /** b [outFeatures], or null without bias. */
  readonly bias: Parameter | null;
  private x: Tensor | null = null;
  private readonly y = new Buffer();
  private readonly gx = new Buffer();
  // Receives Σ gradWeight², Σ gradBias² from linearBackward (the fused gradient norm's inputs).
  private readonly sumSq = new Float64Array(2);
  /**
   * Whether backward computes its gradients' sums of squares for the store's fused gradient norm
   * (`ParamStore.gradNorms`; only when packed). Default true. Set it to false for a model whose
   * norm nobody reads (no clipping): backward then runs the plain GEMM, and marks the store's sums
   * stale, so a clipped step afterwards takes the read pass. The training-step bench compares the
   * two on the same modules and store.
   */
  fusedNorm = true;

  /**
   * Weight and bias ~ U(−1/√in, 1/√in), PyTorch's default (kaiming_uniform with a = √5).
   * @param inFeatures input features (integer >= 0).
   * @param outFeatures output features (integer >= 0).
   * @param options `bias` (default true), `seed` or `rng`.
   * @throws {TypeError|RangeError} sizes not non-negative integers.
   */
  constructor(inFeatures: number, outFeatures: number, options?: LinearOptions) {
    checkOptions('new nn.Linear: options', options, LINEAR_OPTION_KEYS);
    super();
    this.inFeatures = checkSize('Linear inFeatures', inFeatures, 0);
    this.outFeatures = checkSize('Linear outFeatures', outFeatures, 0);
    const r = randomOptions('Linear', options);
    this.weight = this.addParameter('weight', [outFeatures, inFeatures]);
    kaimingUniform(this.weight.data, this.weight.shape, { ...r, a: Math.sqrt(5) });
    this.bias = options?.bias === false ? null : this.addParameter('bias', [outFeatures]);
    const bound = inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0; // PyTorch: 0 when fan_in is 0
    if (this.bias) uniform(this.bias.data, this.bias.shape, { ...r, a: -bound, b: bound });
  }

  override toString(): string {
    return `Linear(${this.inFeatures}→${this.outFeatures})`;
  }

  /**
   * x [..., in] → y [..., out].
   * @param x any leading dimensions, last dimension inFeatures.
   * @throws {TypeError|RangeError} x is not a Tensor whose last dimension is inFeatures.
   */
  forward(x: Tensor): Tensor {
    checkLastDim(this.where('forward', 'x'), x, this.inFeatures);
    const batch = numel(x.shape.slice(0, -1));
    const y = this.y.get(batch * this.outFeatures);
    linearForward(x.data, this.weight.data, this.bias?.data ?? null, y, { batch, inFeatures: this.inFeatures, outFeatures: this.outFeatures });
    this.x = x;
    return { data: y, shape: [...x.shape.slice(0, -1), this.outFeatures] };
  }

  /**
   * Accumulates weight.grad += gradOutᵀ·x, bias.grad += Σ gradOut; returns gradOut·W. When packed
   * and {@link Linear.fusedNorm} is on, reports both gradients' sums of squares (from the GEMM
   * epilogue and the bias reduction, no extra pass) to the store's fused gradient norms.
   * @param gradOut ∂loss/∂y [..., out].
   * @returns ∂loss/∂x [..., in].
   * @throws {GradGuardError} `ERR_GRADGUARD_NO_FORWARD` before any forward.
   * @throws {TypeError|RangeError} gradOut's shape differs from the output's.
   */
  backward(gradOut: Tensor): Tensor {
    const x = this.x ?? this.noForward();
    const batch = numel(x.shape.slice(0, -1));
    checkGrad(this.where('backward', 'gradOut'), gradOut, [...x.shape.slice(0, -1), this.outFeatures]);
    const gradX = this.gx.get(x.data.length);
    const store = this.weight.store;
    const sums = store !== null && this.fusedNorm;
    linearBackward(
      x.data,
      this.weight.data,
      gradOut.data,
      { gradX, gradWeight: this.weight.grad, gradBias: this.bias?.grad ?? null },
      { batch, inFeatures: this.inFeatures, outFeatures: this.outFeatures, accumulate: true, ...(sums ? { sumSquares: this.sumSq } : {}) },
    );
    if (sums) {
      this.weight.reportGradSumSquares(this.sumSq[0]);
      this.bias?.reportGradSumSquares(this.sumSq[1]);
    } else {
      // Gradients changed without a report: a sum reported earlier in this generation (a previous
      // backward with fusedNorm on) would otherwise pass for current.
      store?.gradNorms.invalidate();
    }
    return { data: gradX, shape: x.shape };
  }
}
