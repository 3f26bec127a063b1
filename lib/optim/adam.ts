/**
 * Adam and AdamW (with AMSGrad and maximize): PyTorch 1.13 `torch.optim.Adam` / `AdamW`
 * (foreach=False), fused over all parameters in one memory pass; bias corrections in float64.
 */
import { getBackend } from '../backend/index.js';
import { invalidArg } from '../errors.js';
import { checkBoolean, checkObject, checkOptions, optionKeys, type TensorSet } from '../validate/index.js';
import { Optimizer } from './optimizer.js';
import { checkStateList, copyState, loadStateList, type OptimParams } from './param-list.js';

/** Options of {@link Adam} and {@link AdamW} (PyTorch's names in camelCase). */
export interface AdamOptions {
  /** Learning rate (>= 0). Default 1e-3. */
  lr?: number;
  /** [β1, β2], each in [0, 1). Default [0.9, 0.999]. */
  betas?: readonly [number, number];
  /** Added to the denominator (> 0). Default 1e-8. */
  eps?: number;
  /** Adam: L2 penalty in the gradient; AdamW: decoupled decay (>= 0). Default 0 (Adam), 1e-2 (AdamW). */
  weightDecay?: number;
  /** AMSGrad: use the running maximum of the second moment. Default false. */
  amsgrad?: boolean;
  /** Maximise the objective. Default false. */
  maximize?: boolean;
}

const ADAM_OPTION_KEYS = optionKeys<AdamOptions>()(['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize']);

/** `Adam.state()`: plain data; `maxExpAvgSq` is null unless amsgrad. */
export interface AdamState {
  /** Steps taken (skipped steps not counted); t in the bias corrections. */
  step: number;
  /** First moment m, one tensor per parameter (PyTorch's `exp_avg`). */
  expAvg: Float32Array[];
  /** Second moment v, one tensor per parameter (`exp_avg_sq`). */
  expAvgSq: Float32Array[];
  /** AMSGrad's running maximum of v per parameter (`max_exp_avg_sq`), or null without amsgrad. */
  maxExpAvgSq: Float32Array[] | null;
}

function numberIn(name: string, v: unknown, dflt: number, ok: (x: number) => boolean, expected: string): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number') invalidArg(name, 'a number', v);
  if (!ok(v)) invalidArg(name, expected, v, 'range');
  return v;
}

const inUnit = (x: number): boolean => x >= 0 && x < 1;

/** Shared implementation of Adam and AdamW. */
abstract class AdamBase extends Optimizer {
  /** [β1, β2], the moments' decay rates. */
  readonly betas: readonly [number, number];
  /** Term added to the denominator. */
  readonly eps: number;
  /** Weight decay: L2 in the gradient (Adam) or decoupled (AdamW). */
  readonly weightDecay: number;
  /** Whether AMSGrad is used. */
  readonly amsgrad: boolean;
  /** Whether the objective is maximised. */
  readonly maximize: boolean;
  private readonly decoupled: boolean;
  private readonly m: TensorSet;
  private readonly v: TensorSet;
  private readonly vmax: TensorSet | null;

  protected constructor(params: OptimParams, options: AdamOptions | undefined, decoupled: boolean) {
    const o = checkOptions(`new ${decoupled ? 'AdamW' : 'Adam'}: options`, options, ADAM_OPTION_KEYS);
    const lr = numberIn('options.lr', o.lr, 1e-3, (x) => x >= 0 && Number.isFinite(x), 'a finite number >= 0');
    let betas: [number, number] = [0.9, 0.999];
    if (o.betas !== undefined) {
      const b = o.betas as unknown;
      if (!Array.isArray(b) || b.length !== 2) invalidArg('options.betas', 'an array [beta1, beta2]', b);
      betas = [
        numberIn('options.betas[0]', b[0], 0.9, inUnit, 'a number in [0, 1)'),
        numberIn('options.betas[1]', b[1], 0.999, inUnit, 'a number in [0, 1)'),
      ];
    }
    const eps = numberIn('options.eps', o.eps, 1e-8, (x) => x > 0 && Number.isFinite(x), 'a finite number > 0');
    const weightDecay = numberIn('options.weightDecay', o.weightDecay, decoupled ? 1e-2 : 0, (x) => x >= 0 && Number.isFinite(x), 'a finite number >= 0');
    const amsgrad = checkBoolean('options.amsgrad', o.amsgrad, false);
    const maximize = checkBoolean('options.maximize', o.maximize, false);
    super(params, lr);
    this.betas = betas;
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.amsgrad = amsgrad;
    this.maximize = maximize;
    this.decoupled = decoupled;
    this.m = this.list.newState();
    this.v = this.list.newState();
    this.vmax = amsgrad ? this.list.newState() : null;
  }

