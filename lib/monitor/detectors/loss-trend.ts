/** Whether the loss is falling: the phase change of a healthy run, where gradient norms jump while the model finds the solution. */
import type { NormSeries } from './detector.js';
import { finiteMedian } from '../ring-buffer.js';

const scratch = new Float64Array(60);

/**
 * True when the median of the last 10 losses (this step's included) is below 0.8 × the median of the
 * 50 before them, and this step's loss is not above that earlier median: the loss is falling, so a gradient spike now is the model finding the solution, not
 * an explosion. False without enough history or without losses.
 */
export function lossFalling(losses: NormSeries, loss: number | undefined): boolean {
  if (loss === undefined || !Number.isFinite(loss) || losses.length < 30) return false;
  const all = losses.last(59, scratch);
  const n = all.length;
  const recent = new Float64Array(10);
  recent.set(all.subarray(n - 9));
  recent[9] = loss;
  const before = all.slice(0, n - 9);
  const r = finiteMedian(recent);
  const b = finiteMedian(before);
  // …and this step's loss is not itself jumping above the earlier level (a bad update's first sign).
  return Number.isFinite(r) && Number.isFinite(b) && r < 0.8 * b && loss <= b;
}
