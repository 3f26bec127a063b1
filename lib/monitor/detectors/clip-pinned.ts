/**
 * A clipped run whose raw gradient norm is above the clip threshold on most steps: clipping then
 * sets every step's size (the threshold is too low, or the learning rate too high). Runs only when
 * the monitor knows the run's clip threshold (the Trainer tells it, or `MonitorOptions.run.clip`).
 */
import { fmt, makeEvent, type MonitorEvent } from '../events.js';
import { resolveClipPinned, type ClipPinnedOptions } from '../options.js';
import { finiteMedian } from '../ring-buffer.js';
import type { Detector, DetectorInput } from './detector.js';

/**
 * Counts, over the last `window` steps, those whose raw total norm exceeded the clip threshold, and
 * raises a 'warning' when that reaches `fraction` of the window (then not again for `window` steps).
 */
export class ClipPinnedDetector implements Detector {
  private readonly opt: Required<ClipPinnedOptions>;
  private above: Uint8Array;
  private pos = 0;
  private filled = 0;
  private count = 0;
  private quietUntil = -Infinity;

  /**
   * @param options fraction and window (defaults as in {@link ClipPinnedOptions}).
   * @throws {TypeError|RangeError} an option of the wrong type or out of range.
   */
  constructor(options?: ClipPinnedOptions) {
    this.opt = resolveClipPinned(options, 'new monitor.ClipPinnedDetector: options');
    this.above = new Uint8Array(this.opt.window);
  }

  /**
   * Checks one step.
   * @param input the step's total norm, the run's clip threshold and the history of total norms.
   * @returns at most one event.
   */
  check({ step, stats, run, totals }: DetectorInput): MonitorEvent[] {
    if (run.clip === null || !Number.isFinite(stats.totalNorm)) return [];
    const { window, fraction } = this.opt;
    const a = stats.totalNorm > run.clip ? 1 : 0;
    this.count += a - (this.filled === window ? this.above[this.pos] : 0);
    this.above[this.pos] = a;
    this.pos = (this.pos + 1) % window;
    if (this.filled < window) this.filled++;
    if (this.filled < window || this.count < fraction * window || step < this.quietUntil) return [];
    this.quietUntil = step + window;
    const med = finiteMedian(totals.last(window - 1));
    const what = `raw gradient norm above the clip threshold ${fmt(run.clip)} on ${this.count} of the last ${window} steps (median raw norm ${fmt(med)}, ${fmt(med / run.clip)}× the threshold)`;
    return [makeEvent('explode', 'clip-pinned', 'warning', step, null, med, run.clip, { what, run })];
  }
}
