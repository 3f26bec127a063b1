/**
 * Elementwise activations as modules (PyTorch `nn.ReLU`, `nn.Tanh`, ...), over the ops kernels. Any
 * input shape; the output has the same shape. Backward uses the forward's input (do not modify it
 * in between).
 */
import * as ops from '../ops/index.js';
import { Module } from './module.js';
import { Buffer, checkGrad, checkTensor, type Tensor } from './tensor.js';

type Fwd = (x: Float32Array, y: Float32Array) => void;
type Bwd = (x: Float32Array, gy: Float32Array, gx: Float32Array) => void;

/** Shared forward/backward plumbing: reused output and gradient buffers, cached input. */
abstract class Activation extends Module {
  private x: Tensor | null = null;
  private readonly y = new Buffer();
  private readonly gx = new Buffer();
  /** @internal The elementwise forward kernel. */
  protected abstract fwd: Fwd;
  /** @internal The elementwise backward kernel. */
  protected abstract bwd: Bwd;

  /**
   * Applies the activation elementwise (the input is cached for backward: do not modify it in between).
   * @param x any shape.
   * @returns y, x's shape.
   * @throws {TypeError|RangeError} x is not a valid Tensor.
   */
  forward(x: Tensor): Tensor {
    checkTensor(this.where('forward', 'x'), x);
    const y = this.y.get(x.data.length);
    this.fwd(x.data, y);
    this.x = x;
    return { data: y, shape: x.shape };
  }

  /**
   * gradX = gradOut·f'(x) for the last forward's x.
   * @param gradOut ∂loss/∂y, x's shape.
   * @returns ∂loss/∂x, x's shape.
   * @throws {GradGuardError} `ERR_GRADGUARD_NO_FORWARD` before any forward.
   * @throws {TypeError|RangeError} gradOut's shape differs from x's.
   */
  backward(gradOut: Tensor): Tensor {
    const x = this.x ?? this.noForward();
    checkGrad(this.where('backward', 'gradOut'), gradOut, x.shape);
    const gx = this.gx.get(x.data.length);
    this.bwd(x.data, gradOut.data, gx);
    return { data: gx, shape: x.shape };
  }
}

/** relu(x) = max(x, 0) (PyTorch `nn.ReLU`; relu'(0) = 0). No parameters. */
export class ReLU extends Activation {
  protected fwd: Fwd = (x, y) => ops.relu(x, y);
  protected bwd: Bwd = (x, g, gx) => ops.reluBackward(x, g, gx);
}

/** leakyRelu(x) = x > 0 ? x : negativeSlope·x (PyTorch `nn.LeakyReLU`, default slope 0.01). */
export class LeakyReLU extends Activation {
  /** Slope for x <= 0. */
  readonly negativeSlope: number;
  /**
   * Checks the hyper-parameters at construction (not at the first forward).
   * @param negativeSlope slope for x <= 0 (default 0.01).
   * @throws {TypeError|RangeError} a non-number or NaN slope.
   */
  constructor(negativeSlope = 0.01) {
    super();
    this.negativeSlope = negativeSlope;
    ops.leakyRelu(new Float32Array(0), null, { negativeSlope }); // validates the slope now
  }
  override toString(): string {
    return `LeakyReLU(${this.negativeSlope})`;
  }
  protected fwd: Fwd = (x, y) => ops.leakyRelu(x, y, { negativeSlope: this.negativeSlope });
  protected bwd: Bwd = (x, g, gx) => ops.leakyReluBackward(x, g, gx, { negativeSlope: this.negativeSlope });
}

/** tanh(x) (PyTorch `nn.Tanh`). No parameters. */
export class Tanh extends Activation {
  protected fwd: Fwd = (x, y) => ops.tanh(x, y);
  protected bwd: Bwd = (x, g, gx) => ops.tanhBackward(x, g, gx);
}

/** σ(x) = 1 / (1 + e^−x) (PyTorch `nn.Sigmoid`). No parameters. */
export class Sigmoid extends Activation {
  protected fwd: Fwd = (x, y) => ops.sigmoid(x, y);
  protected bwd: Bwd = (x, g, gx) => ops.sigmoidBackward(x, g, gx);
}

/** gelu(x) = x·Φ(x) (exact), or the tanh approximation (PyTorch `nn.GELU`). */
export class GELU extends Activation {
  /** 'none' (exact erf) or 'tanh'. */
  readonly approximate: 'none' | 'tanh';
  /**
   * Checks the hyper-parameters at construction (not at the first forward).
   * @param approximate 'none' (default, exact erf) or 'tanh'.
   * @throws {TypeError|RangeError} any other value.
   */
  constructor(approximate: 'none' | 'tanh' = 'none') {
    super();
    this.approximate = approximate;
    ops.gelu(new Float32Array(0), null, { approximate });
  }
  protected fwd: Fwd = (x, y) => ops.gelu(x, y, { approximate: this.approximate });
  protected bwd: Bwd = (x, g, gx) => ops.geluBackward(x, g, gx, { approximate: this.approximate });
}

/** elu(x) = x > 0 ? x : alpha·(e^x − 1) (PyTorch `nn.ELU`, default alpha 1). */
export class ELU extends Activation {
  /** Scale of the negative part. */
  readonly alpha: number;
  /**
   * Checks the hyper-parameters at construction (not at the first forward).
   * @param alpha scale of the negative part (default 1).
   * @throws {TypeError|RangeError} a non-number or NaN alpha.
   */
  constructor(alpha = 1) {
    super();
    this.alpha = alpha;
    ops.elu(new Float32Array(0), null, { alpha });
  }
  protected fwd: Fwd = (x, y) => ops.elu(x, y, { alpha: this.alpha });
  protected bwd: Bwd = (x, g, gx) => ops.eluBackward(x, g, gx, { alpha: this.alpha });
}

/** softplus(x) = log(1 + e^(beta·x)) / beta, x itself where beta·x > threshold (PyTorch `nn.Softplus`, defaults 1, 20). */
export class Softplus extends Activation {
  /** Sharpness. */
  readonly beta: number;
  /** Above beta·x > threshold the output is x. */
  readonly threshold: number;
  /**
   * Checks the hyper-parameters at construction (not at the first forward).
   * @param beta sharpness, finite and non-zero (default 1).
   * @param threshold linear above beta·x > threshold, not NaN (default 20).
   * @throws {TypeError|RangeError} a bad beta or threshold.
   */
  constructor(beta = 1, threshold = 20) {
    super();
    this.beta = beta;
    this.threshold = threshold;
    ops.softplus(new Float32Array(0), null, { beta, threshold });
  }
  protected fwd: Fwd = (x, y) => ops.softplus(x, y, { beta: this.beta, threshold: this.threshold });
  protected bwd: Bwd = (x, g, gx) => ops.softplusBackward(x, g, gx, { beta: this.beta, threshold: this.threshold });
}
