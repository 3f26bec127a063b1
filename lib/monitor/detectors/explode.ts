/** Exploding gradients: a non-finite norm at once, or a layer's norm far above its recent median. */
import { makeEvent, type MonitorEvent } from '../events.js';
import { resolveExplode, type ExplodeOptions } from '../options.js';
import { finiteMedian } from '../ring-buffer.js';
import type { Detector, DetectorInput } from './detector.js';

/**
 * Flags a non-finite gradient once per episode (naming the first tensor holding one) and a layer
 * whose norm exceeds `factor` × its median over the last `window` steps (one event per burst:
 * `cooldown` steps pass before the next spike event).
 */
export class ExplodeDetector implements Detector {
  private readonly opt: Required<ExplodeOptions>;
  private scratch: Float64Array;
  private spiking = new Uint8Array(0);
  private nonFiniteEpisode = false;
  private lastSpikeStep = -Infinity;

  /**
   * @param options factor, window, minHistory and cooldown (defaults as in {@link ExplodeOptions}).
   * @throws {TypeError|RangeError} an option of the wrong type or out of range.
   */
  constructor(options?: ExplodeOptions) {
    this.opt = resolveExplode(options, 'new monitor.ExplodeDetector: options');
    this.scratch = new Float64Array(this.opt.window);
  }

  /**
   * Checks one step.
   * @param input the step's statistics and the history before it.
   * @returns at most one event.
   */
  check({ step, stats, names, history }: DetectorInput): MonitorEvent[] {
    const per = stats.perTensorNorms;
    if (this.spiking.length !== per.length) this.spiking = new Uint8Array(per.length);
    if (stats.nonFiniteCount > 0 || !Number.isFinite(stats.totalNorm)) {
      const out: MonitorEvent[] = [];
      if (!this.nonFiniteEpisode) {
        // Name the first tensor holding a NaN/Inf, and list the others hit (up to 4).
        let first = stats.firstNonFiniteIndex;
        const bad: string[] = [];
        per.forEach((v, i) => {
          if (!Number.isFinite(v)) {
            if (first < 0) first = i;
            if (i !== first) bad.push(names[i]);
          }
        });
        const also = bad.length === 0 ? '' : ` (also ${bad.slice(0, 4).join(', ')}${bad.length > 4 ? ` and ${bad.length - 4} more` : ''})`;
        const extra = `${also}; ${stats.nonFiniteCount} non-finite values`;
        out.push(makeEvent('explode', 'nonfinite', step, first >= 0 ? names[first] : null, first >= 0 ? per[first] : stats.totalNorm, NaN, extra));
      }
      this.nonFiniteEpisode = true;
      return out;
    }
    this.nonFiniteEpisode = false;
    const { factor, window, minHistory, cooldown } = this.opt;
    let worst = -1;
    let worstRatio = factor;
    let worstMedian = NaN;
    for (let i = 0; i < per.length; i++) {
      const hist = history[i];
      if (hist.length < minHistory) continue;
      const med = finiteMedian(hist.last(window, this.scratch));
      const ratio = per[i] / med;
      const spiking = med > 0 && ratio > factor;
      // One event per episode: a layer that was already spiking on the previous step stays quiet.
      if (spiking && !this.spiking[i] && ratio > worstRatio) {
        worst = i;
        worstRatio = ratio;
        worstMedian = med;
      }
      this.spiking[i] = spiking ? 1 : 0;
    }
    // A burst of spikes (often across layers, step after step) is one event; non-finite ones always report.
    if (worst >= 0 && step - this.lastSpikeStep > cooldown) {
      this.lastSpikeStep = step;
      return [makeEvent('explode', 'spike', step, names[worst], per[worst], worstMedian)];
    }
    return [];
  }
}
