/** Loss divergence: a non-finite loss at once, or the smoothed loss far above its running minimum. */
import { makeEvent, type MonitorEvent } from '../events.js';
import { resolveDiverge, type DivergeOptions } from '../options.js';
import type { Detector, DetectorInput } from './detector.js';

/**
 * Flags a non-finite loss once per episode, and a smoothed (bias-corrected EMA) loss that stays
 * more than (factor − 1) × |minimum| above its running minimum, undoing at least `retrace` of the
 * fall from the loss after warm-up to that minimum, for `patience` steps after `warmup`.
 * Steps recorded without a loss are skipped. Both are 'error's.
 */
export class DivergeDetector implements Detector {
  private readonly opt: Required<DivergeOptions>;
  private nonFiniteEpisode = false;
  private ema = 0;
  private seen = 0;
  private min = Infinity;
  /** The smoothed loss when warm-up ended: where the progress is measured from. */
  private start = NaN;
  private riseRun = 0;

  /**
   * @param options factor, patience, smoothing, warmup and retrace (defaults as in {@link DivergeOptions}).
   * @throws {TypeError|RangeError} an option of the wrong type or out of range.
   */
  constructor(options?: DivergeOptions) {
    this.opt = resolveDiverge(options, 'new monitor.DivergeDetector: options');
  }

  /**
   * Checks one step.
   * @param input the step's loss (no event without one).
   * @returns at most one event.
   */
  check({ step, loss, run }: DetectorInput): MonitorEvent[] {
    if (loss === undefined) return [];
    if (!Number.isFinite(loss)) {
      const out = this.nonFiniteEpisode ? [] : [makeEvent('diverge', 'nonfinite-loss', 'error', step, null, loss, NaN, { run })];
      this.nonFiniteEpisode = true;
      return out;
    }
    this.nonFiniteEpisode = false;
    const { factor, patience, smoothing, warmup } = this.opt; // and retrace, below
    this.seen++;
    this.ema = smoothing * this.ema + (1 - smoothing) * loss;
    const smooth = this.ema / (1 - smoothing ** this.seen); // bias-corrected (Adam's trick)
    if (this.seen <= warmup) return [];
    if (Number.isNaN(this.start)) this.start = smooth;
    this.min = Math.min(this.min, smooth);
    // A rise of (factor − 1) × |minimum| above the minimum: smooth > factor × min for positive losses,
    // and still meaningful for losses that are negative (a log-likelihood, a maximised objective)…
    const rise = smooth - this.min;
    // …that also undoes `retrace` of the progress made (a converged run's bump near a tiny minimum is
    // many times that minimum and still nothing like divergence).
    if (rise > (factor - 1) * Math.abs(this.min) && rise > this.opt.retrace * Math.max(0, this.start - this.min)) {
      if (++this.riseRun === patience) return [makeEvent('diverge', 'loss-rise', 'error', step, null, smooth, this.min, { extra: ` for ${patience} steps`, run })];
    } else {
      this.riseRun = 0;
    }
    return [];
  }
}
