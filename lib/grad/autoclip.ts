import { invalidArg } from '../errors.js';
import { checkInteger, checkNormType, checkOptions, optionKeys, type TensorsLike } from '../validate/index.js';
import { clipGradsWithNorm } from './clip-grad-norm.js';
import { getTotalNorm } from './total-norm.js';

/** Options of {@link AutoClip}. */
export interface AutoClipOptions {
  /** Percentile (0..100) of the norm history to clip at. Default 10, the paper's choice. */
  percentile?: number;
  /** How many recent norms to remember (bounded memory). Default 1000. */
  historySize?: number;
  /** Norm order. Default 2. */
  normType?: number;
}

const AUTOCLIP_OPTION_KEYS = optionKeys<AutoClipOptions>()(['percentile', 'historySize', 'normType']);

/** AutoClip's serialisable state. */
export interface AutoClipState {
  /** The percentile (0..100) clipped at. */
  percentile: number;
  /** How many recent norms are kept. */
  historySize: number;
  /** Norm order. */
  normType: number;
  /** The recorded finite norms, oldest first (at most `historySize`). */
  history: number[];
}

/** What one adaptive-clipping step did ({@link AutoClip.step}, {@link ZClip.step}). */
export interface ClipReport {
  /** The total norm before clipping. */
  totalNorm: number;
  /** The threshold used this step. */
  maxNorm: number;
  /** Whether the gradients were scaled. */
  clipped: boolean;
}

/**
 * AutoClip (Seetharaman et al. 2020, "AutoClip: Adaptive Gradient Clipping for Source Separation
 * Networks"): each step, append the gradient norm to the history and clip at the history's p-th
 * percentile (p = 10 by default). Here the history is bounded (the most recent `historySize` norms)
 * and non-finite norms are not recorded (they would poison the threshold).
 */
export class AutoClip {
  /** Percentile (0..100) of the norm history clipped at. */
  readonly percentile: number;
  /** How many recent norms the history keeps. */
  readonly historySize: number;
  /** Norm order used to measure the gradients. */
  readonly normType: number;
  private history: number[] = [];

  /**
   * Creates a clipper with an empty norm history.
   * @param options percentile (default 10), history size (default 1000) and norm order (default 2).
   * @throws {TypeError|RangeError} on a bad option (percentile outside 0..100, historySize not an
   * integer in 1..2^24, normType not > 0).
   */
  constructor(options?: AutoClipOptions) {
    const o = checkOptions('new AutoClip: options', options, AUTOCLIP_OPTION_KEYS);
    const pct = o.percentile ?? 10;
    if (typeof pct !== 'number' || !(pct >= 0 && pct <= 100)) invalidArg('options.percentile', 'a number from 0 to 100', pct, typeof pct === 'number' ? 'range' : 'type');
    this.percentile = pct;
    this.historySize = o.historySize === undefined ? 1000 : checkInteger('options.historySize', o.historySize, 1, 1 << 24);
    this.normType = o.normType === undefined ? 2 : checkNormType('options.normType', o.normType);
  }

  /**
   * Measures, records and clips one step's gradients in place. With an empty history (only
   * non-finite norms so far) the threshold is Infinity; a NaN total still makes every gradient NaN,
   * as {@link clipGradsWithNorm} does.
   * @param grads a Float32Array, an array of them, or a FlatTensors.
   * @returns the norm, the threshold used and whether the gradients were scaled.
   * @throws {TypeError} if grads is not tensors.
   */
  step(grads: TensorsLike): ClipReport {
    const totalNorm = getTotalNorm(grads, this.normType);
    if (Number.isFinite(totalNorm)) {
      this.history.push(totalNorm);
      if (this.history.length > this.historySize) this.history.shift();
    }
    const maxNorm = this.threshold();
    const clipped = maxNorm / (totalNorm + 1e-6) < 1 || Number.isNaN(totalNorm);
    clipGradsWithNorm(grads, maxNorm, totalNorm);
    return { totalNorm, maxNorm, clipped };
  }

  /** The current threshold: the history's percentile (linear interpolation, as numpy's default). */
  threshold(): number {
    if (this.history.length === 0) return Infinity;
    const sorted = [...this.history].sort((a, b) => a - b);
    const pos = (this.percentile / 100) * (sorted.length - 1);
    const lo = Math.floor(pos), hi = Math.ceil(pos);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  }

  /** A copy of the options and the norm history, JSON-serialisable, for {@link AutoClip.loadState} or {@link AutoClip.fromState}. */
  state(): AutoClipState {
    return { percentile: this.percentile, historySize: this.historySize, normType: this.normType, history: [...this.history] };
  }

  /**
   * Resumes this clipper from `state()` (e.g. read back from a checkpoint): the norm history. The
   * options stay this instance's own.
   * @param s a value from `state()`; its percentile, historySize and normType are ignored.
   * @throws {TypeError} a history that is not an array of finite numbers.
   */
  loadState(s: AutoClipState): void {
    if (s === null || typeof s !== 'object') invalidArg('state', 'an AutoClip state()', s);
    const c = AutoClip.fromState({ ...s, percentile: this.percentile, historySize: this.historySize, normType: this.normType });
    this.history = c.history;
  }

  /**
   * A new clipper with the options and history of `state()` (the history truncated to the newest
   * `historySize` norms).
   * @param s a value from `state()`.
   * @throws {TypeError|RangeError} on bad options or a history that is not an array of finite numbers.
   */
  static fromState(s: AutoClipState): AutoClip {
    const c = new AutoClip({ percentile: s.percentile, historySize: s.historySize, normType: s.normType });
    if (!Array.isArray(s.history) || !s.history.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      invalidArg('state.history', 'an array of finite numbers', s.history);
    }
    c.history = s.history.slice(-c.historySize);
    return c;
  }
}
