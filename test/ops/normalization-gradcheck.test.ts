// Finite-difference checks of the BatchNorm1d and LayerNorm backward: central differences of a
// float64 re-statement of the forward, L = Σ y·gradY, against the library's float32 gradients.
import { describe, expect, it } from 'vitest';
import { ops } from '../../lib/index.js';
import { targets, useTarget } from '../helpers/targets.js';
import { lcgFloats } from '../helpers/random.js';
import { centralDiff, expectGradClose } from '../helpers/gradcheck.js';

const rand = lcgFloats;

type Loss = (x: Float64Array, w: Float64Array, b: Float64Array) => number;

/** Σ gy·y of BatchNorm1d in float64; `stats` null → batch statistics, else [mean, var] constants. */
function bnLoss(n: number, c: number, gy: Float32Array, eps: number, stats: [Float32Array, Float32Array] | null): Loss {
  return (x, w, b) => {
    let L = 0;
    for (let j = 0; j < c; j++) {
      let m = 0;
      let v = 0;
      if (stats) {
        m = stats[0][j];
        v = stats[1][j];
      } else {
        for (let i = 0; i < n; i++) m += x[i * c + j] / n;
        for (let i = 0; i < n; i++) v += (x[i * c + j] - m) ** 2 / n;
      }
      for (let i = 0; i < n; i++) L += gy[i * c + j] * (((x[i * c + j] - m) / Math.sqrt(v + eps)) * w[j] + b[j]);
    }
    return L;
  };
}

function lnLoss(m: number, d: number, gy: Float32Array, eps: number): Loss {
  return (x, w, b) => {
    let L = 0;
    for (let r = 0; r < m; r++) {
      let mu = 0;
      let v = 0;
      for (let j = 0; j < d; j++) mu += x[r * d + j] / d;
      for (let j = 0; j < d; j++) v += (x[r * d + j] - mu) ** 2 / d;
      for (let j = 0; j < d; j++) L += gy[r * d + j] * (((x[r * d + j] - mu) / Math.sqrt(v + eps)) * w[j] + b[j]);
    }
    return L;
  };
}

/** Central-difference gradient of `loss` w.r.t. argument `which` (0 x, 1 w, 2 b). */
const numGrad = (loss: Loss, args: Float64Array[], which: number, h = 1e-6): Float64Array => centralDiff(() => loss(args[0], args[1], args[2]), args[which], h);

const expectClose = (actual: Float32Array, expected: Float64Array, what: string): void => expectGradClose(actual, expected, what, { rel: 2e-4, floor: 1e-3 });

function check(loss: Loss, x: Float32Array, w: Float32Array, b: Float32Array, g: ops.NormGrads): void {
  const args = [Float64Array.from(x), Float64Array.from(w), Float64Array.from(b)];
  expectClose(g.gradX, numGrad(loss, args, 0), 'gradX');
  expectClose(g.gradWeight, numGrad(loss, args, 1), 'gradWeight');
  expectClose(g.gradBias, numGrad(loss, args, 2), 'gradBias');
}

describe.each(targets)('normalisation backward matches finite differences on $name', (t) => {
  useTarget(t);

  it.each([
    [2, 1],
    [3, 4],
    [7, 5],
  ])('BatchNorm1d training [%i, %i] (through the batch statistics)', (n, c) => {
    const x = rand(n * c, 11 + n, 2, 0.5);
    const w = rand(c, 12, 1, 0.2);
    const b = rand(c, 13);
    const gy = rand(n * c, 14);
    const eps = 1e-3;
    const fwd = ops.batchNorm1d(x, [n, c], { weight: w, bias: b, eps });
    const g = ops.batchNorm1dBackward(gy, x, [n, c], fwd, { weight: w });
    check(bnLoss(n, c, gy, eps, null), x, w, b, g);
  });

  it('BatchNorm1d eval [4, 3] (running statistics are constants)', () => {
    const [n, c] = [4, 3];
    const x = rand(n * c, 21, 2);
    const w = rand(c, 22);
    const b = rand(c, 23);
    const gy = rand(n * c, 24);
    const rm = rand(c, 25);
    const rv = rand(c, 26, 0.5, 1);
    const fwd = ops.batchNorm1d(x, [n, c], { weight: w, bias: b, runningMean: rm, runningVar: rv, training: false });
    const g = ops.batchNorm1dBackward(gy, x, [n, c], fwd, { weight: w });
    check(bnLoss(n, c, gy, 1e-5, [rm, rv]), x, w, b, g);
  });

  it.each([
    [1, 2],
    [3, 5],
    [4, 8],
  ])('LayerNorm [%i, %i]', (m, d) => {
    const x = rand(m * d, 31 + d, 2, -0.3);
    const w = rand(d, 32, 1, 0.1);
    const b = rand(d, 33);
    const gy = rand(m * d, 34);
    const eps = 1e-3;
    const fwd = ops.layerNorm(x, d, { weight: w, bias: b, eps });
    const g = ops.layerNormBackward(gy, x, d, fwd, { weight: w });
    check(lnLoss(m, d, gy, eps), x, w, b, g);
  });
});
