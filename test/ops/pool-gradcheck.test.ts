// Finite-difference checks of the pooling and BatchNorm2d backward on every backend and ISA.
// Pooling: L = Σ gradY·y is piecewise linear in x, so central differences of the library's own
// forward are exact where no step crosses a tie: max pooling uses distinct values 0.1 apart and
// steps of 0.01. BatchNorm2d: central differences of a float64 re-statement of the forward.
import { describe, expect, it } from 'vitest';
import { ops } from '../../lib/index.js';
import { targets, useTarget } from '../helpers/targets.js';
import { lcgFloats } from '../helpers/random.js';

/** Distinct values 0.1 apart in a scrambled order (no ties, so the argmax is stable under ±0.01). */
function distinct(n: number, seed: number): Float32Array {
  const v = Array.from({ length: n }, (_, i) => i);
  let s = seed;
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [v[i], v[j]] = [v[j], v[i]];
  }
  return Float32Array.from(v, (k) => k * 0.1 - n * 0.05);
}

/** Central differences of L(x) = Σ gy·forward(x) in float64 over the float32 forward. */
function numGrad(x: Float32Array, gy: Float32Array, h: number, forward: (x: Float32Array) => Float32Array): Float64Array {
  const g = new Float64Array(x.length);
  const loss = (): number => forward(x).reduce((a, v, i) => a + v * gy[i], 0);
  for (let i = 0; i < x.length; i++) {
    const keep = x[i];
    x[i] = keep + h;
    const up = loss();
    x[i] = keep - h;
    const down = loss();
    x[i] = keep;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

function expectClose(actual: Float32Array, expected: Float64Array, tol: number, what: string): void {
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])))) throw new Error(`${what}[${i}]: backward ${actual[i]}, finite difference ${expected[i]}`);
  }
}

describe.each(targets)('pooling and BatchNorm2d backward match finite differences on $name', (t) => {
  useTarget(t);

  it.each([
    [{ kernelSize: 2 }, 4, 6],
    [{ kernelSize: 3, stride: 2, padding: 1 }, 7, 7],
    [{ kernelSize: 3, stride: 1, padding: 1 }, 5, 4],
    [{ kernelSize: [2, 3], stride: [1, 2], padding: [1, 1], dilation: [2, 1], ceilMode: true }, 6, 7],
  ] as const)('MaxPool2d %o on %i×%i', (win, h, w) => {
    const o = { batch: 2, channels: 2, height: h, width: w, ...win };
    const [oh, ow] = ops.maxPool2dOutputSize(o);
    const x = distinct(4 * h * w, h * w);
    const gy = lcgFloats(4 * oh * ow, 3);
    const idx = new Int32Array(gy.length);
    ops.maxPool2dForward(x, new Float32Array(gy.length), idx, o);
    const gx = ops.maxPool2dBackward(gy, idx, new Float32Array(x.length), o);
    const fwd = (v: Float32Array) => ops.maxPool2dForward(v, new Float32Array(gy.length), null, o);
    expectClose(gx, numGrad(x, gy, 0.01, fwd), 1e-3, 'gradX');
  });

  it.each([
    [{ kernelSize: 3, stride: 1, padding: 1 }, 6, 5],
    [{ kernelSize: 3, stride: 1, padding: 1, countIncludePad: false }, 6, 5],
    [{ kernelSize: [3, 4], stride: [2, 3], padding: [1, 2], countIncludePad: false }, 9, 10],
    [{ kernelSize: 2, stride: 2, ceilMode: true }, 5, 5],
  ] as const)('AvgPool2d %o on %i×%i', (win, h, w) => {
    const o = { batch: 1, channels: 3, height: h, width: w, ...win };
    const [oh, ow] = ops.avgPool2dOutputSize(o);
    const x = lcgFloats(3 * h * w, 5);
    const gy = lcgFloats(3 * oh * ow, 6);
    const gx = ops.avgPool2dBackward(gy, new Float32Array(x.length), o);
    const fwd = (v: Float32Array) => ops.avgPool2dForward(v, new Float32Array(gy.length), o);
    expectClose(gx, numGrad(x, gy, 0.25, fwd), 1e-4, 'gradX');
  });

  it.each([
    [7, 9, [2, 3]],
    [3, 8, [4, 3]],
    [5, 5, [1, 1]],
  ] as const)('AdaptiveAvgPool2d %i×%i → %o', (h, w, out) => {
    const o = { batch: 2, channels: 1, height: h, width: w, outputSize: out };
    const x = lcgFloats(2 * h * w, 7);
    const gy = lcgFloats(2 * out[0] * out[1], 8);
    const gx = ops.adaptiveAvgPool2dBackward(gy, new Float32Array(x.length), o);
    const fwd = (v: Float32Array) => ops.adaptiveAvgPool2dForward(v, new Float32Array(gy.length), o);
    expectClose(gx, numGrad(x, gy, 0.25, fwd), 1e-4, 'gradX');
  });

  it.each([
    [[2, 3, 2, 3], true],
    [[1, 2, 3, 3], true],
    [[3, 2, 1, 1], true],
    [[2, 2, 2, 2], false],
  ] as const)('BatchNorm2d %o training=%s', (shape, training) => {
    const [n, c, h, w] = shape;
    const hw = h * w;
    const x = lcgFloats(n * c * hw, 11 + n, 2, 0.5);
    const wt = lcgFloats(c, 12, 1, 0.2);
    const b = lcgFloats(c, 13);
    const gy = lcgFloats(n * c * hw, 14);
    const rm = lcgFloats(c, 15);
    const rv = lcgFloats(c, 16, 0.5, 1);
    const eps = 1e-3;
    const fwd = ops.batchNorm2d(x, shape as unknown as [number, number, number, number], { weight: wt, bias: b, eps, training, runningMean: rm.slice(), runningVar: rv.slice() });
    const g = ops.batchNorm2dBackward(gy, x, shape as unknown as [number, number, number, number], fwd, { weight: wt });
    // Σ gy·y in float64 with the batch statistics (training) or the running ones as constants.
    const loss = (X: Float64Array, W: Float64Array, B: Float64Array): number => {
      let L = 0;
      for (let j = 0; j < c; j++) {
        let m = rm[j];
        let v = rv[j];
        if (training) {
          m = 0;
          v = 0;
          for (let i = 0; i < n; i++) for (let k = 0; k < hw; k++) m += X[(i * c + j) * hw + k] / (n * hw);
          for (let i = 0; i < n; i++) for (let k = 0; k < hw; k++) v += (X[(i * c + j) * hw + k] - m) ** 2 / (n * hw);
        }
        for (let i = 0; i < n; i++) for (let k = 0; k < hw; k++) L += gy[(i * c + j) * hw + k] * (((X[(i * c + j) * hw + k] - m) / Math.sqrt(v + eps)) * W[j] + B[j]);
      }
      return L;
    };
    const args = [Float64Array.from(x), Float64Array.from(wt), Float64Array.from(b)];
    const names = ['gradX', 'gradWeight', 'gradBias'] as const;
    for (let a = 0; a < 3; a++) {
      const tgt = args[a];
      const num = new Float64Array(tgt.length);
      for (let i = 0; i < tgt.length; i++) {
        const keep = tgt[i];
        tgt[i] = keep + 1e-6;
        const up = loss(args[0], args[1], args[2]);
        tgt[i] = keep - 1e-6;
        const down = loss(args[0], args[1], args[2]);
        tgt[i] = keep;
        num[i] = (up - down) / 2e-6;
      }
      expectClose(g[names[a]], num, 2e-4, names[a]);
    }
    expect(g.gradX.length).toBe(x.length);
  });
});
