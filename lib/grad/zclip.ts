import { checkInteger, checkNormType, checkOptions, optionKeys, checkPositiveFinite, type TensorsLike } from '../validate/index.js';
import { invalidArg } from '../errors.js';
import type { ClipReport } from './autoclip.js';
import { clipGradsWithNorm } from './clip-grad-norm.js';
import { getTotalNorm } from './total-norm.js';

/** Options of {@link ZClip}. */
export interface ZClipOptions {
  /** EMA smoothing of the norm's mean and variance. Default 0.97. */
  alpha?: number;
  /** z-score above which a norm is a spike. Default 2.5. */
  zThreshold?: number;
  /** Steps used to initialise mean and variance before clipping starts. Default 25. */
  warmupSteps?: number;
  /** Norm order. Default 2. */
  normType?: number;
}

const ZCLIP_OPTION_KEYS = optionKeys<ZClipOptions>()(['alpha', 'zThreshold', 'warmupSteps', 'normType']);

/** ZClip's serialisable state: its options and running statistics. */
export interface ZClipState {
  /** EMA smoothing factor, in [0, 1). */
  alpha: number;
  /** z-score above which a norm is a spike. */
  zThreshold: number;
  /** Warm-up length in steps. */
  warmupSteps: number;
  /** Norm order. */
  normType: number;
  /** Finite norms collected so far during warm-up (empty once initialised). */
  warmup: number[];
  /** EMA of the norm, μ. */
  mean: number;
  /** EMA of the norm's variance, σ² (>= 0). */
  variance: number;
  /** Whether warm-up has finished and clipping is active. */
  initialised: boolean;
}

/**
 * ZClip (Kumar et al. 2025, "ZClip: Adaptive Spike Mitigation for LLM Pre-Training"): z-score spike
 * clipping. The first `warmupSteps` norms initialise the mean μ and variance σ² (no clipping). Then
 * each step: z = (g − μ)/σ; when z > zThreshold the gradients are clipped to
 * `μ + zThreshold²·σ/z` (the paper's reciprocal mode); μ and σ² follow an EMA with α of the
 * (clipped) norm: μ ← αμ + (1−α)g′, σ² ← ασ² + (1−α)(g′ − μ_old)². Non-finite norms update nothing.
 */
export class ZClip {
  /** EMA smoothing factor α of the mean and variance. */
  readonly alpha: number;
  /** z-score above which a norm is a spike. */
  readonly zThreshold: number;
  /** Finite norms used to initialise μ and σ² before clipping starts. */
  readonly warmupSteps: number;
  /** Norm order used to measure the gradients. */
  readonly normType: number;
  private warmup: number[] = [];
  private mean = 0;
  private variance = 0;
  private initialised = false;

  /**
   * Creates a clipper at the start of its warm-up.
   * @param options alpha (default 0.97), zThreshold (default 2.5), warmupSteps (default 25), normType (default 2).
   * @throws {TypeError|RangeError} on a bad option (alpha outside [0, 1), zThreshold not finite > 0,
   * warmupSteps not an integer in 1..2^24, normType not > 0).
   */
  constructor(options?: ZClipOptions) {
    const o = checkOptions('new ZClip: options', options, ZCLIP_OPTION_KEYS);
    const alpha = o.alpha ?? 0.97;
    if (typeof alpha !== 'number' || !(alpha >= 0 && alpha < 1)) invalidArg('options.alpha', 'a number in [0, 1)', alpha, typeof alpha === 'number' ? 'range' : 'type');
    this.alpha = alpha;
    this.zThreshold = o.zThreshold === undefined ? 2.5 : checkPositiveFinite('options.zThreshold', o.zThreshold);
    this.warmupSteps = o.warmupSteps === undefined ? 25 : checkInteger('options.warmupSteps', o.warmupSteps, 1, 1 << 24);
    this.normType = o.normType === undefined ? 2 : checkNormType('options.normType', o.normType);
  }

