/**
 * The recurrent spectral radius at the start of a run: recurrent weights (names like weight_hh) whose
 * spectral radius is above 1 make gradients through time grow geometrically with sequence length.
 * Checked once, on the first recorded step (a few dozen power iterations per matrix), when the
 * monitor has the weights (an nn model, or `{ name, grad, data, shape? }` parameters).
 */
import { isRecurrentWeight, recurrentRadius } from '../causes.js';
import { makeEvent, type MonitorEvent } from '../events.js';
import { resolveSpectral, type SpectralOptions } from '../options.js';
import type { Detector, DetectorInput } from './detector.js';

/**
 * On the first step it sees, one event per recurrent matrix whose spectral radius exceeds
 * `maxRadius`: a 'warning' in an unclipped run (it will explode on long sequences), 'info' in a
 * clipped one (clipping keeps the updates bounded; the demo's part 1(b) trains fine that way).
 */
export class SpectralDetector implements Detector {
  private readonly opt: Required<SpectralOptions>;
  private done = false;

  /**
   * @param options maxRadius (default 1.1).
   * @throws {TypeError|RangeError} an option of the wrong type or out of range.
   */
  constructor(options?: SpectralOptions) {
    this.opt = resolveSpectral(options, 'new monitor.SpectralDetector: options');
  }

  /**
   * Checks the first step only.
   * @param input the parameters' weights and the run's clip threshold.
   * @returns one event per recurrent matrix over the limit.
   */
  check({ step, run, params }: DetectorInput): MonitorEvent[] {
    if (this.done) return [];
    this.done = true;
    const out: MonitorEvent[] = [];
    for (const p of params) {
      if (!isRecurrentWeight(p.name)) continue;
      const rho = recurrentRadius(p);
      if (rho === null || !(rho > this.opt.maxRadius)) continue;
      out.push(makeEvent('explode', 'spectral-radius', run.clip === null ? 'warning' : 'info', step, p.name, rho, this.opt.maxRadius, { run }));
    }
    return out;
  }
}
