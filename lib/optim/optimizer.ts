/**
 * The optimiser base: parameter handling, the step protocol (gradient scale, skip on non-finite
 * gradients, step counting) and learning-rate access for schedulers. Subclasses supply the update.
 */
import { getBackend } from '../backend/index.js';
import { invalidArg } from '../errors.js';
import type { FlatTensors } from '../validate/flat-tensors.js';
import { checkBoolean, checkOptions, optionKeys, type TensorSet } from '../validate/index.js';
import { ParamList, type OptimParams } from './param-list.js';

/** Options of `step()`. */
export interface StepOptions {
  /**
   * Multiplies every gradient inside the update (the gradients themselves are not written), so a
   * clip coefficient costs no extra memory pass: `step({ gradScale: min(1, maxNorm / (total + 1e-6)) })`
   * equals `clipGradNorm(grads, maxNorm); step()`. Default 1.
   */
  gradScale?: number;
  /**
   * When true and a gradient holds NaN or ±Inf (or gradScale is non-finite), the step is skipped:
   * parameters, state and the step count stay untouched and `{ skipped: true }` is returned.
   * The check is one float64 L2 pass over the gradients, or free when `totalNorm` is given. Default false.
   */
  skipIfNonfinite?: boolean;
  /** The gradients' total norm if already known (e.g. from `getTotalNorm`): the non-finite check uses it. */
  totalNorm?: number;
}

const STEP_OPTION_KEYS = optionKeys<StepOptions>()(['gradScale', 'skipIfNonfinite', 'totalNorm']);

/** What `step()` did. */
export interface StepResult {
  /** True when the step was skipped because of non-finite gradients. */
  skipped: boolean;
  /** Steps taken so far (skipped steps not counted). */
  step: number;
}

/**
 * Base class of {@link SGD}, {@link Adam} and {@link AdamW} (the role of `torch.optim.Optimizer`):
 * holds the parameters, runs the step protocol (`gradScale`, skip on non-finite gradients, step
 * counting) and exposes `lr` for the schedulers. Gradients are read from each parameter's `grad` at
 * every step, so a new `grad` array is picked up. There is no `zeroGrad()`: zero the gradients
 * yourself (e.g. `store.grads.zero()` or `Module.zeroGrad()`).
 */
export abstract class Optimizer {
  /** @internal */
  protected readonly list: ParamList;
  /** @internal */
  protected steps = 0;
  private learningRate: number;

  /**
   * Validates the parameter list once (subclasses check their options first).
   * @param params `{ data, grad }` entries (each parameter once, none overlapping) or a ParamStore.
   * @param lr the initial learning rate.
   * @throws {TypeError|RangeError} a malformed parameter list, a repeated or overlapping parameter,
   *   or a gradient of the wrong length.
   */
  protected constructor(params: OptimParams, lr: number) {
    this.list = new ParamList('params', params);
    this.learningRate = lr;
  }

  /** The learning rate used by the next step (schedulers write it). */
  get lr(): number {
    return this.learningRate;
  }

  /**
   * Sets the learning rate for later steps.
   * @param v the new rate.
   * @throws {TypeError|RangeError} unless `v` is a finite number >= 0.
   */
  set lr(v: number) {
    if (typeof v !== 'number') invalidArg('lr', 'a number', v);
    if (!(v >= 0) || !Number.isFinite(v)) invalidArg('lr', 'a finite number >= 0', v, 'range');
    this.learningRate = v;
  }

  /** Steps taken so far. */
  get stepCount(): number {
    return this.steps;
  }

  /** The gradients as `getTotalNorm`/`clipGradNorm` take them (validated; a FlatTensors for a store). */
  grads(): FlatTensors | readonly Float32Array[] {
    return this.list.gradsLike();
  }

  /**
   * One optimiser step over every parameter, in one fused memory pass (one native call for a ParamStore).
   * @throws {TypeError|RangeError} a parameter without a gradient or with one of the wrong length, or a
   *   malformed option; nothing is changed then.
   * @param options `gradScale` (default 1), `skipIfNonfinite` (default false) and a known `totalNorm`.
   * @returns whether the step was skipped, and the step count after it.
   */
  step(options?: StepOptions): StepResult {
    const o = checkOptions(`${this.constructor.name}.step: options`, options, STEP_OPTION_KEYS);
    const gradScale = o.gradScale === undefined ? 1 : o.gradScale;
    if (typeof gradScale !== 'number') invalidArg('options.gradScale', 'a number', gradScale);
    const skip = checkBoolean('options.skipIfNonfinite', o.skipIfNonfinite, false);
    const total = o.totalNorm;
    if (total !== undefined && typeof total !== 'number') invalidArg('options.totalNorm', 'a number', total);
    const grads = this.list.grads();
    if (skip) {
      // A float64 sum of float32 squares cannot overflow, so it is finite iff every element is.
      const norm = total !== undefined ? total : getBackend().norm(grads, 2);
      if (!Number.isFinite(gradScale) || !Number.isFinite(norm)) return { skipped: true, step: this.steps };
    }
    this.steps++;
    try {
      this.update(grads, gradScale);
    } catch (err) {
      this.steps--;
      throw err;
    }
    return { skipped: false, step: this.steps };
  }

  /** @internal Applies one update with the step count already incremented. */
  protected abstract update(grads: TensorSet, gradScale: number): void;
}

/**
 * Throws a TypeError naming `name` unless `v` is a gradguard Optimizer (SGD, Adam, AdamW or a
 * subclass): the schedulers and clipGradNormAndStep read and write its `lr` and call its step.
 */
export function checkOptimizer(name: string, v: unknown): Optimizer {
  if (!(v instanceof Optimizer)) invalidArg(name, 'a gradguard Optimizer (SGD, Adam, AdamW)', v);
  return v;
}
