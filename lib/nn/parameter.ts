/**
 * A trainable tensor: its data and its gradient, both Float32Arrays of the same length. Until the
 * model is packed (`module.paramStore()`) each parameter owns its two arrays; afterwards they are
 * views into the model's flat ParamStore, so optimisers and clipping cross into native code once.
 */
import type { ParamStore } from '../param-store.js';
import { invalidArg } from '../errors.js';
import { numel } from './tensor.js';

/**
 * A trainable tensor (PyTorch `nn.Parameter`): `data` and `grad`, Float32Arrays of the same length.
 * Until the model is packed (`module.paramStore()`) each parameter owns its two arrays; afterwards
 * they are views into the model's flat ParamStore. Modules create their own; you rarely construct one.
 */
export class Parameter {
  /** The local name ("weight"); the dotted path from the root ("0.weight") once packed. */
  name: string;
  /** The shape, PyTorch layout (e.g. Linear weight [out, in]). */
  readonly shape: readonly number[];
  /** The values (PyTorch layout). Re-pointed into the flat store by packing: read it, do not keep it. */
  data: Float32Array;
  /** ∂loss/∂data, accumulated by backward, zeroed by zeroGrad. Same length as data. */
  grad: Float32Array;
  /** @internal The store holding data and grad, if packed. */
  store: ParamStore | null = null;
  /** @internal This parameter's tensor index in `store` (-1 until packed). */
  storeIndex = -1;

  /**
   * Reports Σ grad² (float64) of this parameter's gradient as just written by a tracked kernel, for
   * the fused gradient norm (ParamStore.gradNorms); a no-op unless packed and `grad` is still the
   * store's view.
   * @param sumSquares Σ grad² of the whole gradient after the write.
   */
  reportGradSumSquares(sumSquares: number): void {
    const s = this.store;
    if (s !== null && s.grads.views[this.storeIndex] === this.grad) s.gradNorms.report(this.storeIndex, sumSquares);
  }

  /**
   * A zero-filled parameter with a zero gradient.
   * @param name the local name, e.g. "weight".
   * @param shape the shape; its product is the length of data and grad.
   * @throws {TypeError} name not a string, or shape not an array of non-negative integers.
   */
  constructor(name: string, shape: readonly number[]) {
    if (typeof name !== 'string') invalidArg('name', 'a string', name);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) invalidArg('shape', 'an array of non-negative integers', shape);
    this.name = name;
    this.shape = [...shape];
    this.data = new Float32Array(numel(shape));
    this.grad = new Float32Array(numel(shape));
  }
}