  /**
   * Measures one step's gradients and clips a spike in place. During warm-up and for a non-finite
   * norm nothing is clipped (`maxNorm` is Infinity).
   * @param grads a Float32Array, an array of them, or a FlatTensors.
   * @returns the norm, the threshold used (Infinity when none) and whether the gradients were scaled.
   * @throws {TypeError} if grads is not tensors.
   */
  step(grads: TensorsLike): ClipReport {
    const g = getTotalNorm(grads, this.normType);
    if (!Number.isFinite(g)) return { totalNorm: g, maxNorm: Infinity, clipped: false };
    if (!this.initialised) {
      this.warmup.push(g);
      if (this.warmup.length >= this.warmupSteps) {
        const n = this.warmup.length;
        this.mean = this.warmup.reduce((a, b) => a + b, 0) / n;
        this.variance = this.warmup.reduce((a, b) => a + (b - this.mean) ** 2, 0) / n;
        this.initialised = true;
        this.warmup = [];
      }
      return { totalNorm: g, maxNorm: Infinity, clipped: false };
    }
    const sigma = Math.sqrt(this.variance);
    const z = sigma > 0 ? (g - this.mean) / sigma : 0;
    let used = g;
    let maxNorm = Infinity;
    if (z > this.zThreshold) {
      maxNorm = this.mean + (this.zThreshold * this.zThreshold * sigma) / z;
      clipGradsWithNorm(grads, maxNorm, g);
      used = maxNorm;
    }
    const oldMean = this.mean;
    this.mean = this.alpha * this.mean + (1 - this.alpha) * used;
    this.variance = this.alpha * this.variance + (1 - this.alpha) * (used - oldMean) ** 2;
    return { totalNorm: g, maxNorm, clipped: maxNorm < Infinity };
  }

  /** A copy of the options and running statistics, JSON-serialisable, for {@link ZClip.loadState} or {@link ZClip.fromState}. */
  state(): ZClipState {
    return {
      alpha: this.alpha, zThreshold: this.zThreshold, warmupSteps: this.warmupSteps, normType: this.normType,
      warmup: [...this.warmup], mean: this.mean, variance: this.variance, initialised: this.initialised,
    };
  }

  /**
   * Resumes this clipper from `state()` (e.g. read back from a checkpoint): the warm-up norms and the
   * running mean and variance. The options stay this instance's own.
   * @param s a value from `state()`; its alpha, zThreshold, warmupSteps and normType are ignored.
   * @throws {TypeError} a malformed state.
   */
  loadState(s: ZClipState): void {
    if (s === null || typeof s !== 'object') invalidArg('state', 'a ZClip state()', s);
    if (!Array.isArray(s.warmup) || !s.warmup.every((v) => typeof v === 'number' && Number.isFinite(v))) invalidArg('state.warmup', 'an array of finite numbers', s.warmup);
    const z = ZClip.fromState({ ...s, alpha: this.alpha, zThreshold: this.zThreshold, warmupSteps: this.warmupSteps, normType: this.normType });
    this.warmup = z.warmup;
    this.mean = z.mean;
    this.variance = z.variance;
    this.initialised = z.initialised;
  }

  /**
   * A new clipper with the options and running statistics of `state()`.
   * @param s a value from `state()`.
   * @throws {TypeError|RangeError} on bad options, or a non-finite mean or negative variance.
   */
  static fromState(s: ZClipState): ZClip {
    const z = new ZClip({ alpha: s.alpha, zThreshold: s.zThreshold, warmupSteps: s.warmupSteps, normType: s.normType });
    if (![s.mean, s.variance].every((v) => typeof v === 'number' && Number.isFinite(v)) || s.variance < 0) {
      invalidArg('state', 'finite mean and a variance >= 0', s);
    }
    z.warmup = [...s.warmup];
    z.mean = s.mean;
    z.variance = s.variance;
    z.initialised = !!s.initialised;
    return z;
  }
}
