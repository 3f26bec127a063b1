// Finite-difference checks through small CNNs (issue 13): backward of Conv2d/Conv1d, BatchNorm2d,
// the pools, Residual and Flatten against central differences of the float64-accumulated loss, on
// every backend. Float32 forward passes round at ~1e-7 relative, so the step is 1e-2 on small smooth
// models (Tanh, not ReLU, so no kink lies between x ± h) and the tolerance is 3e-3 absolute + 2e-2
// relative, as test/nn/gradcheck.test.ts. MaxPool2d is checked on inputs whose window maxima are
// separated by more than 2h, so the differences never switch the winner.
import { describe, expect, it } from 'vitest';
import { nn } from '../../lib/index.js';
import { randomFloats, targets, useTarget } from '../helpers/targets.js';

const H = 1e-2;

function gradcheck<T>(model: nn.Module, loss: nn.Loss<T>, x: nn.Tensor, y: T, checkInput = true): number {
  const L = (): number => loss.forward(model.forward(x), y);
  model.zeroGrad();
  L();
  const gx = model.backward(loss.backward()).data.slice();
  const cases: [string, Float32Array, Float32Array][] = model.namedParameters().map(([n, p]) => [n, p.data, p.grad.slice()]);
  if (checkInput) cases.push(['input', x.data, gx]);
  let checked = 0;
  for (const [name, data, grad] of cases) {
    // Every element of small tensors, a spread of elements of larger ones.
    const stride = Math.max(1, Math.floor(data.length / 16));
    for (let i = 0; i < data.length; i += stride) {
      const v = data[i];
      data[i] = v + H;
      const lp = L();
      data[i] = v - H;
      const lm = L();
      data[i] = v;
      const num = (lp - lm) / (2 * H);
      if (Math.abs(num - grad[i]) > 3e-3 + 2e-2 * Math.abs(num)) expect.fail(`${name}[${i}]: backward ${grad[i]}, finite difference ${num}`);
      checked++;
    }
  }
  return checked;
}

const T = (data: Float32Array, shape: number[]): nn.Tensor => nn.tensor(data, shape);
const rand = (shape: number[], seed: number): nn.Tensor => T(randomFloats(shape.reduce((a, b) => a * b, 1), seed), shape);

describe.each(targets)('CNN finite-difference checks on $name', (t) => {
  useTarget(t);

  it('Conv2d(stride 2, pad 1) → BatchNorm2d → Tanh → Residual(Conv2d(groups 2, dilation 2) → Tanh) → AvgPool2d → AdaptiveAvgPool2d → Flatten → Linear + CrossEntropyLoss', () => {
    const model = new nn.Sequential(
      new nn.Conv2d(2, 4, 3, { stride: 2, padding: 1, seed: 1 }),
      new nn.BatchNorm2d(4),
      new nn.Tanh(),
      new nn.Residual(new nn.Sequential(new nn.Conv2d(4, 4, 3, { padding: 2, dilation: 2, groups: 2, seed: 2 }), new nn.Tanh())),
      new nn.AvgPool2d(2, { stride: 1, padding: 1, countIncludePad: false }),
      new nn.AdaptiveAvgPool2d([2, 1]),
      new nn.Flatten(),
      new nn.Linear(8, 3, { seed: 3 }),
    );
    model.paramStore();
    const x = rand([3, 2, 7, 6], 21);
    const labels = Int32Array.from([2, 0, 1]);
    expect(gradcheck(model, new nn.CrossEntropyLoss(), x, labels)).toBeGreaterThan(80);
  });

  it('Conv2d without bias, [kh, kw] = [2, 3], on an unbatched input → Tanh + MSELoss', () => {
    const model = new nn.Sequential(new nn.Conv2d(3, 2, [2, 3], { stride: [1, 2], padding: [0, 1], bias: false, seed: 4 }), new nn.Tanh());
    const x = rand([3, 5, 6], 22);
    const y = model.forward(x);
    const target = rand(y.shape as number[], 23);
    expect(gradcheck(model, new nn.MSELoss(), x, target)).toBeGreaterThan(20);
  });

  it('Conv1d(stride 2, pad 2, dilation 2) → Tanh → Conv1d(depthwise) → Flatten → Linear + MSELoss', () => {
    const model = new nn.Sequential(
      new nn.Conv1d(2, 4, 3, { stride: 2, padding: 2, dilation: 2, seed: 5 }),
      new nn.Tanh(),
      new nn.Conv1d(4, 4, 3, { groups: 4, padding: 1, seed: 6 }),
      new nn.Flatten(),
      new nn.Linear(4 * 6, 2, { seed: 7 }),
    );
    const x = rand([2, 2, 11], 24);
    const target = rand([2, 2], 25);
    expect(gradcheck(model, new nn.MSELoss(), x, target)).toBeGreaterThan(40);
  });

  it('MaxPool2d (3×3, stride 2, padding 1) between convolutions, on well-separated values', () => {
    const conv = new nn.Conv2d(1, 2, 1, { bias: false, seed: 8 });
    conv.weight.data.set([1, -0.5]); // monotone per channel: the pooled maxima stay separated
    const model = new nn.Sequential(conv, new nn.MaxPool2d(3, { stride: 2, padding: 1 }), new nn.Tanh(), new nn.Flatten(), new nn.Linear(2 * 3 * 3, 2, { seed: 9 }));
    // A permutation of well-spaced values: every pair differs by >= 0.1 (≫ 2h through the conv's weights).
    const n = 2 * 6 * 5;
    const perm = Array.from({ length: n }, (_, i) => (i * 37) % n);
    const x = T(Float32Array.from(perm, (v) => (v - n / 2) * 0.1), [2, 1, 6, 5]);
    const target = rand([2, 2], 26);
    expect(gradcheck(model, new nn.MSELoss(), x, target, false)).toBeGreaterThan(15);
  });
});
