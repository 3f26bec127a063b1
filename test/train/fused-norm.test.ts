// Fused gradient norms (issue 15 §1): nn.Linear reports Σ g² of the gradients it writes to the
// store's slots; the Trainer and clipGradNormAndStep use the total only while it is current. Never
// a stale norm: every library path that modifies gradients invalidates, hand-written gradients are
// never reported (read pass), and the fused total equals getTotalNorm within 1e-12 relative and is
// bit-identical across thread counts. On every backend and ISA.
import { describe, expect, it } from 'vitest';
import { agcClip, AutoClip, l1Penalty, l2Penalty, clipGradNorm, clipGradNormAndStep, clipGradsWithNorm, clipGradValue, fusedTotalNorm, getNumThreads, getTotalNorm, nn, setNumThreads, SGD, Trainer, ZClip } from '../../lib/index.js';
import { randomFloats, targets, useTarget } from '../helpers/targets.js';

const T = (data: Float32Array, shape: number[]): nn.Tensor => nn.tensor(data, shape);
const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

function model(hidden = 24): nn.Sequential {
  const m = new nn.Sequential(new nn.Linear(13, hidden, { seed: 1 }), new nn.ReLU(), new nn.Linear(hidden, 5, { seed: 2 }), new nn.Linear(5, 3, { seed: 3, bias: false }));
  m.paramStore();
  return m;
}

/** zeroGrad, forward, MSE loss, backward: the gradients of one batch scaled by `scale`. */
function backward(m: nn.Module, seed = 7, scale = 1, batch = 6): void {
  const inF = (m.parameters()[0].shape as number[])[1];
  const x = T(randomFloats(batch * inF, seed).map((v) => v * scale), [batch, inF]);
  const loss = new nn.MSELoss();
  m.zeroGrad();
  const y = m.forward(x);
  loss.forward(y, T(randomFloats(y.data.length, seed + 1), [...y.shape]));
  m.backward(loss.backward());
}

