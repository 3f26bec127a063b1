// The SIMD RNN/LSTM step kernels and normalisation loops, through the public ops, on every native
// ISA against the native scalar reference: odd hidden/feature sizes (vector tails), NaN and Inf in
// the inputs (same NaN positions), forward and backward.
import { describe, expect, it } from 'vitest';
import { nativeAvailable, ops, setIsa, supportedIsas, useBackend } from '../../lib/index.js';
import { lcgFloats } from '../helpers/random.js';

const rand = lcgFloats;

function expectAgree(a: Float32Array, e: Float32Array, tol: number): void {
  expect(a.length).toBe(e.length);
  for (let i = 0; i < e.length; i++) {
    if (Number.isNaN(e[i])) expect(a[i]).toBeNaN();
    else if (!Number.isFinite(e[i])) expect(a[i]).toBe(e[i]);
    else expect(Math.abs(a[i] - e[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(e[i])));
  }
}

type Run = () => Float32Array[];

function lstmRun(H: number, special: boolean): Run {
  const T = 5, B = 3, I = 6;
  const shape = { seqLen: T, batch: B, inputSize: I, hiddenSize: H };
  const w = { weightIh: rand(4 * H * I, 1), weightHh: rand(4 * H * H, 2), biasIh: rand(4 * H, 3), biasHh: rand(4 * H, 4) };
  const x = rand(T * B * I, 5, 2);
  const gradOutput = rand(T * B * H, 6);
  if (special) {
    x[I + 1] = NaN; // batch row 1 of step 0
    gradOutput[(2 * B + 2) * H] = Infinity; // batch row 2 of step 2
  }
  return () => {
    const f = ops.lstmForward(x, w, shape);
    const g = ops.lstmBackward(x, w, shape, f.workspace, { gradOutput, clipHiddenGradNorm: special ? 0 : 0.3 });
    return [f.output, f.cN, g.gradInput, g.gradH0, g.gradC0, g.gradWeightHh, g.gradBiasIh!];
  };
}

function rnnRun(H: number, nonlinearity: 'tanh' | 'relu', special: boolean): Run {
  const T = 4, B = 3, I = 5;
  const shape = { seqLen: T, batch: B, inputSize: I, hiddenSize: H };
  const w = { weightIh: rand(H * I, 11), weightHh: rand(H * H, 12), biasIh: rand(H, 13), biasHh: rand(H, 14) };
  const x = rand(T * B * I, 15, 2);
  if (special) x[2 * I] = -Infinity;
  const gradOutput = rand(T * B * H, 16);
  return () => {
    const f = ops.rnnForward(x, w, shape, { nonlinearity });
    const g = ops.rnnBackward(x, w, shape, f.workspace, { gradOutput, nonlinearity, clipHiddenGradNorm: 0.5 });
    return [f.output, g.gradInput, g.gradH0, g.gradWeightIh, g.gradBiasHh!];
  };
}

function normRun(n: number, c: number, special: boolean): Run {
  const x = rand(n * c, 21, 3);
  const gy = rand(n * c, 22);
  const weight = rand(c, 23);
  const bias = rand(c, 24);
  if (special) {
    x[0] = NaN;
    x[c + 1] = Infinity;
  }
  return () => {
    const rm = new Float32Array(c), rv = new Float32Array(c).fill(1);
    const b = ops.batchNorm1d(x, [n, c], { weight, bias, runningMean: rm, runningVar: rv });
    const bg = ops.batchNorm1dBackward(gy, x, [n, c], b, { weight });
    const l = ops.layerNorm(x, c, { weight, bias });
    const lg = ops.layerNormBackward(gy, x, c, l, { weight });
    return [b.y, rm, rv, bg.gradX, bg.gradWeight, bg.gradBias, l.y, lg.gradX, lg.gradWeight, lg.gradBias];
  };
}

const isas = nativeAvailable() ? (useBackend('native'), supportedIsas().filter((i) => i !== 'scalar')) : [];

describe.each(isas)('native/%s agrees with native/scalar', (isa) => {
  const cases: [string, Run, number][] = [];
  for (const H of [1, 7, 9, 17]) {
    for (const special of [false, true]) {
      cases.push([`lstm H=${H}${special ? ' NaN/Inf' : ''}`, lstmRun(H, special), 2e-4]);
      cases.push([`rnn tanh H=${H}${special ? ' Inf' : ''}`, rnnRun(H, 'tanh', special), 2e-4]);
      cases.push([`rnn relu H=${H}${special ? ' Inf' : ''}`, rnnRun(H, 'relu', special), 2e-4]);
    }
  }
  for (const [n, c] of [[2, 1], [3, 7], [5, 9], [4, 33]]) {
    for (const special of [false, true]) cases.push([`norm [${n}, ${c}]${special ? ' NaN/Inf' : ''}`, normRun(n, c, special), 1e-6]);
  }
  it.each(cases)('%s', (_name, run, tol) => {
    useBackend('native');
    setIsa('scalar');
    const ref = run();
    setIsa(isa);
    const got = run();
    setIsa(supportedIsas()[0]);
    for (let k = 0; k < ref.length; k++) expectAgree(got[k], ref[k], tol);
  });
});
