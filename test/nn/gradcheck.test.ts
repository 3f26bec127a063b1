// Finite-difference checks of whole models: backward through Sequential, Residual, LastTimeStep and
// the recurrent modules against central differences of the float64-accumulated loss. Float32
// forward passes round at ~1e-7 relative, so the step is 1e-2 on small, smooth models (truncation
// error O(h²) ≈ 1e-4 relative) and the tolerance is 3e-3 absolute + 2e-2 relative.
import { describe, expect, it } from 'vitest';
import { nn } from '../../lib/index.js';
import { randomFloats, targets, useTarget } from '../helpers/targets.js';
import { checkSampledGrads } from '../helpers/gradcheck.js';

function gradcheck(model: nn.Module, loss: nn.Loss, x: nn.Tensor, y: nn.Tensor, checkInput = true): void {
  const L = (): number => loss.forward(model.forward(x), y);
  model.zeroGrad();
  L();
  const gx = model.backward(loss.backward()).data.slice();
  const cases: [string, Float32Array, Float32Array][] = model.namedParameters().map(([n, p]) => [n, p.data, p.grad.slice()]);
  if (checkInput) cases.push(['input', x.data, gx]);
  const checked = checkSampledGrads(L, cases, { h: 1e-2, samples: 12, atol: 3e-3, rtol: 2e-2 });
  expect(checked).toBeGreaterThan(20);
}

describe.each(targets)('finite-difference checks on $name', (t) => {
  useTarget(t);

  it('Sequential(Linear, Tanh, Residual(Sequential(Linear, Tanh)), Linear) + MSELoss', () => {
    const model = new nn.Sequential(
      new nn.Linear(3, 5, { seed: 1 }),
      new nn.Tanh(),
      new nn.Residual(new nn.Sequential(new nn.Linear(5, 5, { seed: 2 }), new nn.Tanh())),
      new nn.Linear(5, 2, { seed: 3 }),
    );
    model.paramStore();
    const x = nn.tensor(randomFloats(4 * 3, 11), [4, 3]);
    const y = nn.tensor(randomFloats(4 * 2, 12), [4, 2]);
    gradcheck(model, new nn.MSELoss(), x, y);
  });

  it('LSTM → LastTimeStep → Linear + MSELoss (a sequence-to-one model), with other activations', () => {
    const model = new nn.Sequential(new nn.LSTM(2, 4, { seed: 4 }), new nn.LastTimeStep(), new nn.Linear(4, 3, { seed: 5 }), new nn.GELU(), new nn.Linear(3, 1, { seed: 6 }));
    const x = nn.tensor(randomFloats(5 * 3 * 2, 13), [5, 3, 2]);
    const y = nn.tensor(randomFloats(3, 14), [3, 1]);
    gradcheck(model, new nn.MSELoss(), x, y);
  });

  it('RNN(tanh) → LayerNorm → Sigmoid/ELU/Softplus/LeakyReLU → Linear + BCEWithLogitsLoss', () => {
    const model = new nn.Sequential(
      new nn.RNN(2, 4, { seed: 7 }),
      new nn.LayerNorm(4),
      new nn.Sigmoid(),
      new nn.Linear(4, 4, { seed: 8 }),
      new nn.ELU(),
      new nn.Softplus(),
      new nn.LeakyReLU(0.1),
      new nn.Linear(4, 1, { seed: 9 }),
    );
    const x = nn.tensor(randomFloats(3 * 2 * 2, 15), [3, 2, 2]);
    const y = nn.tensor(Float32Array.from({ length: 3 * 2 }, (_, i) => i % 2), [3, 2, 1]);
    gradcheck(model, new nn.BCEWithLogitsLoss(), x, y);
  });

  it('Linear → BatchNorm1d → Tanh → Linear + CrossEntropyLoss (smooth: no ReLU kink for the differences to straddle)', () => {
    const model = new nn.Sequential(new nn.Linear(3, 6, { seed: 10 }), new nn.BatchNorm1d(6), new nn.Tanh(), new nn.Linear(6, 4, { seed: 11 }));
    const x = nn.tensor(randomFloats(5 * 3, 16), [5, 3]);
    const labels = Int32Array.from([0, 3, 1, 2, 3]);
    const loss = new nn.CrossEntropyLoss();
    // BatchNorm in training mode updates its running statistics on every forward; they do not
    // affect the training-mode output, so the finite differences stay valid.
    const L = (): number => loss.forward(model.forward(x), labels);
    model.zeroGrad();
    L();
    model.backward(loss.backward());
    const h = 1e-2;
    let checked = 0;
    for (const [name, p] of model.namedParameters()) {
      const g = p.grad.slice();
      for (let i = 0; i < p.data.length; i += 2) {
        const v = p.data[i];
        p.data[i] = v + h;
        const lp = L();
        p.data[i] = v - h;
        const lm = L();
        p.data[i] = v;
        const num = (lp - lm) / (2 * h);
        if (Math.abs(num - g[i]) > 3e-3 + 2e-2 * Math.abs(num)) expect.fail(`${name}[${i}]: backward ${g[i]}, finite difference ${num}`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });
});
