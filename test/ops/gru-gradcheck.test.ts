// Finite-difference checks of GRU backward through time on every backend: central differences of a
// float64 re-statement of PyTorch's GRU (b_hn inside the reset product),
// L = Σ output·gO + Σ hN·gH, against the library gradients, including the two bias gradients whose
// n blocks differ.
import { describe, expect, it } from 'vitest';
import { ops } from '../../lib/index.js';
import { targets, useTarget } from '../helpers/targets.js';
import { lcgFloats } from '../helpers/random.js';
import { centralDiff, expectGradClose } from '../helpers/gradcheck.js';

const rand = lcgFloats;
const sig = (v: number): number => 1 / (1 + Math.exp(-v));

interface Dims {
  T: number;
  B: number;
  I: number;
  H: number;
}

/** Float64 loss; args: x, h0, wIh, wHh, bIh, bHh. */
function loss(d: Dims, a: Float64Array[], gO: Float32Array, gH: Float32Array): number {
  const [x, h0, wIh, wHh, bIh, bHh] = a;
  const { T, B, I, H } = d;
  let h = Float64Array.from(h0);
  let L = 0;
  for (let t = 0; t < T; t++) {
    const hn = new Float64Array(B * H);
    for (let b = 0; b < B; b++) {
      const gi = new Float64Array(3 * H);
      const gh = new Float64Array(3 * H);
      for (let r = 0; r < 3 * H; r++) {
        let ai = bIh[r];
        let ah = bHh[r];
        for (let k = 0; k < I; k++) ai += x[(t * B + b) * I + k] * wIh[r * I + k];
        for (let k = 0; k < H; k++) ah += h[b * H + k] * wHh[r * H + k];
        gi[r] = ai;
        gh[r] = ah;
      }
      for (let j = 0; j < H; j++) {
        const r = sig(gi[j] + gh[j]);
        const z = sig(gi[H + j] + gh[H + j]);
        const n = Math.tanh(gi[2 * H + j] + r * gh[2 * H + j]);
        hn[b * H + j] = (1 - z) * n + z * h[b * H + j];
        L += gO[(t * B + b) * H + j] * hn[b * H + j];
      }
    }
    h = hn;
  }
  for (let k = 0; k < B * H; k++) L += gH[k] * h[k];
  return L;
}

const numGrad = (f: () => number, t: Float64Array, h = 1e-6): Float64Array => centralDiff(f, t, h);

const expectClose = (actual: Float32Array, expected: Float64Array, what: string): void => expectGradClose(actual, expected, what, { rel: 1e-3, floor: 1e-2 });

function run(d: Dims, seed: number, gain = 0.6): void {
  const { T, B, I, H } = d;
  const x = rand(T * B * I, seed);
  const h0 = rand(B * H, seed + 1, 0.5);
  const wIh = rand(3 * H * I, seed + 3, gain);
  const wHh = rand(3 * H * H, seed + 4, gain);
  const bIh = rand(3 * H, seed + 5, 0.3);
  const bHh = rand(3 * H, seed + 6, 0.3);
  const gO = rand(T * B * H, seed + 7);
  const gH = rand(B * H, seed + 8);
  const weights = { weightIh: wIh, weightHh: wHh, biasIh: bIh, biasHh: bHh };
  const shape = { seqLen: T, batch: B, inputSize: I, hiddenSize: H };
  const f = ops.gruForward(x, weights, shape, { h0 });
  const g = ops.gruBackward(x, weights, shape, f.workspace, { h0, gradOutput: gO, gradHN: gH });
  const args = [x, h0, wIh, wHh, bIh, bHh].map((a) => Float64Array.from(a));
  const L = (): number => loss(d, args, gO, gH);
  expectClose(g.gradInput, numGrad(L, args[0]), 'gradInput');
  expectClose(g.gradH0, numGrad(L, args[1]), 'gradH0');
  expectClose(g.gradWeightIh, numGrad(L, args[2]), 'gradWeightIh');
  expectClose(g.gradWeightHh, numGrad(L, args[3]), 'gradWeightHh');
  expectClose(g.gradBiasIh!, numGrad(L, args[4]), 'gradBiasIh');
  expectClose(g.gradBiasHh!, numGrad(L, args[5]), 'gradBiasHh');
}

describe.each(targets)('GRU backward matches finite differences on $name', (t) => {
  useTarget(t);

  it.each([
    [{ T: 1, B: 1, I: 1, H: 1 }, 0.6],
    [{ T: 4, B: 2, I: 3, H: 5 }, 0.6],
    [{ T: 3, B: 3, I: 2, H: 9 }, 0.6],
    [{ T: 5, B: 2, I: 3, H: 4 }, 2],
  ] as [Dims, number][])('%o gain %d', (d, gain) => {
    run(d, 7 * d.T + d.H, gain);
  });
});
