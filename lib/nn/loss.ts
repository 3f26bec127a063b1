/**
 * Losses as objects (PyTorch `nn.MSELoss`, `nn.CrossEntropyLoss`, `nn.BCEWithLogitsLoss`):
 * `forward(input, target)` returns the loss (float64-accumulated) and computes its gradient in the
 * same pass; `backward()` returns ∂loss/∂input with input's shape (the loss's own buffer).
 */
import { GradGuardError, invalidArg } from '../errors.js';
import { bceWithLogitsLoss, crossEntropyLoss, mseLoss } from '../ops/index.js';
import { Buffer, checkSameShape, checkTensor, shapeError, type Tensor } from './tensor.js';
import { checkOptions, optionKeys } from '../validate/index.js';

/**
 * A loss: what the Trainer calls. Implement it to use your own loss with the Trainer.
 * @typeParam T the target's type (a Tensor, or Int32Array labels for CrossEntropyLoss).
 */
export interface Loss<T = Tensor> {
  /**
   * Computes the loss and, in the same pass, its gradient with respect to input.
   * @param input the model's output.
   * @param target what it should have been.
   * @returns the loss value.
   */
  forward(input: Tensor, target: T): number;
  /** ∂loss/∂input of the last forward, input's shape (valid until the next forward). */
  backward(): Tensor;
}

abstract class LossBase<T> implements Loss<T> {
  private grad: Tensor | null = null;
  /** @internal The reused gradient buffer. */
  protected readonly buf = new Buffer();
  abstract forward(input: Tensor, target: T): number;
  /** @internal Records the gradient of the forward that just ran. */
  protected done(input: Tensor, grad: Float32Array): void {
    this.grad = { data: grad, shape: input.shape };
  }
  /**
   * ∂loss/∂input of the last forward, input's shape (the loss's own buffer, valid until the next forward).
   * @throws {GradGuardError} `ERR_GRADGUARD_NO_FORWARD` before any forward.
   */
  backward(): Tensor {
    if (!this.grad) throw new GradGuardError(`${this.constructor.name}.backward: called before forward`, 'ERR_GRADGUARD_NO_FORWARD');
    return this.grad;
  }
}

/** Mean (default) or summed squared error (PyTorch `nn.MSELoss`), accumulated in float64. */
export class MSELoss extends LossBase<Tensor> {
  /** 'mean' (divide by the element count) or 'sum'. */
  readonly reduction: 'mean' | 'sum';
  /**
   * @param options `reduction`: 'mean' (default) or 'sum'.
   * @throws {RangeError} any other reduction.
   */
  constructor(options?: { reduction?: 'mean' | 'sum' }) {
    checkOptions('new nn.MSELoss: options', options, optionKeys<NonNullable<typeof options>>()(['reduction']));
    super();
    const r = options?.reduction ?? 'mean';
    if (r !== 'mean' && r !== 'sum') invalidArg('MSELoss options.reduction', '"mean" or "sum"', r, 'range');
    this.reduction = r;
  }
  /**
   * Σ(input − target)² (÷N for 'mean'); the gradient 2(input − target) (÷N) is kept for backward.
   * @param input the prediction, any shape.
   * @param target input's shape.
   * @returns the loss (NaN for an empty 'mean', as PyTorch).
   * @throws {TypeError|RangeError} an invalid Tensor, or target's shape differs from input's.
   */
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

/**
 * Softmax cross-entropy over logits [batch, classes] with Int32Array class labels [batch], mean over
 * the batch (PyTorch `nn.CrossEntropyLoss` with class-index targets).
 */
export class CrossEntropyLoss extends LossBase<Int32Array> {
  /**
   * The mean loss; the gradient (softmax − onehot)/batch is kept for backward.
   * @param input logits [batch, classes].
   * @param target class indices in [0, classes), one per row.
   * @returns the mean loss.
   * @throws {TypeError} input not a Tensor or target not an Int32Array.
   * @throws {RangeError} logits not [batch, classes], labels not of length batch or out of range.
   */
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

/**
 * Numerically stable sigmoid + binary cross-entropy, mean over all elements; targets in [0, 1]
 * (PyTorch `nn.BCEWithLogitsLoss`).
 */
export class BCEWithLogitsLoss extends LossBase<Tensor> {
  /**
   * mean(max(x, 0) − x·t + log(1 + e^−|x|)); the gradient (σ(x) − t)/N is kept for backward.
   * @param input logits x, any shape.
   * @param target t, input's shape.
   * @returns the mean loss.
   * @throws {TypeError|RangeError} an invalid Tensor, or target's shape differs from input's.
   */
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
