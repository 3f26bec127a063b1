/**
 * nn.Softmax and nn.LogSoftmax over the last dimension (PyTorch `nn.Softmax(dim=-1)`,
 * `nn.LogSoftmax(dim=-1)`), over ops.softmax / ops.logSoftmax. Both backward passes need only the
 * forward's output, which the module keeps in its own buffer.
 */
import { invalidArg } from '../errors.js';
import { logSoftmax, logSoftmaxBackward, softmax, softmaxBackward, type SoftmaxOptions } from '../ops/index.js';
import { Module } from './module.js';
import { Buffer, checkGrad, checkTensor, shapeError, type Tensor } from './tensor.js';

type Fwd = (x: Float32Array, y: Float32Array, o: SoftmaxOptions) => Float32Array;
type Bwd = (y: Float32Array, gy: Float32Array, gx: Float32Array, o: SoftmaxOptions) => Float32Array;

/** Shared plumbing: rows × cols over the last dimension, the output kept for backward. */
abstract class LastDimSoftmax extends Module {
  private out: { y: Float32Array; shape: readonly number[]; o: SoftmaxOptions } | null = null;
  private readonly y = new Buffer();
  private readonly gx = new Buffer();
  /** @internal The forward kernel. */
  protected abstract fwd: Fwd;
  /** @internal The backward kernel, from the forward's output. */
  protected abstract bwd: Bwd;

  /**
   * @param dim the dimension to normalise: only -1 (the last), the default, is supported.
   * @throws {TypeError|RangeError} any other dim.
   */
  constructor(dim = -1) {
    super();
    if (typeof dim !== 'number') invalidArg(`new nn.${this.constructor.name}(dim)`, '-1 (the last dimension)', dim);
    if (dim !== -1) invalidArg(`new nn.${this.constructor.name}(dim)`, '-1 (only the last dimension is supported)', dim, 'range');
  }

  /**
   * Normalises each row along the last dimension.
   * @param x rank >= 1, last dimension >= 1 (the rows may hold -Infinity; an all -Infinity row gives NaN, as PyTorch).
   * @returns y, x's shape (the module's buffer, kept for backward).
   * @throws {TypeError|RangeError} x is not a valid Tensor of rank >= 1 with a last dimension >= 1.
   */
  forward(x: Tensor): Tensor {
    const where = this.where('forward', 'x');
    checkTensor(where, x);
    const cols = x.shape[x.shape.length - 1];
    if (x.shape.length < 1 || cols < 1) shapeError(where, '[..., n >= 1]', x.shape);
    const o = { rows: x.data.length / cols, cols };
    const y = this.fwd(x.data, this.y.get(x.data.length), o);
    this.out = { y, shape: x.shape, o };
    return { data: y, shape: x.shape };
  }

  /**
   * ∂loss/∂x from the last forward's output.
   * @param gradOut ∂loss/∂y, x's shape.
   * @returns ∂loss/∂x, x's shape.
   * @throws {GradGuardError} `ERR_GRADGUARD_NO_FORWARD` before any forward.
   * @throws {TypeError|RangeError} gradOut's shape differs from x's.
   */
  backward(gradOut: Tensor): Tensor {
    const c = this.out ?? this.noForward();
    checkGrad(this.where('backward', 'gradOut'), gradOut, c.shape);
    const gx = this.bwd(c.y, gradOut.data, this.gx.get(c.y.length), c.o);
    return { data: gx, shape: c.shape };
  }
}

/**
 * softmax(x)ᵢ = e^(xᵢ − m) / Σⱼ e^(xⱼ − m), m the row maximum, over the last dimension (PyTorch
 * `nn.Softmax(dim=-1)`). Backward: gradX = y ⊙ (gradY − Σ gradY ⊙ y). No parameters.
 */
export class Softmax extends LastDimSoftmax {
  protected fwd: Fwd = softmax;
  protected bwd: Bwd = softmaxBackward;
}

/**
 * logSoftmax(x)ᵢ = xᵢ − m − log Σⱼ e^(xⱼ − m) over the last dimension (PyTorch
 * `nn.LogSoftmax(dim=-1)`). Backward: gradX = gradY − e^y · Σ gradY. No parameters.
 */
export class LogSoftmax extends LastDimSoftmax {
  protected fwd: Fwd = logSoftmax;
  protected bwd: Bwd = logSoftmaxBackward;
}
