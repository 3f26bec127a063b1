/**
 * Losses as objects (PyTorch `nn.MSELoss`, `nn.CrossEntropyLoss`, `nn.BCEWithLogitsLoss`):
 * `forward(input, target)` returns the loss (float64-accumulated) and computes its gradient in the
 * same pass; `backward()` returns ∂loss/∂input with input's shape (the loss's own buffer).
 */
import { GradGuardError, invalidArg } from '../errors.js';
import { bceWithLogitsLoss, crossEntropyLoss, mseLoss } from '../ops/index.js';
import { Buffer, checkSameShape, checkTensor, shapeError, type Tensor } from './tensor.js';

/** A loss: what the Trainer calls. */
export interface Loss<T = Tensor> {
  forward(input: Tensor, target: T): number;
  backward(): Tensor;
}

abstract class LossBase<T> implements Loss<T> {
  private grad: Tensor | null = null;
  protected readonly buf = new Buffer();
  abstract forward(input: Tensor, target: T): number;
  protected done(input: Tensor, grad: Float32Array): void {
    this.grad = { data: grad, shape: input.shape };
  }
  backward(): Tensor {
    if (!this.grad) throw new GradGuardError(`${this.constructor.name}.backward: called before forward`, 'ERR_GRADGUARD_NO_FORWARD');
    return this.grad;
  }
}

/** Mean (default) or summed squared error. */
export class MSELoss extends LossBase<Tensor> {
  readonly reduction: 'mean' | 'sum';
  constructor(options?: { reduction?: 'mean' | 'sum' }) {
    super();
    const r = options?.reduction ?? 'mean';
    if (r !== 'mean' && r !== 'sum') invalidArg('MSELoss options.reduction', '"mean" or "sum"', r, 'range');
    this.reduction = r;
  }
  /** @throws {RangeError} target's shape differs from input's. */
  forward(input: Tensor, target: Tensor): number {
    checkTensor('MSELoss.forward(input)', input);
    checkTensor('MSELoss.forward(target)', target);
    checkSameShape('MSELoss.forward(target)', target.shape, input.shape);
    const g = this.buf.get(input.data.length);
    const loss = mseLoss(input.data, target.data, g, { reduction: this.reduction });
    this.done(input, g);
    return loss;
  }
}

/** Softmax cross-entropy over logits [batch, classes] with Int32Array class labels [batch], mean over the batch. */
export class CrossEntropyLoss extends LossBase<Int32Array> {
  /** @throws {RangeError} logits not [batch, classes], labels not of length batch or out of range. */
  forward(input: Tensor, target: Int32Array): number {
    checkTensor('CrossEntropyLoss.forward(input)', input);
    if (input.shape.length !== 2) shapeError('CrossEntropyLoss.forward(input)', '[batch, classes]', input.shape);
    if (!(target instanceof Int32Array)) invalidArg('CrossEntropyLoss.forward(target)', 'an Int32Array of class indices', target);
    if (target.length !== input.shape[0]) invalidArg('CrossEntropyLoss.forward(target)', `${input.shape[0]} labels (one per row of input)`, target, 'range');
    const g = this.buf.get(input.data.length);
    const loss = crossEntropyLoss(input.data, target, g, { numClasses: input.shape[1] });
    this.done(input, g);
    return loss;
  }
}

/** Numerically stable sigmoid + binary cross-entropy, mean over all elements; targets in [0, 1]. */
export class BCEWithLogitsLoss extends LossBase<Tensor> {
  /** @throws {RangeError} target's shape differs from input's. */
  forward(input: Tensor, target: Tensor): number {
    checkTensor('BCEWithLogitsLoss.forward(input)', input);
    checkTensor('BCEWithLogitsLoss.forward(target)', target);
    checkSameShape('BCEWithLogitsLoss.forward(target)', target.shape, input.shape);
    const g = this.buf.get(input.data.length);
    const loss = bceWithLogitsLoss(input.data, target.data, g);
    this.done(input, g);
    return loss;
  }
}
