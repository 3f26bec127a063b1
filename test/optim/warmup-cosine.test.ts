// WarmupCosineLR: nanoGPT's linear warm-up then cosine decay, checked against the closed form
// written out here, at the boundaries, with the Trainer stepping it, and through state()/loadState().
import { describe, expect, it } from 'vitest';
import { nn, SGD, Trainer, WarmupCosineLR } from '../../lib/index.js';

const opt = (lr: number) => new SGD([{ data: new Float32Array(1), grad: new Float32Array(1) }], { lr });

describe('WarmupCosineLR', () => {
  it('ramps linearly to the peak over warmupSteps, then follows the half cosine to etaMin and holds', () => {
    const o = opt(1);
    const s = new WarmupCosineLR(o, { warmupSteps: 4, totalSteps: 12, etaMin: 0.1 });
    expect(o.lr).toBeCloseTo(1 / 5, 12); // the first update already moves
    const got = Array.from({ length: 14 }, () => s.step());
    const want = [2 / 5, 3 / 5, 4 / 5, 1, ...[1, 2, 3, 4, 5, 6, 7, 8].map((t) => 0.1 + 0.9 * (1 + Math.cos((Math.PI * t) / 8)) / 2), 0.1, 0.1];
    got.forEach((g, i) => expect(g, `step ${i + 1}`).toBeCloseTo(want[i], 12));
    expect(s.getLastLr()).toBe(o.lr);
    // Monotone: up during warm-up, down after it.
    for (let i = 1; i < 4; i++) expect(got[i]).toBeGreaterThan(got[i - 1]);
    for (let i = 4; i < 12; i++) expect(got[i]).toBeLessThan(got[i - 1]);
  });

  it('without warm-up starts at the peak; totalSteps == warmupSteps drops to etaMin after the warm-up', () => {
    const o = opt(0.5);
    const s = new WarmupCosineLR(o, { warmupSteps: 0, totalSteps: 2 });
    expect(o.lr).toBe(0.5);
    expect([s.step(), s.step(), s.step()].map((v) => Number(v.toFixed(12)))).toEqual([0.25, 0, 0]);
    const t = new WarmupCosineLR(opt(1), { warmupSteps: 2, totalSteps: 2, etaMin: 0.3 });
    expect([t.step(), t.step()]).toEqual([2 / 3, 0.3]);
  });

  it('resumes from state(): the step count and the rate for it', () => {
    const a = new WarmupCosineLR(opt(1), { warmupSteps: 3, totalSteps: 10 });
    for (let i = 0; i < 6; i++) a.step();
    const o = opt(1);
    const b = new WarmupCosineLR(o, { warmupSteps: 3, totalSteps: 10 });
    b.loadState(JSON.parse(JSON.stringify(a.state())));
    expect(b.lastEpoch).toBe(6);
    expect(o.lr).toBe(a.getLastLr());
    expect(b.step()).toBe(a.step());
    expect(() => b.loadState({ lastEpoch: -1 })).toThrow(RangeError);
  });

  it('the Trainer steps it once per step (its default schedulerInterval)', async () => {
    const lrs: number[] = [];
    const model = new nn.Linear(1, 1, { seed: 1 });
    const optimizer = new SGD(model.paramStore(), { lr: 0.1 });
    const scheduler = new WarmupCosineLR(optimizer, { warmupSteps: 2, totalSteps: 4 });
    const x = nn.tensor(Float32Array.from([1]), [1, 1]);
    const trainer = new Trainer({ model, loss: new nn.MSELoss(), optimizer, scheduler, progress: 'none', handleSigint: false, onStep: (s) => lrs.push(s.lr) });
    await trainer.fit(Array.from({ length: 5 }, () => ({ input: x, target: x })));
    expect(lrs.map((v) => Number(v.toFixed(10)))).toEqual([0.1 / 3, 0.2 / 3, 0.1, 0.05, 0].map((v) => Number(v.toFixed(10))));
  });

  it('refuses bad options', () => {
    expect(() => new WarmupCosineLR(opt(1), { warmupSteps: -1, totalSteps: 5 })).toThrow(RangeError);
    expect(() => new WarmupCosineLR(opt(1), { warmupSteps: 6, totalSteps: 5 })).toThrow(/totalSteps/);
    expect(() => new WarmupCosineLR(opt(1), { warmupSteps: 1, totalSteps: 0 })).toThrow(RangeError);
    expect(() => new WarmupCosineLR(opt(1), { warmupSteps: 1, totalSteps: 5, etaMin: -1 })).toThrow(RangeError);
    expect(() => new WarmupCosineLR(opt(1), { warmupSteps: 1, totalSteps: 5, etaMin: '0' as never })).toThrow(TypeError);
    expect(() => new WarmupCosineLR(opt(1), { warmupSteps: 1, totalSteps: 5, warmup: 1 } as never)).toThrow(/warmup is not an option/);
  });
});
