/**
 * Linear warm-up then cosine decay, per step: the schedule most Transformer training uses (nanoGPT's
 * `get_lr`; Hugging Face's `get_cosine_schedule_with_warmup` with a floor). PyTorch needs two
 * schedulers chained by SequentialLR for this; one closed form is simpler to checkpoint and test.
 */
import { invalidArg } from '../errors.js';
import { checkInteger, checkOptions, optionKeys } from '../validate/index.js';
import type { Optimizer } from './optimizer.js';
import { EpochScheduler } from './schedulers.js';

/** Options of {@link WarmupCosineLR}. */
export interface WarmupCosineLROptions {
  /** Steps of linear warm-up (integer >= 0). */
  warmupSteps: number;
  /** Step at which the decay reaches etaMin (integer >= warmupSteps, >= 1); the rate stays there after it. */
  totalSteps: number;
  /** The floor of the decay (finite, >= 0). Default 0. */
  etaMin?: number;
}

const KEYS = optionKeys<WarmupCosineLROptions>()(['warmupSteps', 'totalSteps', 'etaMin']);

/**
 * `lr(e) = baseLr·(e + 1)/(warmupSteps + 1)` for e < warmupSteps, then
 * `etaMin + (baseLr − etaMin)·(1 + cos(π·min(1, (e − warmupSteps)/(totalSteps − warmupSteps))))/2`
 * (nanoGPT's `get_lr`), where e counts `step()` calls and baseLr is the optimiser's lr at
 * construction. The constructor sets lr(0), so the first update already uses a warm-up rate
 * above zero; step() is meant to be called once per optimiser step (the Trainer's default).
 * @see https://github.com/karpathy/nanoGPT/blob/master/train.py
 */
export class WarmupCosineLR extends EpochScheduler {
  /** Steps of linear warm-up. */
  readonly warmupSteps: number;
  /** Where the cosine reaches etaMin. */
  readonly totalSteps: number;
  /** The floor. */
  readonly etaMin: number;

  /**
   * Sets the optimiser's lr to the schedule's first value.
   * @param optimizer the optimiser to schedule; its current lr is the peak rate.
   * @param options `warmupSteps`, `totalSteps`, `etaMin` (default 0).
   * @throws {TypeError|RangeError} optimizer not a gradguard Optimizer; a step count that is not an integer in range; etaMin not finite >= 0.
   */
  constructor(optimizer: Optimizer, options: WarmupCosineLROptions) {
    super(optimizer);
    const o = checkOptions('new WarmupCosineLR: options', options, KEYS);
    this.warmupSteps = checkInteger('options.warmupSteps', o.warmupSteps, 0, Number.MAX_SAFE_INTEGER);
    this.totalSteps = checkInteger('options.totalSteps', o.totalSteps, Math.max(1, this.warmupSteps), Number.MAX_SAFE_INTEGER);
    const eta = o.etaMin ?? 0;
    if (typeof eta !== 'number') invalidArg('options.etaMin', 'a number', eta);
    if (!(Number.isFinite(eta) && eta >= 0)) invalidArg('options.etaMin', 'a finite number >= 0', eta, 'range');
    this.etaMin = eta;
    optimizer.lr = this.rateAt(0);
  }

  /**
   * The closed form.
   * @param e steps since construction.
   * @returns the learning rate for that step.
   */
  rateAt(e: number): number {
    const w = this.warmupSteps;
    if (e < w) return (this.baseLr * (e + 1)) / (w + 1);
    const span = this.totalSteps - w;
    const progress = span > 0 ? Math.min(1, (e - w) / span) : 1;
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos(Math.PI * progress))) / 2;
  }
}
