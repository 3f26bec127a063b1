// The *Async forms of the RNN/LSTM and normalisation ops on every backend/ISA: bit-identical to the
// sync forms (outputs, workspaces, running statistics, gradients), bad input rejects the Promise
// with the sync form's error, and on the native backend the work leaves the event loop free.
import { describe, expect, it } from 'vitest';
import { ops, useBackend } from '../../lib/index.js';
import { targets, useTarget } from '../helpers/targets.js';
import { lcgFloats } from '../helpers/random.js';

const rand = lcgFloats;

const same = (a: ArrayLike<number> | null, b: ArrayLike<number> | null): void => {
  expect(a === null ? null : Array.from(a)).toEqual(b === null ? null : Array.from(b));
};

const shape = { seqLen: 4, batch: 3, inputSize: 5, hiddenSize: 7 };
const x = rand(4 * 3 * 5, 1);
const h0 = rand(21, 2);
const c0 = rand(21, 3);
const gradOutput = rand(4 * 3 * 7, 4);
const gradHN = rand(21, 5);
const gradCN = rand(21, 6);
const w = (g: number) => ({ weightIh: rand(g * 7 * 5, 7), weightHh: rand(g * 7 * 7, 8), biasIh: rand(g * 7, 9), biasHh: rand(g * 7, 10) });

describe.each(targets)('*Async ops on $name', (t) => {
  useTarget(t);

  it('rnnForwardAsync / rnnBackwardAsync equal the sync forms', async () => {
    for (const nonlinearity of ['tanh', 'relu'] as const) {
      const wt = w(1);
      const f = ops.rnnForward(x, wt, shape, { h0, nonlinearity });
      const fa = await ops.rnnForwardAsync(x, wt, shape, { h0, nonlinearity });
      same(fa.output, f.output);
      same(fa.hN, f.hN);
      same(fa.workspace, f.workspace);
      const opts = { h0, gradOutput, gradHN, nonlinearity, clipHiddenGradNorm: 0.5 };
      const g = ops.rnnBackward(x, wt, shape, f.workspace, opts);
      const ga = await ops.rnnBackwardAsync(x, wt, shape, fa.workspace, opts);
      for (const k of ['gradInput', 'gradH0', 'gradWeightIh', 'gradWeightHh', 'gradBiasIh', 'gradBiasHh'] as const) same(ga[k], g[k]);
    }
  });

  it('lstmForwardAsync / lstmBackwardAsync equal the sync forms, accumulate included', async () => {
    const wt = w(4);
    const f = ops.lstmForward(x, wt, shape, { h0, c0 });
    const fa = await ops.lstmForwardAsync(x, wt, shape, { h0, c0 });
    same(fa.output, f.output);
    same(fa.cN, f.cN);
    same(fa.workspace, f.workspace);
    const start = rand(4 * 7 * 7, 11);
    const opts = { h0, c0, gradOutput, gradHN, gradCN, accumulate: true };
    const g = ops.lstmBackward(x, wt, shape, f.workspace, { ...opts, grads: { gradWeightHh: start.slice() } });
    const ga = await ops.lstmBackwardAsync(x, wt, shape, fa.workspace, { ...opts, grads: { gradWeightHh: start.slice() } });
    for (const k of ['gradInput', 'gradH0', 'gradC0', 'gradWeightIh', 'gradWeightHh', 'gradBiasIh', 'gradBiasHh'] as const) same(ga[k], g[k]);
  });

  it('batchNorm1dAsync / batchNorm1dBackwardAsync equal the sync forms (training and eval)', async () => {
    const n = 9, c = 13;
    const xb = rand(n * c, 20);
    const gy = rand(n * c, 21);
    const weight = rand(c, 22);
    const bias = rand(c, 23);
    for (const training of [true, false]) {
      const rm = rand(c, 24), rv = rand(c, 25).map(Math.abs);
      const rmA = rm.slice(), rvA = rv.slice();
      const f = ops.batchNorm1d(xb, [n, c], { weight, bias, runningMean: rm, runningVar: rv, training });
      const fa = await ops.batchNorm1dAsync(xb, [n, c], { weight, bias, runningMean: rmA, runningVar: rvA, training });
      same(fa.y, f.y);
      same(fa.saveMean, f.saveMean);
      same(fa.saveInvstd, f.saveInvstd);
      same(rmA, rm);
      same(rvA, rv);
      const g = ops.batchNorm1dBackward(gy, xb, [n, c], f, { weight });
      const ga = await ops.batchNorm1dBackwardAsync(gy, xb, [n, c], fa, { weight });
      same(ga.gradX, g.gradX);
      same(ga.gradWeight, g.gradWeight);
      same(ga.gradBias, g.gradBias);
    }
  });

  it('layerNormAsync / layerNormBackwardAsync equal the sync forms', async () => {
    const m = 6, d = 19;
    const xl = rand(m * d, 30);
    const gy = rand(m * d, 31);
    const weight = rand(d, 32);
    const bias = rand(d, 33);
    const f = ops.layerNorm(xl, d, { weight, bias });
    const fa = await ops.layerNormAsync(xl, d, { weight, bias });
    same(fa.y, f.y);
    same(fa.saveInvstd, f.saveInvstd);
    const g = ops.layerNormBackward(gy, xl, d, f, { weight });
    const ga = await ops.layerNormBackwardAsync(gy, xl, d, fa, { weight });
    same(ga.gradX, g.gradX);
    same(ga.gradWeight, g.gradWeight);
    same(ga.gradBias, g.gradBias);
  });

  it('bad input rejects the Promise with the sync error, naming the argument', async () => {
    const wt = w(4);
    await expect(ops.lstmForwardAsync(x.subarray(1), wt, shape)).rejects.toThrow(RangeError);
    await expect(ops.lstmForwardAsync(x.subarray(1), wt, shape)).rejects.toThrow(/input/);
    const f = ops.lstmForward(x, wt, shape);
    await expect(ops.lstmBackwardAsync(x, wt, shape, f.workspace.subarray(1))).rejects.toThrow(/workspace/);
    await expect(ops.rnnBackwardAsync(x, w(1), shape, f.workspace, { clipHiddenGradNorm: -1 })).rejects.toThrow(RangeError);
    await expect(ops.batchNorm1dAsync(rand(5, 1), [1, 5])).rejects.toThrow(/batch >= 2/);
    await expect(ops.layerNormAsync(rand(5, 1), 2)).rejects.toThrow(RangeError);
    await expect(ops.layerNormBackwardAsync(rand(4, 1), rand(4, 1), 2, { saveMean: new Float64Array(1), saveInvstd: new Float64Array(2) })).rejects.toThrow(/saveMean/);
  });
});

describe('native *Async leaves the event loop free', () => {
  it('timers run while an LSTM forward+backward is in flight', async () => {
    if (!targets.some((t) => t.backend === 'native')) return;
    useBackend('native');
    const big = { seqLen: 50, batch: 32, inputSize: 128, hiddenSize: 256 };
    const wt = { weightIh: rand(1024 * 128, 40), weightHh: rand(1024 * 256, 41), biasIh: null, biasHh: null };
    const xb = rand(50 * 32 * 128, 42);
    let ticks = 0;
    let settled = false;
    const timer = setInterval(() => {
      if (!settled) ticks++;
    }, 0);
    try {
      const run = (async () => {
        const f = await ops.lstmForwardAsync(xb, wt, big);
        await ops.lstmBackwardAsync(xb, wt, big, f.workspace, { gradOutput: f.output });
      })();
      await run;
      settled = true;
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0);
  });
});
