// The start-of-run vanishing check (VanishDetector's startSteps/startRatio): a deep plain network
// whose gradients vanish from step 1 is flagged within a few steps, not after `patience`; and the
// early-growth rule of the explode detector (a layer catching up with the rest is info). Planted
// norms; the real networks (demo part 3's plain and cured CNNs) are in eval.test.ts.
import { describe, expect, it } from 'vitest';
import { GradientMonitor, monitor, normal, Rng } from '../../lib/index.js';
import { noisyLayers } from './helpers.js';

const NAMES = ['c0.weight', 'c0.bias', 'c1.weight', 'c1.bias', 'c2.weight', 'head.weight', 'head.bias'];

/** Norms per step: `bases(step)[i]` for parameter i, with the helpers' jitter (0 stays exactly 0). */
function run(bases: (step: number) => number[], steps = 20, options: monitor.MonitorOptions = {}) {
  const { store, fill } = noisyLayers(NAMES);
  const mon = new GradientMonitor(store, { names: NAMES, ...options });
  for (let s = 1; s <= steps; s++) {
    bases(s).forEach((b, i) => fill(i, b));
    mon.record(s, 2.3);
  }
  return mon;
}

// The first three parameters ≈ 1e-9 × the head: vanishing with depth from step 1.
const deepPlain = () => [1e-10, 1e-10, 1e-9, 1e-7, 1e-3, 0.01, 0.1];

