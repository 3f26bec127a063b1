/**
 * Exploding gradients: a non-finite norm at once (error), a layer's norm far above its recent median
 * (a spike), or the median of its last few norms far above it (sustained growth). A spike or growth is
 * a 'warning', or 'info' when clipping absorbs it (a clipped run), when the loss is falling (a phase
 * change: a healthy model finding the solution), or for growth that leaves the layer still below the
 * other layers' median norm (a layer catching up, e.g. a branch initialised at zero).
 */
import { isRecurrentWeight, likelyCause } from '../causes.js';
import { makeEvent, type MonitorEvent, type MonitorEventLevel, type MonitorEventReason } from '../events.js';
import { resolveExplode, type ExplodeOptions } from '../options.js';
import { finiteMedian } from '../ring-buffer.js';
import type { Detector, DetectorInput } from './detector.js';
import { lossFalling } from './loss-trend.js';

/**
 * Flags a non-finite gradient once per episode (naming the first tensor holding one, level 'error'),
 * a layer whose norm exceeds `factor` × its median over the last `window` steps ('spike'), and a layer
 * whose median over the last `growthSteps` steps exceeds `growthFactor` × that median ('growth'). One
 * event per burst: `cooldown` steps pass before the next spike or growth event. Spikes and growth are
 * 'warning's, or 'info' in a clipped run (the clip absorbed them), while the loss falls, or (growth
 * only) while the layer stays below the other layers' median norm.
 */
export class ExplodeDetector implements Detector {
  private readonly opt: Required<ExplodeOptions>;
  private scratch: Float64Array;
  private recent: Float64Array;
  private spiking = new Uint8Array(0);
  private growing = new Uint8Array(0);
  private nonFiniteEpisode = false;
  private lastSpikeStep = -Infinity;

  /**
   * @param options factor, window, minHistory, cooldown, growthFactor and growthSteps (defaults as in {@link ExplodeOptions}).
   * @throws {TypeError|RangeError} an option of the wrong type or out of range.
   */
  constructor(options?: ExplodeOptions) {
    this.opt = resolveExplode(options, 'new monitor.ExplodeDetector: options');
    this.scratch = new Float64Array(this.opt.window);
    this.recent = new Float64Array(this.opt.growthSteps);
  }

  /**
   * Checks one step.
   * @param input the step's statistics, the history before it and the run's context.
   * @returns at most one event.
   */
  check(input: DetectorInput): MonitorEvent[] {
    const { step, stats, names, history, run, params } = input;
    const per = stats.perTensorNorms;
    if (this.spiking.length !== per.length) {
      this.spiking = new Uint8Array(per.length);
      this.growing = new Uint8Array(per.length);
    }
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
        const note = first >= 0 ? likelyCause(params, first, NaN, run, false) : '';
        out.push(makeEvent('explode', 'nonfinite', 'error', step, first >= 0 ? names[first] : null, first >= 0 ? per[first] : stats.totalNorm, NaN, { extra, run, note, recurrent: names.some(isRecurrentWeight) }));
      }
      this.nonFiniteEpisode = true;
      return out;
    }
    this.nonFiniteEpisode = false;
    const { factor, window, minHistory, cooldown, growthFactor, growthSteps } = this.opt;
    let worst = -1;
    let worstRatio = 0;
    let worstMedian = NaN;
    let worstValue = NaN;
    let worstReason: MonitorEventReason = 'spike';
    for (let i = 0; i < per.length; i++) {
      const hist = history[i];
      if (hist.length < minHistory) continue;
      const med = finiteMedian(hist.last(window, this.scratch));
      const ratio = per[i] / med;
      const spiking = med > 0 && ratio > factor;
      // Sustained growth: the median of the last growthSteps norms (this one included) far above the window's.
      let grown = NaN;
      if (growthSteps > 1 && hist.length >= growthSteps - 1) {
        const r = hist.last(growthSteps - 1, this.recent);
        this.recent[growthSteps - 1] = per[i];
        grown = finiteMedian(this.recent.subarray(0, r.length + 1));
      }
      const growing = med > 0 && grown / med > growthFactor;
      // One event per episode: a layer that was already spiking (growing) on the previous step stays quiet.
      if (spiking && !this.spiking[i] && ratio > worstRatio) {
        [worst, worstRatio, worstMedian, worstValue, worstReason] = [i, ratio, med, per[i], 'spike'];
      } else if (growing && !this.growing[i] && !this.spiking[i] && grown / med > worstRatio) {
        [worst, worstRatio, worstMedian, worstValue, worstReason] = [i, grown / med, med, grown, 'growth'];
      }
      this.spiking[i] = spiking ? 1 : 0;
      this.growing[i] = growing ? 1 : 0;
    }
    // A burst of spikes (often across layers, step after step) is one event; non-finite ones always report.
    if (worst < 0 || step - this.lastSpikeStep <= cooldown) return [];
    this.lastSpikeStep = step;
    let level: MonitorEventLevel = 'warning';
    let extra = worstReason === 'growth' ? ` over the last ${growthSteps} steps` : '';
    let note = '';
    let diagnosis: string | undefined;
    let others = NaN;
    if (run.clip !== null) {
      level = 'info';
      extra += stats.totalNorm > run.clip ? `; clipping at ${formatClip(run.clip)} scaled this step's total norm ${formatClip(stats.totalNorm)} down` : `; the total norm ${formatClip(stats.totalNorm)} stayed under the clip threshold ${formatClip(run.clip)}`;
    } else if (worstReason === 'growth' && per[worst] < (others = othersMedian(per, worst))) {
      // Growing towards the rest of the network, not past it: a layer catching up (a residual branch
      // whose last BatchNorm starts at γ = 0 has gradient 0 at step 1 and grows for dozens of steps).
      level = 'info';
      extra += `; still below the other layers' median ${formatClip(others)} (a layer catching up with the rest)`;
      diagnosis = 'A layer whose gradient grows from a small start towards the other layers\' is usually waking up (a branch or scale initialised at zero): no action unless it grows past them.';
    } else if (lossFalling(input.losses, input.loss)) {
      level = 'info';
      extra += '; the loss is falling (a phase change: the model is finding the solution)';
      diagnosis = 'A spike while the loss falls is usually the model leaving a plateau, not an explosion: no action unless the loss turns up.';
    } else {
      note = likelyCause(params, worst, per[worst], run, false);
    }
    return [makeEvent('explode', worstReason, level, step, names[worst], worstValue, worstMedian, { extra, run, note, diagnosis, recurrent: names.some(isRecurrentWeight) })];
  }
}

const formatClip = (v: number): string => String(+v.toPrecision(3));

/** The median of the finite norms other than `skip`'s (NaN when there are none); only when an event fires. */
function othersMedian(per: Float64Array, skip: number): number {
  const rest = Float64Array.from(per.filter((v, j) => j !== skip && Number.isFinite(v)));
  return finiteMedian(rest);
}