describe.each(targets)('fused gradient norm on $name', (t) => {
  useTarget(t);

  it('after a Linear-only backward the fused total is current and equals getTotalNorm within 1e-12', () => {
    const m = model();
    const store = m.paramStore();
    expect(fusedTotalNorm(store.grads)).toBeNull(); // nothing reported yet
    backward(m);
    expect(store.gradNorms.isCurrent()).toBe(true);
    const fused = fusedTotalNorm(store.grads)!;
    expect(fused).toBeGreaterThan(0);
    expect(rel(fused, getTotalNorm(store.grads))).toBeLessThanOrEqual(1e-12);
    for (let i = 0; i < store.grads.length; i++) {
      const g = store.grads.views[i];
      const want = g.reduce((s, v) => s + v * v, 0);
      expect(rel(store.gradNorms.sumSquares[i], want)).toBeLessThanOrEqual(1e-12);
    }
  });

  it('accumulating two backward passes without zeroGrad reports the accumulated gradient', () => {
    const m = model();
    const store = m.paramStore();
    backward(m, 7);
    const x = T(randomFloats(6 * 13, 9), [6, 13]);
    const loss = new nn.MSELoss();
    const y = m.forward(x);
    loss.forward(y, T(randomFloats(y.data.length, 10), [...y.shape]));
    m.backward(loss.backward()); // accumulates onto the first batch's gradients
    expect(rel(fusedTotalNorm(store.grads)!, getTotalNorm(store.grads))).toBeLessThanOrEqual(1e-12);
  });

  it('is bit-identical for 1, 2 and 4 threads (a threaded GEMM)', () => {
    const saved = getNumThreads();
    try {
      const norms = [1, 2, 4].map((n) => {
        setNumThreads(n);
        const m = new nn.Sequential(new nn.Linear(200, 300, { seed: 4 }), new nn.Linear(300, 150, { seed: 5 }));
        m.paramStore();
        backward(m, 3, 1, 64);
        return fusedTotalNorm(m.paramStore().grads);
      });
      expect(norms[0]).not.toBeNull();
      expect(norms[1]).toBe(norms[0]);
      expect(norms[2]).toBe(norms[0]);
    } finally {
      setNumThreads(saved);
    }
  });

  it('every library function that modifies gradients makes it stale', () => {
    const m = model();
    const store = m.paramStore();
    const mods: [string, () => void][] = [
      ['clipGradValue', () => clipGradValue(store.grads, 1e-4)],
      ['clipGradNorm', () => clipGradNorm(store.grads, 1e-4)],
      ['clipGradsWithNorm', () => clipGradsWithNorm(store.grads, 1e-4, 1)],
      ['clipGradValue on views', () => clipGradValue([...store.grads.views], 1e-4)],
      ['clipGradValue on one view', () => clipGradValue(store.grads.views[1], 1e-4)],
      ['agcClip', () => agcClip(store.params, store.grads, { clipping: 1e-6 })],
      ['grads.zero()', () => store.grads.zero()],
      ['zeroGrad()', () => m.zeroGrad()],
      ['zeroGrad() of a child', () => m.namedChildren()[2][1].zeroGrad()],
      ['gradNorms.invalidate()', () => store.gradNorms.invalidate()],
      ['l1Penalty', () => l1Penalty(store, 1e-3)],
      ['l2Penalty', () => l2Penalty(store, 1e-3)],
      ['l2Penalty on entries', () => l2Penalty(m.parameters(), 1e-3)],
    ];
    for (const [name, mod] of mods) {
      backward(m);
      expect(fusedTotalNorm(store.grads), name).not.toBeNull();
      mod();
      expect(fusedTotalNorm(store.grads), name).toBeNull();
    }
  });

  it('AutoClip and ZClip invalidate exactly when they scale the gradients', () => {
    const m = model();
    const store = m.paramStore();
    for (const clipper of [new AutoClip({ percentile: 0 }), new ZClip({ warmupSteps: 2, zThreshold: 0.5 })]) {
      let clips = 0;
      for (const scale of [1, 1.1, 1, 40, 80]) {
        backward(m, 7, scale);
        const before = getTotalNorm(store.grads);
        const r = clipper.step(store.grads);
        if (r.clipped) {
          clips++;
          expect(fusedTotalNorm(store.grads)).toBeNull();
        } else {
          expect(rel(fusedTotalNorm(store.grads)!, before)).toBeLessThanOrEqual(1e-12);
        }
      }
      expect(clips).toBeGreaterThan(0);
    }
  });

  /** zeroGrad, forward, MSE loss on a random target, backward, for any model and input. */
  function backwardOn(m: nn.Module, x: nn.Tensor, seed = 5): void {
    const loss = new nn.MSELoss();
    m.zeroGrad();
    const y = m.forward(x);
    loss.forward(y, T(randomFloats(y.data.length, seed), [...y.shape]));
    m.backward(loss.backward());
  }

  it.each([
    ['LayerNorm', () => new nn.Sequential(new nn.Linear(13, 8, { seed: 1 }), new nn.LayerNorm(8), new nn.ReLU(), new nn.Linear(8, 3, { seed: 2 })), () => T(randomFloats(6 * 13, 1), [6, 13])],
    ['BatchNorm1d', () => new nn.Sequential(new nn.Linear(13, 8, { seed: 1 }), new nn.BatchNorm1d(8), new nn.Linear(8, 3, { seed: 2 })), () => T(randomFloats(6 * 13, 2), [6, 13])],
    ['Conv1d', () => new nn.Sequential(new nn.Conv1d(2, 4, 3, { seed: 1 }), new nn.Flatten(), new nn.Linear(4 * 7, 3, { seed: 2 })), () => T(randomFloats(5 * 2 * 9, 3), [5, 2, 9])],
    ['LSTM', () => new nn.Sequential(new nn.LSTM(5, 6, { seed: 1 }), new nn.LastTimeStep(), new nn.Linear(6, 3, { seed: 2 })), () => T(randomFloats(4 * 3 * 5, 4), [4, 3, 5])],
  ] as const)('%s reports its small gradients right after its backward: the total is current and equals getTotalNorm within 1e-12', (_, make, input) => {
    const m = make();
    const store = m.paramStore();
    backwardOn(m, input());
    expect(store.gradNorms.isCurrent()).toBe(true);
    expect(rel(fusedTotalNorm(store.grads)!, getTotalNorm(store.grads))).toBeLessThanOrEqual(1e-12);
  });

  it('a gradient over 1 MiB that no kernel summed is left unreported (read pass)', () => {
    const D = (1 << 18) + 16;
    const m = new nn.Sequential(new nn.LayerNorm(D), new nn.Linear(D, 1, { seed: 1 }));
    const store = m.paramStore();
    backwardOn(m, T(randomFloats(2 * D, 6), [2, D]));
    expect(store.gradNorms.isCurrent()).toBe(false);
    expect(fusedTotalNorm(store.grads)).toBeNull();
  });

  it('a module that writes its gradient by hand is never reported: the store falls back', () => {
    class Scale extends nn.Module {
      readonly w = this.addParameter('w', [3]);
      forward(x: nn.Tensor): nn.Tensor {
        return x;
      }
      backward(g: nn.Tensor): nn.Tensor {
        this.w.grad.fill(2);
        return g;
      }
    }
    const m = new nn.Sequential(new nn.Linear(13, 3, { seed: 1 }), new Scale());
    const store = m.paramStore();
    backward(m);
    expect(store.gradNorms.isCurrent()).toBe(false);
    expect(fusedTotalNorm(store.grads)).toBeNull();
  });

  it('a gradient edited by hand after backward is stale until the user invalidates (the documented rule)', () => {
    const m = model();
    const store = m.paramStore();
    backward(m);
    store.grads.views[0][0] += 100; // invisible to the library
    store.gradNorms.invalidate(); // the rule: tell the store
    expect(fusedTotalNorm(store.grads)).toBeNull();
    const opt = new SGD(store, { lr: 0.1 });
    expect(clipGradNormAndStep(opt, 1).totalNorm).toBe(getTotalNorm(store.grads));
  });

  it('clipGradNormAndStep uses the fused total when current, the read pass otherwise', () => {
    const m = model();
    const store = m.paramStore();
    const opt = new SGD(store, { lr: 0.1 });
    backward(m);
    const fused = fusedTotalNorm(store.grads)!;
    expect(clipGradNormAndStep(opt, 0.01).totalNorm).toBe(fused);
    expect(clipGradNormAndStep(opt, 0.01, { normType: 1 }).totalNorm).toBe(getTotalNorm(store.grads, 1));
    clipGradValue(store.grads, 1e-3);
    expect(clipGradNormAndStep(opt, 0.01).totalNorm).toBe(getTotalNorm(store.grads));
  });

  it('Trainer: the clipped step reports the fused norm; fusedNorm: false takes the read pass; non-finite gradients are caught from the sums', () => {
    const data = { input: T(randomFloats(6 * 13, 7), [6, 13]), target: T(randomFloats(6 * 3, 8), [6, 3]) };
    const mk = (fusedNorm?: boolean) => {
      const m = model();
      const tr = new Trainer({ model: m, loss: new nn.MSELoss(), optimizer: (p) => new SGD(p, { lr: 0.01 }), clip: { maxNorm: 0.01, ...(fusedNorm === undefined ? {} : { fusedNorm }) }, progress: 'none', handleSigint: false });
      return { m, tr };
    };
    const a = mk();
    const b = mk(false);
    const ia = a.tr.step(data);
    const ib = b.tr.step(data);
    expect(ia.clipped).toBe(true);
    // b's read pass over the same gradients (the step leaves gradients as they are).
    expect(ib.gradNorm).toBe(getTotalNorm(b.m.paramStore().grads));
    expect(rel(ia.gradNorm, ib.gradNorm)).toBeLessThanOrEqual(1e-12);
    expect(ia.gradNorm).toBe(fusedTotalNorm(a.m.paramStore().grads));
    // Same update within float32 rounding of the clip coefficient.
    const pa = a.m.paramStore().params.base;
    const pb = b.m.paramStore().params.base;
    for (let i = 0; i < pa.length; i++) expect(Math.abs(pa[i] - pb[i])).toBeLessThanOrEqual(1e-6);
    // A NaN input: the fused sums are NaN, the step is skipped and the parameters untouched.
    const before = pa.slice();
    const bad = { input: T(randomFloats(6 * 13, 7).fill(NaN, 0, 1), [6, 13]), target: data.target };
    const ic = a.tr.step(bad);
    expect(ic.skipped).toBe(true);
    expect(Number.isFinite(ic.gradNorm)).toBe(false);
    expect(a.m.paramStore().params.base).toEqual(before);
  });

  it('rejects a non-boolean clip.fusedNorm', () => {
    expect(() => new Trainer({ model: model(), loss: new nn.MSELoss(), optimizer: (p) => new SGD(p, { lr: 0.01 }), clip: { maxNorm: 1, fusedNorm: 1 as never }, progress: 'none', handleSigint: false })).toThrow(/options\.clip\.fusedNorm/);
  });
});
