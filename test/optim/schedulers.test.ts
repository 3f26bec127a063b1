import { describe, expect, it } from 'vitest';
import { CosineAnnealingLR, createParamStore, l1Penalty, l2Penalty, LinearWarmup, ReduceLROnPlateau, SGD, StepLR } from '../../lib/index.js';

const opt = (lr: number) => new SGD([{ data: new Float32Array(1), grad: new Float32Array(1) }], { lr });
const run = (s: { step(): number }, n: number) => Array.from({ length: n }, () => s.step());

describe('LR schedulers follow PyTorch 1.13', () => {
  it('StepLR decays by gamma every stepSize epochs', () => {
    const o = opt(0.1);
    const s = new StepLR(o, { stepSize: 2, gamma: 0.5 });
    expect(o.lr).toBe(0.1);
    const got = run(s, 5);
    [0.1, 0.05, 0.05, 0.025, 0.025].forEach((e, i) => expect(got[i]).toBeCloseTo(e, 12));
    expect(s.getLastLr()).toBe(o.lr);
  });

  it('CosineAnnealingLR follows the half cosine from baseLr to etaMin', () => {
    const o = opt(1);
    const got = run(new CosineAnnealingLR(o, { tMax: 4, etaMin: 0.1 }), 4);
    const e = [1, 2, 3, 4].map((t) => 0.1 + 0.9 * (1 + Math.cos((Math.PI * t) / 4)) / 2);
    got.forEach((g, i) => expect(g).toBeCloseTo(e[i], 12));
    expect(got[3]).toBeCloseTo(0.1, 12);
  });

  it('LinearWarmup ramps from startFactor to endFactor over totalIters, then holds', () => {
    const o = opt(0.3);
    const s = new LinearWarmup(o, { startFactor: 0.1, totalIters: 4 });
    expect(o.lr).toBeCloseTo(0.03, 12);
    const got = run(s, 6);
    [0.0975, 0.165, 0.2325, 0.3, 0.3, 0.3].forEach((e, i) => expect(got[i]).toBeCloseTo(e, 12));
  });

  it('ReduceLROnPlateau reduces after more than `patience` bad epochs, honouring cooldown and minLr', () => {
    const o = opt(1);
    const s = new ReduceLROnPlateau(o, { patience: 2, factor: 0.5, cooldown: 1, minLr: 0.4 });
    const got = [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5].map((m) => s.step(m));
    expect(got).toEqual([1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.4, 0.4, 0.4, 0.4, 0.4]);
    const max = new ReduceLROnPlateau(opt(1), { mode: 'max', patience: 0, thresholdMode: 'abs', threshold: 0.1 });
    expect([1, 1.05, 2].map((m) => max.step(m))).toEqual([1, 0.1, 0.1]);
  });

  it('rejects bad options with errors naming them', () => {
    expect(() => new StepLR(opt(1), { stepSize: 0 })).toThrow(/options\.stepSize/);
    expect(() => new CosineAnnealingLR(opt(1), { tMax: 1.5 })).toThrow(RangeError);
    expect(() => new LinearWarmup(opt(1), { startFactor: 0 })).toThrow(/options\.startFactor/);
    expect(() => new ReduceLROnPlateau(opt(1), { factor: 1 })).toThrow(/options\.factor/);
    expect(() => new ReduceLROnPlateau(opt(1), { mode: 'up' as never })).toThrow(/options\.mode/);
    expect(() => new ReduceLROnPlateau(opt(1)).step('x' as never)).toThrow(TypeError);
  });
});

describe('L1 and L2 penalties', () => {
  it('add their gradient in place and return the float64 value', () => {
    const p = [{ data: new Float32Array([1, -2, 0]), grad: new Float32Array([1, 1, 1]) }];
    expect(l1Penalty(p, 0.1)).toBeCloseTo(0.3, 12);
    expect(Array.from(p[0].grad)).toEqual([1 + Math.fround(0.1), 1 - Math.fround(0.1), 1].map(Math.fround));
    const q = [{ data: new Float32Array([1, -2, 0]), grad: new Float32Array(3) }];
    expect(l2Penalty(q, 0.1)).toBeCloseTo(0.25, 12);
    expect(Array.from(q[0].grad)).toEqual([0.1, -0.2, 0].map(Math.fround));
  });

  it('work on a ParamStore and reject bad input without changing anything', () => {
    const store = createParamStore([[2], [1]]);
    store.params.views[0].set([3, -4]);
    store.params.views[1].set([1]);
    expect(l2Penalty(store, 2)).toBeCloseTo(26, 12);
    expect(Array.from(store.grads.base.subarray(0, 2))).toEqual([6, -8]);
    const p = [{ data: new Float32Array([1]), grad: new Float32Array([5]) }, { data: new Float32Array(2), grad: new Float32Array(1) }];
    expect(() => l1Penalty(p, 0.1)).toThrow(/params\[1\]\.grad/);
    expect(p[0].grad[0]).toBe(5);
    expect(() => l2Penalty(p.slice(0, 1), -1)).toThrow(/lambda/);
  });
});
