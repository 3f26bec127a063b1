/**
 * Learning-rate schedules with PyTorch 1.13 semantics (closed forms of torch.optim.lr_scheduler):
 * the constructor sets the epoch-0 rate; each `step()` advances one epoch and writes `optimizer.lr`.
 * About 300 lines: four small scheduler classes with the TSDoc the API reference requires.
 */
import { invalidArg } from '../errors.js';
import { checkInteger, checkObject, checkOptions, optionKeys } from '../validate/index.js';
import { checkOptimizer, type Optimizer } from './optimizer.js';

function num(name: string, v: unknown, dflt: number, ok: (x: number) => boolean, expected: string): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number') invalidArg(name, 'a number', v);
  if (!ok(v)) invalidArg(name, expected, v, 'range');
  return v;
}

const finiteNonNeg = (x: number): boolean => x >= 0 && Number.isFinite(x);

/** Base of the epoch-indexed schedules: `lr = rateAt(epoch)`. */
export abstract class EpochScheduler {
  /** The optimiser whose `lr` this scheduler writes. */
  readonly optimizer: Optimizer;
  /** The optimiser's lr when the scheduler was created (PyTorch `initial_lr`). */
  readonly baseLr: number;
  /** Epochs stepped so far (PyTorch `last_epoch`; 0 after construction). */
  lastEpoch = 0;

  protected constructor(optimizer: Optimizer) {
    this.optimizer = checkOptimizer('optimizer', optimizer);
    this.baseLr = optimizer.lr;
  }

  /**
   * The schedule's closed form.
   * @param epoch epochs since construction (0 = the rate set at construction).
   * @returns the learning rate for that epoch.
   */
  protected abstract rateAt(epoch: number): number;

  /** Advances one epoch and sets the optimiser's learning rate; returns it. */
  step(): number {
    this.lastEpoch++;
    this.optimizer.lr = this.rateAt(this.lastEpoch);
    return this.optimizer.lr;
  }

  /** The learning rate set by the last step (PyTorch `get_last_lr()[0]`). */
  getLastLr(): number {
    return this.optimizer.lr;
  }

  /** JSON-safe progress (the epoch count), for checkpoints. */
  state(): {
    /** Epochs stepped so far. */
    lastEpoch: number;
  } {
    return { lastEpoch: this.lastEpoch };
  }

  /**
   * Resumes from `state()`: the epoch count, and the optimiser's lr for that epoch.
   * @param state a value from `state()`; `lastEpoch` must be an integer >= 0.
   * @throws {TypeError|RangeError} a malformed state.
   */
  loadState(state: { lastEpoch: number }): void {
    const s = checkObject('state', state);
    const e = checkInteger('state.lastEpoch', s.lastEpoch, 0, Number.MAX_SAFE_INTEGER);
    this.lastEpoch = e;
    this.optimizer.lr = this.rateAt(e);
  }
}

/**
 * `lr = baseLr · gamma^⌊epoch / stepSize⌋` (PyTorch `StepLR`).
 * @throws {TypeError|RangeError} stepSize not a positive integer, gamma not finite >= 0.
 */
export class StepLR extends EpochScheduler {
  /** Epochs between decays. */
  readonly stepSize: number;
  /** Multiplicative decay factor. */
  readonly gamma: number;
  /**
   * Starts the schedule at epoch 0 (the optimiser's current lr becomes `baseLr`, unchanged).
   * @param optimizer the optimiser whose `lr` to schedule.
   * @param options `stepSize` (required, integer >= 1) and `gamma` (default 0.1).
   * @throws {TypeError|RangeError} see the class.
   */
  constructor(optimizer: Optimizer, options: { stepSize: number; gamma?: number }) {
    super(optimizer);
    const o = checkOptions('new StepLR: options', options, optionKeys<NonNullable<typeof options>>()(['stepSize', 'gamma']));
    this.stepSize = checkInteger('options.stepSize', o.stepSize, 1, Number.MAX_SAFE_INTEGER);
    this.gamma = num('options.gamma', o.gamma, 0.1, finiteNonNeg, 'a finite number >= 0');
  }
  protected rateAt(epoch: number): number {
    return this.baseLr * this.gamma ** Math.floor(epoch / this.stepSize);
  }
}

/**
 * `lr = etaMin + (baseLr − etaMin)·(1 + cos(π·epoch / tMax)) / 2` (PyTorch `CosineAnnealingLR`,
 * its closed form; periodic past tMax as PyTorch's).
 * @throws {TypeError|RangeError} tMax not a positive integer, etaMin not finite >= 0.
 */
