// Finite-difference checks of RNN/LSTM backward through time: central differences of a float64
// re-statement of the forward, L = Σ output·gO + Σ hN·gH + Σ cN·gC, against the library gradients.
import { describe, expect, it } from 'vitest';
import { ops } from '../../lib/index.js';
import { targets, useTarget } from '../helpers/targets.js';
import { lcgFloats } from '../helpers/random.js';
import { centralDiff, expectGradClose } from '../helpers/gradcheck.js';

const rand = lcgFloats;

interface Dims {
  T: number;
  B: number;
  I: number;
  H: number;
}
type Mode = 'tanh' | 'relu' | 'lstm';
const sig = (v: number): number => 1 / (1 + Math.exp(-v));

/** Float64 loss; args: x, h0, c0, wIh, wHh, bIh, bHh. */
function loss(mode: Mode, d: Dims, a: Float64Array[], gO: Float32Array, gH: Float32Array, gC: Float32Array): number {
  const [x, h0, c0, wIh, wHh, bIh, bHh] = a;
  const { T, B, I, H } = d;
  const G = mode === 'lstm' ? 4 : 1;
  let h = Float64Array.from(h0);
  let c = Float64Array.from(c0);
  let L = 0;
  for (let t = 0; t < T; t++) {
    const hn = new Float64Array(B * H);
    const cn = new Float64Array(B * H);
    for (let b = 0; b < B; b++) {
      const pre = new Float64Array(G * H);
      for (let r = 0; r < G * H; r++) {
        let acc = bIh[r] + bHh[r];
        for (let k = 0; k < I; k++) acc += x[(t * B + b) * I + k] * wIh[r * I + k];
        for (let k = 0; k < H; k++) acc += h[b * H + k] * wHh[r * H + k];
        pre[r] = acc;
      }
      for (let j = 0; j < H; j++) {
        if (mode === 'lstm') {
          const cc = sig(pre[H + j]) * c[b * H + j] + sig(pre[j]) * Math.tanh(pre[2 * H + j]);
          cn[b * H + j] = cc;
          hn[b * H + j] = sig(pre[3 * H + j]) * Math.tanh(cc);
        } else {
          hn[b * H + j] = mode === 'tanh' ? Math.tanh(pre[j]) : Math.max(0, pre[j]);
        }
        L += gO[(t * B + b) * H + j] * hn[b * H + j];
      }
    }
    h = hn;
    if (mode === 'lstm') c = cn;
  }
  for (let k = 0; k < B * H; k++) L += gH[k] * h[k] + (mode === 'lstm' ? gC[k] * c[k] : 0);
  return L;
}

const numGrad = (f: () => number, t: Float64Array, h = 1e-6): Float64Array => centralDiff(f, t, h);

const expectClose = (actual: Float32Array, expected: Float64Array, what: string): void => expectGradClose(actual, expected, what, { rel: 1e-3, floor: 1e-2 });

function run(mode: Mode, d: Dims, seed: number): void {
  const { T, B, I, H } = d;
  const G = mode === 'lstm' ? 4 : 1;
  const x = rand(T * B * I, seed);
  const h0 = rand(B * H, seed + 1, 0.5);
  const c0 = mode === 'lstm' ? rand(B * H, seed + 2, 0.5) : new Float32Array(B * H);
  const wIh = rand(G * H * I, seed + 3, 0.6);
  const wHh = rand(G * H * H, seed + 4, 0.6);
  const bIh = rand(G * H, seed + 5, 0.3);
  const bHh = rand(G * H, seed + 6, 0.3);
  const gO = rand(T * B * H, seed + 7);
  const gH = rand(B * H, seed + 8);
  const gC = mode === 'lstm' ? rand(B * H, seed + 9) : new Float32Array(B * H);
  const weights = { weightIh: wIh, weightHh: wHh, biasIh: bIh, biasHh: bHh };
  const shape = { seqLen: T, batch: B, inputSize: I, hiddenSize: H };
  let g: ops.RecurrentGrads & { gradC0?: Float32Array };
  if (mode === 'lstm') {
    const f = ops.lstmForward(x, weights, shape, { h0, c0 });
    g = ops.lstmBackward(x, weights, shape, f.workspace, { h0, c0, gradOutput: gO, gradHN: gH, gradCN: gC });
  } else {
    const f = ops.rnnForward(x, weights, shape, { h0, nonlinearity: mode });
    g = ops.rnnBackward(x, weights, shape, f.workspace, { h0, nonlinearity: mode, gradOutput: gO, gradHN: gH });
  }
  const args = [x, h0, c0, wIh, wHh, bIh, bHh].map((a) => Float64Array.from(a));
  const L = (): number => loss(mode, d, args, gO, gH, gC);
  expectClose(g.gradInput, numGrad(L, args[0]), 'gradInput');
  expectClose(g.gradH0, numGrad(L, args[1]), 'gradH0');
  if (mode === 'lstm') expectClose(g.gradC0!, numGrad(L, args[2]), 'gradC0');
  expectClose(g.gradWeightIh, numGrad(L, args[3]), 'gradWeightIh');
  expectClose(g.gradWeightHh, numGrad(L, args[4]), 'gradWeightHh');
  expectClose(g.gradBiasIh!, numGrad(L, args[5]), 'gradBiasIh');
  expectClose(g.gradBiasHh!, numGrad(L, args[6]), 'gradBiasHh');
}

describe.each(targets)('recurrent backward matches finite differences on $name', (t) => {
  useTarget(t);

  it.each([
    ['tanh', { T: 1, B: 1, I: 1, H: 1 }],
    ['tanh', { T: 4, B: 2, I: 3, H: 5 }],
    ['relu', { T: 3, B: 2, I: 4, H: 3 }],
    ['lstm', { T: 1, B: 1, I: 2, H: 1 }],
    ['lstm', { T: 4, B: 2, I: 3, H: 4 }],
  ] as [Mode, Dims][])('%s %o', (mode, d) => {
    run(mode, d, 7 * d.T + d.H);
  });
});
