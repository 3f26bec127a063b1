/** Vanishing gradients: a layer's norm below a floor, or far below the other layers', for many steps. */
import { likelyCause } from '../causes.js';
import { makeEvent, type MonitorEvent } from '../events.js';
import { resolveVanish, type VanishOptions } from '../options.js';
import type { Detector, DetectorInput } from './detector.js';

/**
 * Flags a layer whose finite norm stays below `floor`, or below `ratio` × the median norm of the
 * other layers, for `patience` consecutive steps (once, when the run reaches `patience`), level 'warning'.
 */
export class VanishDetector implements Detector {
  private readonly opt: Required<VanishOptions>;
  private run = new Int32Array(0);
  private others = new Float64Array(0);

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
