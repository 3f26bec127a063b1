import { describe, expect, it } from 'vitest';
import { createParamStore, GradientMonitor, monitor, nn, ops, Rng, SGD, Trainer, uniform } from '../../lib/index.js';
import { targets, useTarget } from '../helpers/targets.js';
import { noisyLayers } from './helpers.js';

const NAMES = ['l1.weight', 'l1.bias', 'l2.weight'];
const BASES = [1, 0.3, 2];

describe.each(targets)('GradientMonitor detectors on $name', (t) => {
  useTarget(t);

  it('stays quiet on 2,000 steps of steady noisy gradients and a falling noisy loss', () => {
    const { store, fill } = noisyLayers(NAMES);
    const mon = new GradientMonitor(store, { names: NAMES });
    const rng = new Rng(3);
    for (let s = 1; s <= 2000; s++) {
      NAMES.forEach((_, i) => fill(i, BASES[i]));
      mon.record(s, (1 / Math.sqrt(s)) * (0.5 + rng.nextDouble()));
    }
    expect(mon.eventLog).toEqual([]);
    expect(mon.summary().recorded).toBe(2000);
  });

  it('flags a planted 1000× spike once, at its step, naming the layer and the figures', () => {
    const { store, fill } = noisyLayers(NAMES);
    const seen: monitor.MonitorEvent[] = [];
    const mon = new GradientMonitor(store, { names: NAMES }).on('explode', (e) => seen.push(e));
    for (let s = 1; s <= 200; s++) {
      NAMES.forEach((_, i) => fill(i, BASES[i] * (s === 120 && i === 2 ? 1000 : 1)));
      const rec = mon.record(s, 0.5);
      expect(rec.events.length).toBe(s === 120 ? 1 : 0);
    }
    expect(seen).toHaveLength(1);
    const e = seen[0];
    expect(e).toMatchObject({ kind: 'explode', reason: 'spike', step: 120, layer: 'l2.weight' });
    expect(e.value / e.reference).toBeGreaterThan(100);
    expect(e.reference).toBeGreaterThan(1);
    expect(e.reference).toBeLessThan(4);
    expect(e.message).toMatch(/step 120: explode: gradient norm in l2\.weight .* its recent median/);
    expect(e.diagnosis).toMatch(/[Cc]lip/);
    expect(e.diagnosis).toMatch(/learning rate/);
    expect(e.diagnosis).toMatch(/initiali[sz]ation/);
  });

  it('respects the configured factor and window', () => {
    const { store, fill } = noisyLayers(['a']);
    const strict = new GradientMonitor(store, { names: ['a'], explode: { factor: 1e6, window: 5 } });
    const loose = new GradientMonitor(store, { names: ['a'], explode: { factor: 3, window: 5, minHistory: 5 } });
    for (let s = 1; s <= 50; s++) {
      fill(0, s === 40 ? 20 : 1);
      strict.record(s);
      loose.record(s);
    }
    expect(strict.eventLog).toEqual([]);
    expect(loose.eventLog.map((e) => e.step)).toEqual([40]);
  });

  it('flags a non-finite gradient at once, names the first layer holding it, once per episode', () => {
    const { store, fill } = noisyLayers(NAMES);
    const mon = new GradientMonitor(store, { names: NAMES });
    for (let s = 1; s <= 30; s++) {
      NAMES.forEach((_, i) => fill(i, BASES[i]));
      if (s === 3 || s === 4 || s === 20) store.grads.views[1][5] = s === 20 ? Infinity : NaN;
      mon.record(s, 0.5);
    }
    const ev = mon.eventLog.filter((e) => e.reason === 'nonfinite');
    expect(ev.map((e) => [e.step, e.layer])).toEqual([[3, 'l1.bias'], [20, 'l1.bias']]);
    expect(ev[0].value).toBeNaN();
    expect(ev[1].value).toBe(Infinity);
    expect(ev[0].message).toContain('non-finite gradient in l1.bias');
    expect(mon.summary().nonFiniteSteps).toBe(3);
  });

  it('flags a planted vanishing layer (orders of magnitude below the others) after `patience` steps', () => {
    const { store, fill } = noisyLayers(NAMES);
    const mon = new GradientMonitor(store, { names: NAMES, vanish: { patience: 30 } });
    for (let s = 1; s <= 100; s++) {
      NAMES.forEach((_, i) => fill(i, i === 1 && s > 20 ? 1e-6 : BASES[i]));
      mon.record(s, 0.5);
    }
    // The sudden 3e5× drop at step 21 is a collapse (3 steps), the lasting gap a vanishing layer (30 steps).
    expect(mon.eventLog.map((e) => [e.reason, e.step, e.layer, e.level])).toEqual([['collapse', 23, 'l1.bias', 'warning'], ['ratio', 50, 'l1.bias', 'warning']]);
    expect(mon.eventLog[1]).toMatchObject({ kind: 'vanish', reason: 'ratio', step: 50, layer: 'l1.bias' });
    expect(mon.eventLog[1].diagnosis).toMatch(/residual|LSTM|normali[sz]ation/);
  });

  it('compares a layer with the median of the *other* layers (itself excluded)', () => {
    // Norms [7e-4, 1, 10, 100]: the others' median is 10, so 7e-4 < 1e-4 × 10 is flagged (with itself
    // included the median would be 5.5 and it would not be).
    const grads = [7e-4, 1, 10, 100].map((v) => new Float32Array([v]));
    const mon = new GradientMonitor(grads.map((grad, i) => ({ name: `p${i}`, grad })), { vanish: { patience: 3 } });
    for (let s = 1; s <= 5; s++) mon.record(s);
    expect(mon.eventLog).toHaveLength(1);
    expect(mon.eventLog[0]).toMatchObject({ reason: 'ratio', layer: 'p0', step: 3 });
    expect(mon.eventLog[0].reference).toBe(10);
    // Ties: norms [1e-5, 1, 1, 1, 100]; the others of p0 are [1, 1, 1, 100] (median 1); of each 1, [1e-5, 1, 1, 100].
    const tied = [1e-5, 1, 1, 1, 100].map((v) => new Float32Array([v]));
    const mon2 = new GradientMonitor(tied.map((grad, i) => ({ name: `q${i}`, grad })), { vanish: { patience: 1 } });
    mon2.record(1);
    expect(mon2.eventLog.map((e) => [e.layer, e.reference])).toEqual([['q0', 1]]);
  });

  it('flags a layer whose gradient stays below the floor (e.g. zero: not connected to the loss)', () => {
    const { store, fill } = noisyLayers(['a']);
    const mon = new GradientMonitor(store, { names: ['a'], vanish: { patience: 10, floor: 1e-6 } });
    for (let s = 1; s <= 40; s++) {
      fill(0, s <= 5 ? 1 : 0);
      mon.record(s);
    }
    // (Five steps of history are too few for the collapse detector's minHistory of 10: only the floor fires.)
    expect(mon.eventLog.map((e) => [e.kind, e.reason, e.step])).toEqual([['vanish', 'floor', 15]]);
  });

  it('does not flag a layer that dips for fewer than `patience` steps', () => {
    const { store, fill } = noisyLayers(NAMES);
    const mon = new GradientMonitor(store, { names: NAMES, vanish: { patience: 30 } });
    for (let s = 1; s <= 200; s++) {
      NAMES.forEach((_, i) => fill(i, i === 0 && s % 40 < 25 && s > 40 ? 1e-7 : BASES[i]));
      mon.record(s);
    }
    // (The recovery after each dip is a spike relative to the dip's median: explode events are expected;
    // and each 1e7× dip is a collapse, flagged after 3 steps: this test is about the floor/ratio patience.)
    expect(mon.eventLog.filter((e) => e.reason === 'floor' || e.reason === 'ratio')).toEqual([]);
    expect(mon.eventLog.filter((e) => e.reason === 'collapse').map((e) => e.step)).toEqual([43, 82, 122, 162]);
  });

  it('flags divergence: a non-finite loss at once, and a smoothed loss far above its minimum for k steps', () => {
    const { store, fill } = noisyLayers(['a']);
    const mon = new GradientMonitor(store, { names: ['a'], diverge: { factor: 4, patience: 10, smoothing: 0.5, warmup: 5 } });
    const losses = [...Array.from({ length: 50 }, (_, i) => 1 / (1 + i)), ...Array.from({ length: 40 }, () => 1), NaN, 0.5];
    losses.forEach((l, i) => {
      fill(0, 1);
      mon.record(i + 1, l);
    });
    const ev = mon.eventLog.map((e) => [e.kind, e.reason, e.step]);
    expect(ev).toHaveLength(2);
    expect(ev[0][0]).toBe('diverge');
    expect(ev[0][1]).toBe('loss-rise');
    // The loss jumps to 1 at step 51; the smoothed loss passes 4 × 0.02 within two steps, then 10 more.
    expect(ev[0][2]).toBeGreaterThanOrEqual(60);
    expect(ev[0][2]).toBeLessThanOrEqual(62);
    expect(ev[1]).toEqual(['diverge', 'nonfinite-loss', 91]);
  });

  it('stays quiet while training a real model (linear regression, SGD) on noisy mini-batches', () => {
    const [B, I, O] = [16, 8, 2];
    const store = createParamStore([[O, I], [O]]);
    const [w, b] = store.params.views;
    const [gw, gb] = store.grads.views;
    const rng = new Rng(1);
    uniform(w, [O, I], { a: -0.3, b: 0.3, rng });
    const truth = Float32Array.from({ length: O * I }, () => rng.nextDouble() * 2 - 1);
    const x = new Float32Array(B * I);
    const y = new Float32Array(B * O);
    const target = new Float32Array(B * O);
    const gy = new Float32Array(B * O);
    const opt = new SGD(store, { lr: 0.05, momentum: 0.9 });
    const mon = new GradientMonitor(store, { names: ['fc.weight', 'fc.bias'] });
    let first = 0;
    let last = 0;
    for (let s = 1; s <= 1000; s++) {
      for (let k = 0; k < x.length; k++) x[k] = rng.nextDouble() * 2 - 1;
      ops.linearForward(x, truth, null, target, { batch: B, inFeatures: I, outFeatures: O });
      for (let k = 0; k < target.length; k++) target[k] += 0.05 * (rng.nextDouble() - 0.5);
      ops.linearForward(x, w, b, y, { batch: B, inFeatures: I, outFeatures: O });
      const loss = ops.mseLoss(y, target, gy);
      ops.linearBackward(x, w, gy, { gradWeight: gw, gradBias: gb }, { batch: B, inFeatures: I, outFeatures: O });
      mon.record(s, loss);
      opt.step();
      if (s === 1) first = loss;
      last = loss;
    }
    expect(last).toBeLessThan(first / 100);
    expect(mon.eventLog).toEqual([]);
  });
});