describe('start-of-run vanishing check', () => {
  it('flags gradients vanishing with depth at step 3, once, naming the parameter nearest the input and counting the rest', () => {
    const mon = run(deepPlain);
    expect(mon.eventLog.map((e) => [e.kind, e.reason, e.level, e.step, e.layer])).toEqual([['vanish', 'depth', 'warning', 3, 'c0.weight']]);
    const [e] = mon.eventLog;
    // c1.bias at 1e-7 is 1e-6 × … only with jitter: the count is the parameters below 1e-6 × the layers after them on all 3 steps.
    expect(e.message).toMatch(/gradient norm in c0\.weight .* below the largest of the layers after it, .* in head\.bias; more than 1\.00e\+6× below .* first 3 steps; so are \d more parameters, up to c\d\.\w+ \(\d of 7\)/);
    expect(e.reference).toBeGreaterThan(0.05);
    expect(e.value / e.reference).toBeLessThan(1e-6);
    expect(e.diagnosis).toMatch(/Gradients vanish with depth from the first step/);
    expect(e.diagnosis).toMatch(/Kaiming/);
  });

  it('startSteps sets when (1: at step 1), 0 turns it off (the patience-based check still fires, much later)', () => {
    expect(run(deepPlain, 5, { vanish: { startSteps: 1 } }).eventLog.map((e) => [e.reason, e.step])).toEqual([['depth', 1]]);
    const off = run(deepPlain, 120, { vanish: { startSteps: 0 } });
    expect(off.eventLog.some((e) => e.reason === 'depth')).toBe(false);
    expect(off.eventLog[0]).toMatchObject({ reason: 'floor', step: 100 });
  });

  it('a higher startRatio catches a milder pattern, the default does not', () => {
    const mild = () => [1e-4, 1e-4, 1e-3, 1e-3, 0.01, 0.1, 0.1];
    expect(run(mild).eventLog).toEqual([]);
    expect(run(mild, 20, { vanish: { startRatio: 1e-2 } }).eventLog.map((e) => [e.reason, e.layer])).toEqual([['depth', 'c0.weight']]);
  });

  it('stays quiet when the small gradient is near the output, when a branch is exactly 0 at step 1 only, and when everything is 0', () => {
    // Near the output: nothing after it is larger, so depth does not explain it.
    expect(run(() => [1, 1, 1, 1, 1, 1, 1e-9]).eventLog.filter((e) => e.reason === 'depth')).toEqual([]);
    // A residual branch whose last BatchNorm starts at γ = 0: gradient exactly 0 at step 1, then 1e-4 × the head.
    expect(run((s) => [0.01, 0.01, s === 1 ? 0 : 1e-5, s === 1 ? 0 : 1e-5, 0.01, 0.1, 0.1]).eventLog).toEqual([]);
    expect(run(() => [0, 0, 0, 0, 0, 0, 0], 3).eventLog.filter((e) => e.reason === 'depth')).toEqual([]);
  });

  it('a condition that breaks on one of the first steps is not flagged', () => {
    expect(run((s) => (s === 2 ? [1, 1, 1, 1, 1, 1, 1] : deepPlain())).eventLog.filter((e) => e.reason === 'depth')).toEqual([]);
  });

  it('names the initialisation scale behind it when the monitor has the weights', () => {
    // Three 8×8 weights at N(0, 0.05²): RMS × √fan-in ≈ 0.14, far below Kaiming's 1.41.
    const rng = new Rng(1);
    const w = () => {
      const data = new Float32Array(64);
      normal(data, [8, 8], { std: 0.05, rng });
      return data;
    };
    const ws = [w(), w(), w()];
    const grads = [new Float32Array(64), new Float32Array(64), new Float32Array(8)];
    const mon = new GradientMonitor([
      { name: 'a.weight', grad: grads[0], data: ws[0], shape: [8, 8] },
      { name: 'b.weight', grad: grads[1], data: ws[1], shape: [8, 8] },
      { name: 'c.weight', grad: grads[2], data: ws[2].subarray(0, 8), shape: [1, 8] },
    ]);
    for (let s = 1; s <= 3; s++) {
      grads[0].fill(1e-12);
      grads[1].fill(1e-11);
      grads[2].fill(0.1);
      mon.record(s, 1);
    }
    const [e] = mon.eventLog;
    expect([e.reason, e.layer]).toEqual(['depth', 'a.weight']);
    expect(e.diagnosis).toMatch(/initialisation scale with depth: the 2 vanished weight tensors have RMS ≈ 0\.\d+\/√fan-in/);
  });

  it('refuses bad options: startSteps a negative or fractional number, startRatio 0 or not a number', () => {
    expect(() => new GradientMonitor([{ name: 'a', grad: new Float32Array(1) }], { vanish: { startSteps: -1 } })).toThrow(RangeError);
    expect(() => new GradientMonitor([{ name: 'a', grad: new Float32Array(1) }], { vanish: { startSteps: 1.5 } })).toThrow(/startSteps/);
    expect(() => new GradientMonitor([{ name: 'a', grad: new Float32Array(1) }], { vanish: { startRatio: 0 } })).toThrow(RangeError);
    expect(() => new GradientMonitor([{ name: 'a', grad: new Float32Array(1) }], { vanish: { startRatio: '1e-6' as never } })).toThrow(TypeError);
    expect(() => new monitor.VanishDetector({ startRatio: -1 })).toThrow(/startRatio/);
  });
});

describe('early growth of a layer catching up', () => {
  it('growth that leaves the layer below the other layers is info; the same growth past them is a warning', () => {
    const NAMES3 = ['a.weight', 'b.weight', 'c.weight'];
    const grow = (target: number) => {
      const { store, fill } = noisyLayers(NAMES3);
      // As in levels.test.ts: ×4 with growthFactor 3, above it in median, below the spike factor on every step.
      const mon = new GradientMonitor(store, { names: NAMES3, explode: { growthFactor: 3 } });
      for (let s = 1; s <= 200; s++) {
        // a.weight ×4 from step 100: to 0.04 (others at 1: catching up) or to 4 (past them).
        fill(0, s >= 100 ? target : target / 4);
        fill(1, 1);
        fill(2, 1);
        mon.record(s, 0.5);
      }
      return mon.eventLog.map((e) => [e.reason, e.level, e.layer]);
    };
    expect(grow(0.04)).toEqual([['growth', 'info', 'a.weight']]);
    expect(grow(4)).toEqual([['growth', 'warning', 'a.weight']]);
  });
});