  protected update(grads: TensorSet, gradScale: number): void {
    getBackend().adamStep(this.list.params, grads, this.m, this.v, this.vmax, {
      lr: this.lr,
      beta1: this.betas[0],
      beta2: this.betas[1],
      eps: this.eps,
      weightDecay: this.weightDecay,
      decoupled: this.decoupled,
      amsgrad: this.amsgrad,
      maximize: this.maximize,
      step: this.steps,
      gradScale,
    });
  }

  /** A copy of the optimiser state (step count, first and second moments, AMSGrad maxima). */
  state(): AdamState {
    return { step: this.steps, expAvg: copyState(this.m), expAvgSq: copyState(this.v), maxExpAvgSq: this.vmax ? copyState(this.vmax) : null };
  }

  /**
   * Restores a state from `state()`. Validated in full before anything is written.
   * @param state a value from `state()` of an optimiser over parameters of the same sizes and amsgrad setting.
   * @throws {TypeError|RangeError} a malformed state or one whose shapes do not match the parameters.
   */
  loadState(state: AdamState): void {
    const s = checkObject('state', state);
    const step = s.step;
    if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) invalidArg('state.step', 'an integer >= 0', step, typeof step === 'number' ? 'range' : 'type');
    const sizes = this.list.sizes;
    const m = checkStateList('state.expAvg', s.expAvg, sizes);
    const v = checkStateList('state.expAvgSq', s.expAvgSq, sizes);
    let vmax: readonly Float32Array[] | null = null;
    if (this.vmax) vmax = checkStateList('state.maxExpAvgSq', s.maxExpAvgSq, sizes);
    else if (s.maxExpAvgSq !== null && s.maxExpAvgSq !== undefined) invalidArg('state.maxExpAvgSq', 'null (amsgrad is off)', s.maxExpAvgSq, 'range');
    loadStateList(this.m, m);
    loadStateList(this.v, v);
    if (this.vmax && vmax) loadStateList(this.vmax, vmax);
    this.steps = step;
  }
}

/**
 * Adam (Kingma & Ba, 2015), PyTorch 1.13 rule for step t: `g ← g + weightDecay·p` (L2 in the
 * gradient); `m ← β1·m + (1 − β1)·g`; `v ← β2·v + (1 − β2)·g²`; with AMSGrad `v̂ ← max(v̂, v)` replaces
 * v; `p ← p − (lr / (1 − β1ᵗ))·m / (√v / √(1 − β2ᵗ) + eps)`.
 * @see https://pytorch.org/docs/1.13/generated/torch.optim.Adam.html
 * @throws {TypeError|RangeError} bad params or options (negative lr, betas outside [0, 1), eps <= 0).
 */
export class Adam extends AdamBase {
  /**
   * Creates the optimiser and its zeroed moment buffers (one flat buffer each for a ParamStore).
   * @param params `{ data, grad }` entries or a ParamStore.
   * @param options defaults: lr 1e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 0.
   * @throws {TypeError|RangeError} bad params or options.
   */
  constructor(params: OptimParams, options?: AdamOptions) {
    super(params, options, false);
  }
}

/**
 * AdamW (Loshchilov & Hutter, 2019): Adam with decoupled weight decay, `p ← p·(1 − lr·weightDecay)`
 * before the Adam update (PyTorch 1.13 `torch.optim.AdamW`; default weightDecay 1e-2).
 * @see https://pytorch.org/docs/1.13/generated/torch.optim.AdamW.html
 * @throws {TypeError|RangeError} as Adam.
 */
export class AdamW extends AdamBase {
  /**
   * Creates the optimiser and its zeroed moment buffers (one flat buffer each for a ParamStore).
   * @param params `{ data, grad }` entries or a ParamStore.
   * @param options defaults: lr 1e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 1e-2.
   * @throws {TypeError|RangeError} bad params or options.
   */
  constructor(params: OptimParams, options?: AdamOptions) {
    super(params, options, true);
  }
}
