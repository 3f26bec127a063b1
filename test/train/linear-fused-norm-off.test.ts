// nn.Linear.fusedNorm = false (the sums switched off, e.g. the bare step of the training-step
// bench): backward writes the same gradients bit for bit, reports no sums, and leaves no sum
// reported earlier in the generation passing for current. On every backend and ISA.
import { describe, expect, it } from 'vitest';
import { fusedTotalNorm, getTotalNorm, nn } from '../../lib/index.js';
import { randomFloats, targets, useTarget } from '../helpers/targets.js';

const T = (data: Float32Array, shape: number[]): nn.Tensor => nn.tensor(data, shape);

function model(): { m: nn.Sequential; linears: nn.Linear[] } {
  const linears = [new nn.Linear(13, 24, { seed: 1 }), new nn.Linear(24, 5, { seed: 2 })];
  const m = new nn.Sequential(linears[0], new nn.ReLU(), linears[1]);
  m.paramStore();
  return { m, linears };
}

/** forward, MSE loss, backward (accumulating onto the gradients there are). */
function pass(m: nn.Module, seed: number): void {
  const x = T(randomFloats(6 * 13, seed), [6, 13]);
  const loss = new nn.MSELoss();
  const y = m.forward(x);
  loss.forward(y, T(randomFloats(y.data.length, seed + 1), [...y.shape]));
  m.backward(loss.backward());
}

describe.each(targets)('nn.Linear fusedNorm off on $name', (t) => {
  useTarget(t);

  it('defaults to on; off writes the same gradient bits and reports nothing (read pass)', () => {
    const on = model();
    const off = model();
    expect(on.linears.every((l) => l.fusedNorm)).toBe(true);
    for (const l of off.linears) l.fusedNorm = false;
    on.m.zeroGrad();
    off.m.zeroGrad();
    pass(on.m, 7);
    pass(off.m, 7);
    expect(off.m.paramStore().grads.base).toEqual(on.m.paramStore().grads.base);
    expect(fusedTotalNorm(on.m.paramStore().grads)).not.toBeNull();
    expect(off.m.paramStore().gradNorms.isCurrent()).toBe(false);
    expect(fusedTotalNorm(off.m.paramStore().grads)).toBeNull();
  });

  it('a backward with sums off after one with sums on (accumulating) makes the earlier sums stale', () => {
    const { m, linears } = model();
    const store = m.paramStore();
    m.zeroGrad();
    pass(m, 7);
    expect(store.gradNorms.isCurrent()).toBe(true);
    linears[0].fusedNorm = false;
    pass(m, 9); // changes every gradient; only the second layer reports
    expect(fusedTotalNorm(store.grads)).toBeNull();
    // Switched back on, the next generation is current and right again.
    linears[0].fusedNorm = true;
    m.zeroGrad();
    pass(m, 11);
    const fused = fusedTotalNorm(store.grads)!;
    expect(Math.abs(fused - getTotalNorm(store.grads)) / getTotalNorm(store.grads)).toBeLessThanOrEqual(1e-12);
  });
});
