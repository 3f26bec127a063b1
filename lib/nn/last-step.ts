/**
 * LastTimeStep: a recurrent output [seq, batch, hidden] → its last step [batch, hidden], for
 * sequence-to-one models (e.g. the adding problem: LSTM → LastTimeStep → Linear). The forward is a
 * view (no copy); the backward puts gradOut in the last step and zeros elsewhere.
 */
import { Module } from './module.js';
import { checkGrad, checkTensor, shapeError, formatShape, type Tensor } from './tensor.js';

/**
 * A recurrent output [seq, batch, hidden] → its last step [batch, hidden], for sequence-to-one
 * models (e.g. LSTM → LastTimeStep → Linear); PyTorch's `output[-1]`. The forward is a view (no
 * copy); the backward puts gradOut in the last step and zeros elsewhere. No parameters.
 */
export class LastTimeStep extends Module {
  private shape: readonly number[] | null = null;
  private gx = new Float32Array(0);

  /**
   * Selects the last time step.
   * @param x [seq >= 1, batch, hidden].
   * @returns a view of the last step, [batch, hidden].
   * @throws {TypeError|RangeError} x is not a rank-3 Tensor with seq >= 1.
   */
  forward(x: Tensor): Tensor {
    const where = this.where('forward', 'x');
    checkTensor(where, x);
    if (x.shape.length !== 3 || x.shape[0] < 1) shapeError(where, '[seq >= 1, batch, hidden]', x.shape);
    const [t, b, h] = x.shape;
    this.shape = x.shape;
    return { data: x.data.subarray((t - 1) * b * h, t * b * h), shape: [b, h] };
  }

  /**
   * Scatters gradOut into the last step of a zero gradient.
   * @param gradOut ∂loss/∂(last step), [batch, hidden].
   * @returns ∂loss/∂x, [seq, batch, hidden], zero except the last step.
   * @throws {GradGuardError} `ERR_GRADGUARD_NO_FORWARD` before any forward.
   * @throws {TypeError|RangeError} gradOut is not [batch, hidden].
   */
  backward(gradOut: Tensor): Tensor {
    const shape = this.shape ?? this.noForward();
    const [t, b, h] = shape;
    checkGrad(this.where('backward', 'gradOut'), gradOut, [b, h]);
    // The earlier steps' gradient is zero; they stay zero in a reused buffer, only the last is written.
    if (this.gx.length !== t * b * h) this.gx = new Float32Array(t * b * h);
    this.gx.set(gradOut.data, (t - 1) * b * h);
    return { data: this.gx, shape };
  }

  override toString(): string {
    return this.shape ? `LastTimeStep(${formatShape(this.shape)})` : 'LastTimeStep';
  }
}
