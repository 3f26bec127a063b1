/**
 * A layer whose gradient falls to (nearly) zero within a few steps, from the level it had: dead
 * units (every ReLU of a layer inactive), or a bug that detaches or zeroes the layer. Faster than the
 * vanishing detector (3 steps, not 100) because a sudden drop by 1000× is never ordinary noise.
 */
import { layerOf, likelyCause } from '../causes.js';
import { makeEvent, type MonitorEvent } from '../events.js';
import { resolveCollapse, type CollapseOptions } from '../options.js';
import type { Detector, DetectorInput } from './detector.js';

/**
 * Tracks each layer's recent level as a geometric exponential average of its positive norms (β = 0.9, frozen
 * while the layer is collapsed) and flags a layer whose norm stays below `ratio` × that level for
 * `patience` steps, level 'warning'. Layers that collapse together are one event naming the deepest
 * layer all of whose parameters collapsed (dead ReLUs in layer k also silence every layer before it,
 * and the weight of layer k + 1: the gradient stops at k); a lone parameter is named itself.
 */
export class CollapseDetector implements Detector {
  private readonly opt: Required<CollapseOptions>;
  private level = new Float64Array(0);
  private seen = new Int32Array(0);
  private run = new Int32Array(0);
  private reported = new Uint8Array(0);

  /**
   * @param options ratio, patience and minHistory (defaults as in {@link CollapseOptions}).
   * @throws {TypeError|RangeError} an option of the wrong type or out of range.
   */
  constructor(options?: CollapseOptions) {
    this.opt = resolveCollapse(options, 'new monitor.CollapseDetector: options');
  }

  /**
   * Checks one step.
   * @param input the step's statistics.
   * @returns at most one event.
   */
  check({ step, stats, names, run, params }: DetectorInput): MonitorEvent[] {
    const per = stats.perTensorNorms;
    const n = per.length;
    if (this.level.length !== n) {
      this.level = new Float64Array(n);
      this.seen = new Int32Array(n);
      this.run = new Int32Array(n);
      this.reported = new Uint8Array(n);
    }
    const { ratio, patience, minHistory } = this.opt;
    const fresh: number[] = [];
    for (let i = 0; i < n; i++) {
      const v = per[i];
      if (!Number.isFinite(v)) {
        this.run[i] = 0;
        continue;
      }
      const collapsed = this.seen[i] >= minHistory && this.level[i] > 0 && v < ratio * this.level[i];
      if (collapsed) {
        if (++this.run[i] >= patience && !this.reported[i]) fresh.push(i);
        continue; // the level is frozen while collapsed: it remembers what the layer had
      }
      this.run[i] = 0;
      this.reported[i] = 0;
      if (!(v > 0)) continue; // a layer at zero from the start has no level to fall from
      // A geometric average: one spike of 1e6× moves it by 4×, not by 1e5× (which would make the
      // ordinary steps after it look like a collapse).
      this.level[i] = this.seen[i] === 0 ? v : Math.exp(0.9 * Math.log(this.level[i]) + 0.1 * Math.log(v));
      this.seen[i]++;
    }
    if (fresh.length === 0) return [];
    for (const i of fresh) this.reported[i] = 1;
    // The deepest layer (by name order: input to output) whose parameters all collapsed.
    const down = (i: number): boolean => this.run[i] >= patience;
    let pick = -1;
    for (let i = n - 1; i >= 0 && pick < 0; i--) {
      if (!down(i)) continue;
      const layer = layerOf(names[i]);
      const members = names.map((nm, j) => (layerOf(nm) === layer ? j : -1)).filter((j) => j >= 0);
      if (members.length > 1 && members.every(down)) pick = members[0];
    }
    if (pick < 0) pick = fresh[fresh.length - 1];
    const others = names.filter((_, j) => down(j) && layerOf(names[j]) !== layerOf(names[pick]));
    const whole = names.filter((nm, j) => layerOf(nm) === layerOf(names[pick]) && down(j)).length > 1;
    const extra = `${whole ? ` (every parameter of layer ${layerOf(names[pick])})` : ''} for ${patience} steps${others.length ? `; also silent: ${others.slice(0, 4).join(', ')}${others.length > 4 ? ` and ${others.length - 4} more` : ''}` : ''}`;
    const note = likelyCause(params, pick, per[pick], run, true);
    return [makeEvent('vanish', 'collapse', 'warning', step, names[pick], per[pick], this.level[pick], { extra, run, note })];
  }
}
