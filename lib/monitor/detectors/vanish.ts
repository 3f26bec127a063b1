/**
 * Vanishing gradients: a layer's norm below a floor, or far below the other layers', for many steps;
 * and, at the start of a run, layers whose norms are orders of magnitude below the layers after them
 * (vanishing with depth), flagged within a few steps instead of after `patience`.
 */
import { initScale, likelyCause } from '../causes.js';
import { fmt, makeEvent, type MonitorEvent } from '../events.js';
import { resolveVanish, type VanishOptions } from '../options.js';
import type { Detector, DetectorInput } from './detector.js';

/**
 * Flags a layer whose finite norm stays below `floor`, or below `ratio` × the median norm of the
 * other layers, for `patience` consecutive steps (once, when the run reaches `patience`), level 'warning'.
 * The start-of-run check: on each of the first `startSteps` recorded steps, a parameter whose norm is
 * below `startRatio` × the largest finite norm among the parameters after it (in model order: nearer
 * the output) is vanishing with depth; one 'warning' (reason 'depth') at the `startSteps`-th step names
 * the parameter nearest the input and counts the others. Depth, not a plain ratio: a layer near the
 * output with a small gradient (a zero-initialised γ, a bias with little to do) is not the pattern, the
 * gradient dying on its way back to the input is. A layer whose gradient is exactly 0 at step 1 but
 * not later (a residual branch whose last BatchNorm starts at γ = 0) does not count: it must hold on
 * every one of the first steps.
 */
export class VanishDetector implements Detector {
  private readonly opt: Required<VanishOptions>;
  private run = new Int32Array(0);
  private others = new Float64Array(0);
  /** Start-of-run check: steps checked so far, and whether each parameter has been below its threshold on all of them. */
  private startSeen = 0;
  private startHeld = new Uint8Array(0);

  /**
   * @param options floor, ratio and patience (defaults as in {@link VanishOptions}).
   * @throws {TypeError|RangeError} an option of the wrong type or out of range.
   */
  constructor(options?: VanishOptions) {
    this.opt = resolveVanish(options, 'new monitor.VanishDetector: options');
  }

  /**
   * Checks one step.
   * @param input the step's statistics.
   * @returns one event per layer whose run reached `patience` at this step.
   */
  check({ step, stats, names, run, params }: DetectorInput): MonitorEvent[] {
    const per = stats.perTensorNorms;
    const { floor, ratio, patience } = this.opt;
    const n = per.length;
    if (this.run.length !== n) {
      this.run = new Int32Array(n);
      this.others = new Float64Array(n);
    }
    const out: MonitorEvent[] = [];
    if (this.startSeen < this.opt.startSteps) {
      const e = this.startCheck(step, per, names, run, params);
      if (e) out.push(e);
    }
    // The finite norms sorted once; "the median of the other layers" then skips one position: O(n log n) a step.
    let m = 0;
    for (let i = 0; i < n; i++) if (Number.isFinite(per[i])) this.others[m++] = per[i];
    const sorted = this.others.subarray(0, m).sort();
    for (let i = 0; i < n; i++) {
      const v = per[i];
      let reference = NaN;
      let reason: 'floor' | 'ratio' | null = null;
      if (!Number.isFinite(v)) {
        this.run[i] = 0;
        continue;
      }
      if (v < floor) {
        reason = 'floor';
        reference = floor;
      } else if (m > 1) {
        const med = medianWithout(sorted, v);
        if (v < ratio * med) {
          reason = 'ratio';
          reference = med;
        }
      }
      if (reason === null) {
        this.run[i] = 0;
        continue;
      }
      // Emitted once, when the condition has held for `patience` consecutive steps.
      if (++this.run[i] === patience) out.push(makeEvent('vanish', reason, 'warning', step, names[i], v, reference, { extra: ` for ${patience} steps`, run, note: likelyCause(params, i, v, run, true) }));
    }
    return out;
  }

  /** One start-of-run step: updates which parameters are still below their threshold; the event on the last start step. */
  private startCheck(step: number, per: Float64Array, names: readonly string[], run: DetectorInput['run'], params: DetectorInput['params']): MonitorEvent | null {
    const n = per.length;
    if (this.startSeen === 0) this.startHeld = new Uint8Array(n).fill(1);
    this.startSeen++;
    // Walk from the output back to the input, carrying the largest finite norm seen (the layers after i).
    let after = 0;
    let afterAt = -1;
    const refs = new Float64Array(n);
    const refAt = new Int32Array(n);
    for (let i = n - 1; i >= 0; i--) {
      const v = per[i];
      refs[i] = after;
      refAt[i] = afterAt;
      if (!(Number.isFinite(v) && after > 0 && v < this.opt.startRatio * after)) this.startHeld[i] = 0;
      if (Number.isFinite(v) && v > after) [after, afterAt] = [v, i];
    }
    if (this.startSeen !== this.opt.startSteps) return null;
    const held: number[] = [];
    this.startHeld.forEach((h, i) => h && held.push(i));
    if (held.length === 0) return null;
    const i = held[0];
    const k = this.opt.startSteps;
    const others = held.length > 1 ? `; so are ${held.length - 1} more parameters, up to ${names[held[held.length - 1]]} (${held.length} of ${n})` : '';
    const extra = ` in ${names[refAt[i]]}; more than ${fmt(1 / this.opt.startRatio)}× below the layers after it on each of the first ${k} step${k > 1 ? 's' : ''}${others}`;
    return makeEvent('vanish', 'depth', 'warning', step, names[i], per[i], refs[i], { extra, run, note: depthCause(params, held) || likelyCause(params, i, per[i], run, true) });
  }
}

/**
 * The depth event's cause: the median initialisation scale of the vanished weight matrices, when below
 * Xavier/LeCun's 1 (each ReLU layer then shrinks the signal, forwards and backwards, by about
 * scale/√2; over the vanished layers that compounds to the figure given). '' when the scale is unknown or not small.
 */
function depthCause(params: DetectorInput['params'], held: readonly number[]): string {
  const scales = held.map((i) => (params[i] ? initScale(params[i]) : null)).filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (scales.length === 0) return '';
  const med = scales[scales.length >> 1];
  if (!(med < 1)) return '';
  const per = med / Math.SQRT2;
  return `Likely cause: initialisation scale with depth: the ${scales.length} vanished weight tensors have RMS ≈ ${fmt(med)}/√fan-in (median; Kaiming for ReLU ≈ 1.41), so each ReLU layer scales the signal by ≈ ${fmt(per)}, ≈ ${fmt(per ** scales.length)} over ${scales.length} layers.`;
}

/** Median of sorted `a` with one occurrence of `v` (which it holds) removed. */
function medianWithout(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  const k = a.length - 1; // elements left
  const at = (j: number) => a[j < lo ? j : j + 1];
  return k % 2 ? at((k - 1) >> 1) : 0.5 * (at(k / 2 - 1) + at(k / 2));
}
