/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum, weight decay and maximize:
 * PyTorch 1.13 `torch.optim.SGD` (foreach=False), fused over all parameters in one memory pass.
 */
import { getBackend } from '../backend/index.js';
import { invalidArg } from '../errors.js';
import { checkBoolean, checkNonNegative, checkObject, checkOptions, optionKeys, type TensorSet } from '../validate/index.js';
import { Optimizer } from './optimizer.js';
import { checkStateList, copyState, loadStateList, type OptimParams } from './param-list.js';

/** Options of {@link SGD} (PyTorch's names in camelCase). */
export interface SGDOptions {
  /** Learning rate (required, >= 0). */
  lr: number;
  /** Momentum factor (>= 0). Default 0. */
  momentum?: number;
  /** Dampening for momentum (finite). Default 0. */
  dampening?: number;
  /** L2 penalty added to the gradient: g + weightDecay·p (>= 0). Default 0. */
  weightDecay?: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). Default false. */
  nesterov?: boolean;
  /** Maximise the objective (the gradient is negated). Default false. */
  maximize?: boolean;
}

const SGD_OPTION_KEYS = optionKeys<SGDOptions>()(['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize']);

/** `SGD.state()`: plain data; `momentumBuffer` is null when momentum is 0. */
export interface SGDState {
  /** Steps taken (skipped steps not counted). */
  step: number;
  /** One momentum buffer per parameter, or null when momentum is 0. */
  momentumBuffer: Float32Array[] | null;
}

const finite = (name: string, v: unknown, dflt: number): number => {
  if (v === undefined) return dflt;
  if (typeof v !== 'number') invalidArg(name, 'a number', v);
  if (!Number.isFinite(v)) invalidArg(name, 'a finite number', v, 'range');
  return v;
};

/**
 * SGD, PyTorch 1.13 update rule per element: `g ← −g` if maximize; `g ← g + weightDecay·p`; with
 * momentum, `buf ← g` on the first step, else `buf ← momentum·buf + (1 − dampening)·g`, then
 * `g ← g + momentum·buf` (Nesterov) or `g ← buf`; `p ← p − lr·g`. The momentum buffers are
 * allocated once (one flat buffer for a ParamStore).
 * @see https://pytorch.org/docs/1.13/generated/torch.optim.SGD.html
 * @throws {TypeError|RangeError} bad params or options (negative lr, momentum or weightDecay;
 *   Nesterov without momentum or with dampening).
 */
export class SGD extends Optimizer {
  /** Momentum factor. */
  readonly momentum: number;
  /** Dampening for momentum. */
  readonly dampening: number;
  /** L2 penalty coefficient. */
  readonly weightDecay: number;
  /** Whether Nesterov momentum is used. */
  readonly nesterov: boolean;
  /** Whether the objective is maximised. */
  readonly maximize: boolean;
  private readonly bufs: TensorSet | null;

  /**
   * Creates the optimiser and, with momentum, its zeroed momentum buffers.
   * @param params `{ data, grad }` entries or a ParamStore.
   * @param options `lr` is required; the rest default as in PyTorch.
   * @throws {TypeError|RangeError} bad params or options (see the class).
   */
  constructor(params: OptimParams, options: SGDOptions) {
    const o = checkOptions('new SGD: options', options, SGD_OPTION_KEYS);
    if (o.lr === undefined) invalidArg('options.lr', 'a learning rate (a number >= 0)', undefined);
    const lr = checkNonNegative('options.lr', o.lr);
    if (!Number.isFinite(lr)) invalidArg('options.lr', 'a finite number >= 0', lr, 'range');
    const momentum = o.momentum === undefined ? 0 : checkNonNegative('options.momentum', o.momentum);
    if (!Number.isFinite(momentum)) invalidArg('options.momentum', 'a finite number >= 0', momentum, 'range');
    const dampening = finite('options.dampening', o.dampening, 0);
    const weightDecay = o.weightDecay === undefined ? 0 : checkNonNegative('options.weightDecay', o.weightDecay);
    if (!Number.isFinite(weightDecay)) invalidArg('options.weightDecay', 'a finite number >= 0', weightDecay, 'range');
    const nesterov = checkBoolean('options.nesterov', o.nesterov, false);
    const maximize = checkBoolean('options.maximize', o.maximize, false);
    if (nesterov && (momentum <= 0 || dampening !== 0)) {
      invalidArg('options.nesterov', 'momentum > 0 and dampening 0 for Nesterov momentum', { momentum, dampening }, 'range');
    }
    super(params, lr);
    this.momentum = momentum;
    this.dampening = dampening;
    this.weightDecay = weightDecay;
    this.nesterov = nesterov;
    this.maximize = maximize;
    this.bufs = momentum !== 0 ? this.list.newState() : null;
  }

  protected update(grads: TensorSet, gradScale: number): void {
    getBackend().sgdStep(this.list.params, grads, this.bufs, {
      lr: this.lr,
      momentum: this.momentum,
      dampening: this.dampening,
      weightDecay: this.weightDecay,
      nesterov: this.nesterov,
      maximize: this.maximize,
      firstStep: this.steps === 1,
      gradScale,
    });
  }

  /** A copy of the optimiser state (step count and momentum buffers). */
  state(): SGDState {
    return { step: this.steps, momentumBuffer: this.bufs ? copyState(this.bufs) : null };
  }

  /**
   * Restores a state from `state()`. Validated in full before anything is written.
   * @param state a value from `state()` of an SGD over parameters of the same sizes and momentum setting.
   * @throws {TypeError|RangeError} a malformed state or one whose shapes do not match the parameters.
   */
  loadState(state: SGDState): void {
    const s = checkObject('state', state);
    const step = s.step;
    if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) invalidArg('state.step', 'an integer >= 0', step, typeof step === 'number' ? 'range' : 'type');
    let bufs: readonly Float32Array[] | null = null;
    if (this.bufs) bufs = checkStateList('state.momentumBuffer', s.momentumBuffer, this.list.sizes);
    else if (s.momentumBuffer !== null && s.momentumBuffer !== undefined) invalidArg('state.momentumBuffer', 'null (momentum is 0)', s.momentumBuffer, 'range');
    if (this.bufs && bufs) loadStateList(this.bufs, bufs);
    this.steps = step;
  }
}
