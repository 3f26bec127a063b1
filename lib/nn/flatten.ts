/**
 * Flatten(startDim = 1, endDim = −1) (PyTorch `nn.Flatten`): merges dimensions startDim..endDim into
 * one, e.g. Flatten(0, 1) turns a per-step output [seq, batch, classes] into [seq·batch, classes] for
 * CrossEntropyLoss. A view: no copy forward or backward.
 */
import { invalidArg } from '../errors.js';
import { Module } from './module.js';
import { checkGrad, checkTensor, shapeError, type Tensor } from './tensor.js';

/**
 * Merges dimensions startDim..endDim into one (PyTorch `nn.Flatten`), e.g. Flatten(0, 1) turns
 * [seq, batch, classes] into [seq·batch, classes] for CrossEntropyLoss. A view: no copy forward or
 * backward. No parameters.
 */
export class Flatten extends Module {
  /** First dimension merged (negative counts from the end). */
  readonly startDim: number;
  /** Last dimension merged (negative counts from the end). */
  readonly endDim: number;
  private shape: readonly number[] | null = null;
  private outShape: number[] = [];

  /**
   * @param startDim first dimension to merge (default 1, keeping the batch dimension).
   * @param endDim last dimension to merge (default −1, the last).
   * @throws {TypeError} a non-integer dimension.
   */
  constructor(startDim = 1, endDim = -1) {
    super();
    if (!Number.isInteger(startDim)) invalidArg('Flatten startDim', 'an integer', startDim);
    if (!Number.isInteger(endDim)) invalidArg('Flatten endDim', 'an integer', endDim);
    this.startDim = startDim;
    this.endDim = endDim;
  }

  override toString(): string {
    return `Flatten(${this.startDim}, ${this.endDim})`;
  }

  /**
   * Reshapes x (same data).
   * @param x a Tensor with enough dimensions for startDim..endDim.
   * @returns x's data with the merged shape.
   * @throws {TypeError|RangeError} x is not a valid Tensor or lacks the dimensions.
   */
  forward(x: Tensor): Tensor {
    const where = this.where('forward', 'x');
    checkTensor(where, x);
    const r = x.shape.length;
    const s = this.startDim < 0 ? r + this.startDim : this.startDim;
    const e = this.endDim < 0 ? r + this.endDim : this.endDim;
    if (s < 0 || e >= r || s > e) shapeError(where, `at least ${Math.max(this.startDim, this.endDim, -this.startDim, -this.endDim) + 1} dimensions (dims ${this.startDim}..${this.endDim})`, x.shape);
    const merged = x.shape.slice(s, e + 1).reduce((a, b) => a * b, 1);
    this.shape = x.shape;
    this.outShape = [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)];
    return { data: x.data, shape: this.outShape };
  }

  /**
   * Reshapes the gradient back (same data).
   * @param gradOut ∂loss/∂output, the flattened shape.
   * @returns ∂loss/∂x, x's shape.
   * @throws {GradGuardError} `ERR_GRADGUARD_NO_FORWARD` before any forward.
   */
  backward(gradOut: Tensor): Tensor {
    const shape = this.shape ?? this.noForward();
    checkGrad(this.where('backward', 'gradOut'), gradOut, this.outShape);
    return { data: gradOut.data, shape };
  }
}