export class CosineAnnealingLR extends EpochScheduler {
  /** Half-period, in epochs. */
  readonly tMax: number;
  /** Minimum learning rate. */
  readonly etaMin: number;
  /**
   * Starts the schedule at epoch 0 (the optimiser's current lr becomes `baseLr`, unchanged).
   * @param optimizer the optimiser whose `lr` to schedule.
   * @param options `tMax` (required, integer >= 1) and `etaMin` (default 0).
   * @throws {TypeError|RangeError} see the class.
   */
  constructor(optimizer: Optimizer, options: { tMax: number; etaMin?: number }) {
    super(optimizer);
    const o = checkOptions('new CosineAnnealingLR: options', options, optionKeys<NonNullable<typeof options>>()(['tMax', 'etaMin']));
    this.tMax = checkInteger('options.tMax', o.tMax, 1, Number.MAX_SAFE_INTEGER);
    this.etaMin = num('options.etaMin', o.etaMin, 0, finiteNonNeg, 'a finite number >= 0');
  }
  protected rateAt(epoch: number): number {
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * epoch) / this.tMax))) / 2;
  }
}

/**
 * Linear warm-up: `lr = baseLr · (startFactor + (endFactor − startFactor)·min(epoch, totalIters) / totalIters)`
 * (PyTorch `LinearLR`; defaults startFactor 1/3, endFactor 1, totalIters 5). The constructor already
 * sets `baseLr · startFactor`.
 * @throws {TypeError|RangeError} startFactor outside (0, 1], endFactor outside [0, 1], totalIters < 1.
 */
export class LinearWarmup extends EpochScheduler {
  /** Factor of `baseLr` at epoch 0. */
  readonly startFactor: number;
  /** Factor of `baseLr` from epoch `totalIters` on. */
  readonly endFactor: number;
  /** Epochs over which the factor moves from startFactor to endFactor. */
  readonly totalIters: number;
  /**
   * Starts the schedule and sets the optimiser's lr to `baseLr · startFactor`.
   * @param optimizer the optimiser whose `lr` to schedule.
   * @param options `startFactor` (default 1/3), `endFactor` (default 1), `totalIters` (default 5).
   * @throws {TypeError|RangeError} see the class.
   */
  constructor(optimizer: Optimizer, options?: { startFactor?: number; endFactor?: number; totalIters?: number }) {
    super(optimizer);
    const o = checkOptions('new LinearWarmup: options', options, optionKeys<NonNullable<typeof options>>()(['startFactor', 'endFactor', 'totalIters']));
    this.startFactor = num('options.startFactor', o.startFactor, 1 / 3, (x) => x > 0 && x <= 1, 'a number in (0, 1]');
    this.endFactor = num('options.endFactor', o.endFactor, 1, (x) => x >= 0 && x <= 1, 'a number in [0, 1]');
    this.totalIters = o.totalIters === undefined ? 5 : checkInteger('options.totalIters', o.totalIters, 1, Number.MAX_SAFE_INTEGER);
    optimizer.lr = this.rateAt(0);
  }
  protected rateAt(epoch: number): number {
    const t = Math.min(epoch, this.totalIters) / this.totalIters;
    return this.baseLr * (this.startFactor + (this.endFactor - this.startFactor) * t);
  }
}

/** Options of {@link ReduceLROnPlateau} (PyTorch's names in camelCase). */
export interface ReduceLROnPlateauOptions {
  /** 'min': reduce when the metric stops decreasing; 'max': stops increasing. Default 'min'. */
  mode?: 'min' | 'max';
  /** lr ← lr·factor (< 1). Default 0.1. */
  factor?: number;
  /** Epochs without improvement tolerated before reducing. Default 10. */
  patience?: number;
  /** Minimum significant improvement. Default 1e-4. */
  threshold?: number;
  /** 'rel': best·(1 ∓ threshold); 'abs': best ∓ threshold. Default 'rel'. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting again. Default 0. */
  cooldown?: number;
  /** Lower bound on lr. Default 0. */
  minLr?: number;
  /** Reductions smaller than eps are ignored. Default 1e-8. */
  eps?: number;
}

const REDUCE_KEYS = optionKeys<ReduceLROnPlateauOptions>()(['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps']);

/**
 * Reduce the learning rate when a metric has stopped improving (PyTorch `ReduceLROnPlateau`):
 * after more than `patience` epochs without improvement, `lr ← max(lr·factor, minLr)` (ignored when
 * the change is below eps), then `cooldown` epochs without counting.
 * @throws {TypeError|RangeError} bad options; `step(metric)` with a non-number metric.
 */
export class ReduceLROnPlateau {
  /** The optimiser whose `lr` this scheduler writes. */
  readonly optimizer: Optimizer;
  /** Whether a lower ('min') or higher ('max') metric is better. */
  readonly mode: 'min' | 'max';
  /** Factor the lr is multiplied by on a plateau. */
  readonly factor: number;
  /** Epochs without improvement tolerated before reducing. */
  readonly patience: number;
  /** Minimum significant improvement. */
  readonly threshold: number;
  /** Whether `threshold` is relative or absolute. */
  readonly thresholdMode: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting again. */
  readonly cooldown: number;
  /** Lower bound on the lr. */
  readonly minLr: number;
  /** Reductions of at most eps are ignored. */
  readonly eps: number;
  /** Best metric seen so far (±Infinity before the first `step`). */
  best: number;
  /** Consecutive epochs without significant improvement. */
  numBadEpochs = 0;
  /** Epochs of cooldown left. */
  cooldownCounter = 0;
  /** Epochs stepped so far. */
  lastEpoch = 0;