describe('GradientMonitor history and API', () => {
  it('keeps a bounded history: the last historySize steps, with whole-run summary figures', () => {
    const { store, fill } = noisyLayers(['a', 'b']);
    const mon = new GradientMonitor(store, { names: ['a', 'b'], historySize: 100 });
    for (let s = 1; s <= 250; s++) {
      fill(0, s === 10 ? 1e4 : 1);
      fill(1, 1);
      mon.record(s * 2, 1 / s);
    }
    const h = mon.toJSON();
    expect(h.steps).toHaveLength(100);
    expect(h.steps[0]).toBe(302);
    expect(h.steps[99]).toBe(500);
    expect(h.loss).toHaveLength(100);
    expect(h.norms.a).toHaveLength(100);
    expect(h.norms.b).toHaveLength(100);
    expect(h.summary.recorded).toBe(250);
    expect(h.summary.maxTotalNorm).toBeGreaterThan(1e3); // step 20 was dropped from the series, not from the summary
    expect(h.summary.minLoss).toBeCloseTo(1 / 250, 9);
    expect(h.summary.lastLoss).toBeCloseTo(1 / 250, 9);
  });

  it('serialises to JSON (non-finite values as null) that reads back as a history', () => {
    const { store, fill } = noisyLayers(['a']);
    const mon = new GradientMonitor(store, { names: ['a'] });
    fill(0, 1);
    mon.record(1, 0.5);
    store.grads.views[0][0] = NaN;
    mon.record(2, Infinity);
    const back = JSON.parse(JSON.stringify(mon));
    expect(monitor.isMonitorHistory(back)).toBe(true);
    expect(back.format).toBe(monitor.HISTORY_FORMAT);
    expect(back.loss).toEqual([0.5, null]);
    expect(back.totalNorm[1]).toBeNull();
    expect(back.norms.a[0]).toBeCloseTo(mon.toJSON().norms.a[0] as number, 12);
    expect(back.events.map((e: monitor.MonitorEvent) => e.reason)).toEqual(['nonfinite', 'nonfinite-loss']);
    expect(back.summary.nonFiniteSteps).toBe(1);
  });

  it('takes a named parameter list ({ name, data, grad }) and returns the total norm for clipping', () => {
    const g1 = new Float32Array([3, 0]);
    const g2 = new Float32Array([4]);
    const mon = new GradientMonitor([
      { name: 'w', data: new Float32Array(2), grad: g1 },
      { name: 'b', grad: g2 },
    ]);
    const rec = mon.record(0, 1);
    expect(mon.names).toEqual(['w', 'b']);
    expect(rec.totalNorm).toBeCloseTo(5, 12);
    expect(Array.from(rec.stats.perTensorNorms)).toEqual([3, 4]);
    expect(mon.toJSON().norms).toEqual({ w: [3], b: [4] });
  });

  it('takes an nn model: packs it, names parameters by their dotted path, and reads the gradients a Trainer steps with', () => {
    const model = new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh(), new nn.Linear(4, 1));
    const mon = new GradientMonitor(model);
    expect(mon.names).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    const trainer = new Trainer({ model, loss: new nn.MSELoss(), optimizer: (p) => new SGD(p, { lr: 0.01 }), silent: true });
    const x = { data: Float32Array.from({ length: 24 }, (_, i) => Math.sin(i)), shape: [8, 3] };
    const y = { data: Float32Array.from({ length: 8 }, (_, i) => i / 8), shape: [8, 1] };
    const info = trainer.step({ input: x, target: y });
    const rec = mon.record(info.step, info.loss);
    expect(rec.totalNorm).toBeGreaterThan(0);
    expect(rec.totalNorm).toBeCloseTo(info.gradNorm, 5);
  });

  it('re-reads each { name, grad } every step, so packing a model after making the monitor keeps it on the live gradients', () => {
    const lin = new nn.Linear(2, 1);
    const mon = new GradientMonitor(lin.parameters()); // Parameters are { name, data, grad }
    expect(mon.record(1, 1).totalNorm).toBe(0);
    const store = lin.paramStore(); // re-points weight.grad and bias.grad into the store
    store.grads.views[0].set([3, 0]);
    store.grads.views[1].set([4]);
    expect(mon.record(2, 1).totalNorm).toBeCloseTo(5, 12);
    expect(() => new GradientMonitor(new nn.Sequential(new nn.Linear(2, 2), new nn.Linear(2, 1)).parameters())).toThrow(/unique parameter names \(for an nn model pass the model itself/);
  });

  it('treats a falling negative loss as healthy and a rise above a negative minimum as divergence', () => {
    const { store, fill } = noisyLayers(['a']);
    const opts = { names: ['a'], diverge: { factor: 4, patience: 10, smoothing: 0.5, warmup: 5 } };
    const falling = new GradientMonitor(store, opts);
    for (let s = 1; s <= 200; s++) {
      fill(0, 1);
      falling.record(s, -1 - 0.01 * s);
    }
    expect(falling.eventLog).toEqual([]);
    const rising = new GradientMonitor(store, opts);
    for (let s = 1; s <= 100; s++) {
      fill(0, 1);
      rising.record(s, s <= 50 ? -2 : 10); // from -2 to 10: a rise of 12 > (4 - 1) × |-2|
    }
    const ev = rising.eventLog.filter((e) => e.reason === 'loss-rise');
    expect(ev).toHaveLength(1);
    expect(ev[0].message).toMatch(/above its running minimum -2/);
  });

  it('calls onEvent, on() listeners of the event kind, and not removed ones', () => {
    const { store, fill } = noisyLayers(['a']);
    const all: string[] = [];
    const explode: number[] = [];
    const removed: number[] = [];
    const gone = (e: monitor.MonitorEvent) => removed.push(e.step);
    const mon = new GradientMonitor(store, { names: ['a'], onEvent: (e) => all.push(e.kind) });
    mon.on('explode', (e) => explode.push(e.step)).on('explode', gone).off('explode', gone);
    mon.on('vanish', () => all.push('never'));
    fill(0, 1);
    store.grads.views[0][0] = NaN;
    mon.record(1, NaN);
    expect(all).toEqual(['explode', 'diverge']);
    expect(explode).toEqual([1]);
    expect(removed).toEqual([]);
  });

  it('caps the event log at maxEvents, counting every event in the summary', () => {
    const { store, fill } = noisyLayers(['a']);
    const mon = new GradientMonitor(store, { names: ['a'], maxEvents: 2 });
    for (let s = 1; s <= 10; s++) {
      fill(0, 1);
      if (s % 2) store.grads.views[0][0] = NaN;
      mon.record(s);
    }
    expect(mon.eventLog.map((e) => e.step)).toEqual([7, 9]);
    expect(mon.summary().eventCounts).toEqual({ explode: 5, vanish: 0, diverge: 0 });
  });

  it('rejects bad arguments with errors naming them', () => {
    const store = createParamStore([[2], [2]]);
    expect(() => new GradientMonitor(42 as never)).toThrow(TypeError);
    expect(() => new GradientMonitor([{ name: 'a' }] as never)).toThrow(/params\[0\]/);
    expect(() => new GradientMonitor([{ name: 'a', grad: new Float32Array(1) }, { name: 'a', grad: new Float32Array(1) }])).toThrow(RangeError);
    expect(() => new GradientMonitor(store, { names: ['one'] })).toThrow(/options\.names/);
    expect(() => new GradientMonitor(store, { historySize: 0 })).toThrow(/options\.historySize/);
    expect(() => new GradientMonitor(store, { explode: { factor: -1 } })).toThrow(/options\.explode\.factor/);
    expect(() => new GradientMonitor(store, { diverge: { smoothing: 1 } })).toThrow(/options\.diverge\.smoothing/);
    expect(() => new GradientMonitor(store, { vanish: 3 as never })).toThrow(/options\.vanish/);
    expect(() => new GradientMonitor(store, { onEvent: 'x' as never })).toThrow(/options\.onEvent/);
    const mon = new GradientMonitor(store);
    expect(mon.names).toEqual(['param0', 'param1']);
    mon.record(5, 1);
    expect(() => mon.record(5, 1)).toThrow(/step/);
    expect(() => mon.record('6' as never, 1)).toThrow(TypeError);
    expect(() => mon.record(6, '1' as never)).toThrow(/loss/);
    expect(() => mon.on('boom' as never, () => {})).toThrow(/kind/);
    expect(mon.summary().recorded).toBe(1);
  });
});
