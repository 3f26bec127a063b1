// GradientMonitor's detectors are units a user configures, replaces or adds to (options.detectors).
import { describe, expect, it } from 'vitest';
import { GradientMonitor, monitor } from '../../lib/index.js';
import { noisyLayers } from './helpers.js';

const NAMES = ['a', 'b'];

/** Flags the total norm above a fixed ceiling, once per episode: a detector a user might write. */
class CeilingDetector implements monitor.Detector {
  private over = false;
  readonly inputs: monitor.DetectorInput[] = [];
  /** history[0].length as each step saw it (the series are live views of the monitor's history). */
  readonly held: number[] = [];
  constructor(private readonly ceiling: number) {}
  check(input: monitor.DetectorInput): monitor.DetectorEvent[] {
    this.inputs.push(input);
    this.held.push(input.history[0].length);
    const v = input.stats.totalNorm;
    const over = v > this.ceiling;
    const fire = over && !this.over;
    this.over = over;
    if (!fire) return [];
    return [{ kind: 'explode', reason: 'spike', step: input.step, layer: null, value: v, reference: this.ceiling, message: `step ${input.step}: total norm ${v} over ${this.ceiling}`, diagnosis: 'Clip.' }];
  }
}

describe('GradientMonitor detectors as units', () => {
  it('runs a custom detector in place of the built-in ones: its events are logged, counted and sent to listeners', () => {
    const { store, fill } = noisyLayers(NAMES);
    const ceiling = new CeilingDetector(50);
    const heard: monitor.MonitorEvent[] = [];
    const mon = new GradientMonitor(store, { names: NAMES, detectors: [ceiling] }).on('explode', (e) => heard.push(e));
    for (let s = 1; s <= 30; s++) {
      NAMES.forEach((_, i) => fill(i, s >= 20 && s < 25 ? 100 : 1));
      mon.record(s, s === 10 ? NaN : 1); // a NaN loss: no built-in diverge detector runs
    }
    expect(mon.eventLog.map((e) => [e.kind, e.step])).toEqual([['explode', 20]]);
    expect(heard).toHaveLength(1);
    expect(mon.summary().eventCounts).toEqual({ explode: 1, vanish: 0, diverge: 0 });
    // It saw every step, the names and the history before each step.
    expect(ceiling.inputs).toHaveLength(30);
    const last = ceiling.inputs[29];
    expect(last.names).toEqual(NAMES);
    expect(ceiling.held.slice(0, 3)).toEqual([0, 1, 2]);
    expect(ceiling.held[29]).toBe(29);
    expect(last.loss).toBe(1);
  });

  it('combines configured built-in detectors with a custom one, in order', () => {
    const { store, fill } = noisyLayers(NAMES);
    const mon = new GradientMonitor(store, {
      names: NAMES,
      detectors: [new monitor.ExplodeDetector({ factor: 3, window: 5, minHistory: 5 }), new monitor.DivergeDetector({ warmup: 0, patience: 1 }), new CeilingDetector(1e9)],
    });
    for (let s = 1; s <= 40; s++) {
      NAMES.forEach((_, i) => fill(i, s === 30 && i === 1 ? 20 : 1));
      mon.record(s, s === 35 ? Infinity : 1);
    }
    expect(mon.eventLog.map((e) => [e.kind, e.reason, e.step])).toEqual([
      ['explode', 'spike', 30],
      ['diverge', 'nonfinite-loss', 35],
    ]);
  });

  it('the built-in detectors alone give the same events as the default monitor', () => {
    const a = noisyLayers(NAMES);
    const b = noisyLayers(NAMES);
    const plain = new GradientMonitor(a.store, { names: NAMES, vanish: { patience: 3 } });
    const units = new GradientMonitor(b.store, {
      names: NAMES,
      detectors: [new monitor.ExplodeDetector(), new monitor.VanishDetector({ patience: 3 }), new monitor.CollapseDetector(), new monitor.ClipPinnedDetector(), new monitor.SpectralDetector(), new monitor.DivergeDetector()],
    });
    for (let s = 1; s <= 120; s++) {
      for (const m of [a, b]) NAMES.forEach((_, i) => m.fill(i, s === 80 ? 1e4 : i === 1 && s > 100 ? 1e-12 : 1));
      plain.record(s, s === 90 ? NaN : 1);
      units.record(s, s === 90 ? NaN : 1);
    }
    expect(plain.eventLog.length).toBeGreaterThanOrEqual(3);
    expect(units.eventLog).toEqual(plain.eventLog);
  });

  it('validates detectors and refuses built-in options next to them', () => {
    const { store } = noisyLayers(NAMES);
    expect(() => new GradientMonitor(store, { names: NAMES, detectors: [{} as monitor.Detector] })).toThrow(/options\.detectors\[0\]: expected a detector/);
    expect(() => new GradientMonitor(store, { names: NAMES, detectors: [], explode: { factor: 3 } })).toThrow(RangeError);
    expect(() => new monitor.ExplodeDetector({ factor: -1 })).toThrow(/options\.factor/);
    expect(() => new monitor.VanishDetector({ patience: 0 })).toThrow(RangeError);
    expect(() => new monitor.DivergeDetector({ smoothing: 1 })).toThrow(/options\.smoothing/);
    const bad: monitor.Detector = { check: () => [{ kind: 'oops' } as unknown as monitor.MonitorEvent] };
    const mon = new GradientMonitor(store, { names: NAMES, detectors: [bad] });
    expect(() => mon.record(1)).toThrow(/options\.detectors\[0\]\.check/);
  });
});