  /**
   * Creates the scheduler; the optimiser's lr is not changed until a plateau.
   * @param optimizer the optimiser whose `lr` to reduce.
   * @param options see {@link ReduceLROnPlateauOptions} for the defaults.
   * @throws {TypeError|RangeError} a bad option (mode or thresholdMode unknown, factor outside
   *   [0, 1), patience or cooldown not an integer >= 0, threshold, minLr or eps not finite >= 0).
   */
  constructor(optimizer: Optimizer, options?: ReduceLROnPlateauOptions) {
    this.optimizer = checkOptimizer('optimizer', optimizer);
    const o = checkOptions('new ReduceLROnPlateau: options', options, REDUCE_KEYS);
    const mode = o.mode === undefined ? 'min' : o.mode;
    if (mode !== 'min' && mode !== 'max') invalidArg('options.mode', '"min" or "max"', mode, 'range');
    const tm = o.thresholdMode === undefined ? 'rel' : o.thresholdMode;
    if (tm !== 'rel' && tm !== 'abs') invalidArg('options.thresholdMode', '"rel" or "abs"', tm, 'range');
    this.mode = mode;
    this.thresholdMode = tm;
    this.factor = num('options.factor', o.factor, 0.1, (x) => x >= 0 && x < 1, 'a number in [0, 1)');
    this.patience = o.patience === undefined ? 10 : checkInteger('options.patience', o.patience, 0, Number.MAX_SAFE_INTEGER);
    this.threshold = num('options.threshold', o.threshold, 1e-4, finiteNonNeg, 'a finite number >= 0');
    this.cooldown = o.cooldown === undefined ? 0 : checkInteger('options.cooldown', o.cooldown, 0, Number.MAX_SAFE_INTEGER);
    this.minLr = num('options.minLr', o.minLr, 0, finiteNonNeg, 'a finite number >= 0');
    this.eps = num('options.eps', o.eps, 1e-8, finiteNonNeg, 'a finite number >= 0');
    this.best = mode === 'min' ? Infinity : -Infinity;
  }

  private isBetter(a: number): boolean {
    const { best, threshold } = this;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - threshold) : a < best - threshold;
    return this.thresholdMode === 'rel' ? a > best * (threshold + 1) : a > best + threshold;
  }

  /** JSON-safe progress, for checkpoints (an infinite `best`, before any metric, is null). */
  state(): {
    /** Epochs stepped so far. */
    lastEpoch: number;
    /** Best metric so far, or null before any. */
    best: number | null;
    /** Consecutive epochs without improvement. */
    numBadEpochs: number;
    /** Epochs of cooldown left. */
    cooldownCounter: number;
  } {
    return { lastEpoch: this.lastEpoch, best: Number.isFinite(this.best) ? this.best : null, numBadEpochs: this.numBadEpochs, cooldownCounter: this.cooldownCounter };
  }

  /**
   * Resumes from `state()` (the optimiser's lr is not part of it: restore it with the optimiser).
   * @param state a value from `state()`.
   * @throws {TypeError|RangeError} a malformed state.
   */
  loadState(state: { lastEpoch: number; best: number | null; numBadEpochs: number; cooldownCounter: number }): void {
    const s = checkObject('state', state);
    const lastEpoch = checkInteger('state.lastEpoch', s.lastEpoch, 0, Number.MAX_SAFE_INTEGER);
    const numBadEpochs = checkInteger('state.numBadEpochs', s.numBadEpochs, 0, Number.MAX_SAFE_INTEGER);
    const cooldownCounter = checkInteger('state.cooldownCounter', s.cooldownCounter, 0, Number.MAX_SAFE_INTEGER);
    if (s.best !== null && (typeof s.best !== 'number' || !Number.isFinite(s.best))) invalidArg('state.best', 'a finite number or null', s.best);
    this.lastEpoch = lastEpoch;
    this.best = s.best === null ? (this.mode === 'min' ? Infinity : -Infinity) : (s.best as number);
    this.numBadEpochs = numBadEpochs;
    this.cooldownCounter = cooldownCounter;
  }

  /**
   * Records one epoch's metric; reduces the learning rate when it has plateaued.
   * @param metric the epoch's metric, e.g. the validation loss (NaN never counts as an improvement).
   * @returns the learning rate after this epoch.
   * @throws {TypeError} if metric is not a number.
   */
  step(metric: number): number {
    if (typeof metric !== 'number') invalidArg('metric', 'a number', metric);
    this.lastEpoch++;
    if (this.isBetter(metric)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs++;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      const old = this.optimizer.lr;
      const next = Math.max(old * this.factor, this.minLr);
      if (old - next > this.eps) this.optimizer.lr = next;
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    return this.optimizer.lr;
  }
}
