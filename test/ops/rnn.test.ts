import { describe, expect, it } from 'vitest';
import { ops } from '../../lib/index.js';
import { targets, useTarget } from '../helpers/targets.js';
import { lcgFloats } from '../helpers/random.js';

const { lstmBackward, lstmForward, lstmWorkspaceSize, rnnBackward, rnnForward, rnnWorkspaceSize } = ops;

const rand = lcgFloats;

describe.each(targets)('RNN and LSTM on $name', (t) => {
  useTarget(t);
  const shape = { seqLen: 3, batch: 2, inputSize: 4, hiddenSize: 5 };
  const w1 = { weightIh: rand(5 * 4, 1), weightHh: rand(5 * 5, 2), biasIh: rand(5, 3), biasHh: rand(5, 4) };
  const w4 = { weightIh: rand(20 * 4, 5), weightHh: rand(20 * 5, 6), biasIh: rand(20, 7), biasHh: rand(20, 8) };
  const x = rand(3 * 2 * 4, 9);

  it('documents its workspace sizes', () => {
    expect(rnnWorkspaceSize(3, 2, 5)).toBe(30);
    expect(lstmWorkspaceSize(3, 2, 5)).toBe(180);
    expect(rnnForward(x, w1, shape).workspace.length).toBe(30);
    expect(lstmForward(x, w4, shape).workspace.length).toBe(180);
  });

  it('hN is the last output step', () => {
    const f = lstmForward(x, w4, shape);
    expect(Array.from(f.hN)).toEqual(Array.from(f.output.subarray(20)));
    const r = rnnForward(x, w1, shape);
    expect(Array.from(r.hN)).toEqual(Array.from(r.output.subarray(20)));
  });

  it('refuses an empty sequence like PyTorch, in the forward, the backward and the size functions', () => {
    const empty = { ...shape, seqLen: 0 };
    const f = lstmForward(x, w4, shape);
    expect(() => lstmForward(new Float32Array(0), w4, empty)).toThrow(/^shape\.seqLen: .*>= 1/);
    expect(() => rnnForward(new Float32Array(0), w1, empty)).toThrow(RangeError);
    expect(() => lstmBackward(new Float32Array(0), w4, empty, f.workspace, { gradHN: new Float32Array(10) })).toThrow(/^shape\.seqLen: /);
    expect(() => rnnBackward(new Float32Array(0), w1, empty, f.workspace, { gradHN: new Float32Array(10) })).toThrow(/^shape\.seqLen: /);
    expect(() => rnnWorkspaceSize(0, 2, 5)).toThrow(/^seqLen: /);
    expect(() => lstmWorkspaceSize(0, 2, 5)).toThrow(/^seqLen: /);
  });

  it('accumulates weight and bias gradients when asked', () => {
    const f = rnnForward(x, w1, shape);
    const gradOutput = rand(30, 12);
    const once = rnnBackward(x, w1, shape, f.workspace, { gradOutput });
    const grads = { gradWeightIh: new Float32Array(20).fill(1), gradWeightHh: new Float32Array(25).fill(1), gradBiasIh: new Float32Array(5).fill(1) };
    rnnBackward(x, w1, shape, f.workspace, { gradOutput, grads, accumulate: true });
    for (let i = 0; i < 20; i++) expect(grads.gradWeightIh[i]).toBeCloseTo(1 + once.gradWeightIh[i], 5);
    for (let i = 0; i < 25; i++) expect(grads.gradWeightHh[i]).toBeCloseTo(1 + once.gradWeightHh[i], 5);
    for (let i = 0; i < 5; i++) expect(grads.gradBiasIh[i]).toBeCloseTo(1 + once.gradBiasIh![i], 5);
  });

  it('propagates NaN through relu like PyTorch (forward and backward)', () => {
    const xn = x.slice();
    xn[0] = NaN;
    const f = rnnForward(xn, w1, shape, { nonlinearity: 'relu' });
    expect(f.hN.some((v) => Number.isNaN(v))).toBe(true);
    const g = rnnBackward(xn, w1, shape, f.workspace, { nonlinearity: 'relu', gradHN: rand(10, 14) });
    expect(g.gradWeightIh.some((v) => Number.isNaN(v))).toBe(true);
  });

  it('has no bias gradients without biases', () => {
    const w = { weightIh: w1.weightIh, weightHh: w1.weightHh };
    const f = rnnForward(x, w, shape, { nonlinearity: 'relu' });
    const g = rnnBackward(x, w, shape, f.workspace, { nonlinearity: 'relu', gradHN: rand(10, 13) });
    expect(g.gradBiasIh).toBeNull();
    expect(g.gradBiasHh).toBeNull();
  });

  it('refuses a bias gradient output when the weights have no such bias, naming it', () => {
    const w = { weightIh: w1.weightIh, weightHh: w1.weightHh, biasIh: w1.biasIh };
    const f = rnnForward(x, w, shape);
    const gradBiasHh = new Float32Array(5).fill(3);
    expect(() => rnnBackward(x, w, shape, f.workspace, { grads: { gradBiasHh } })).toThrow(TypeError);
    expect(() => rnnBackward(x, w, shape, f.workspace, { grads: { gradBiasHh } })).toThrow(/^options\.grads\.gradBiasHh: expected null or absent \(weights\.biasHh is null/);
    expect(Array.from(gradBiasHh)).toEqual([3, 3, 3, 3, 3]);
    const w4n = { weightIh: w4.weightIh, weightHh: w4.weightHh };
    const fl = lstmForward(x, w4n, shape);
    expect(() => lstmBackward(x, w4n, shape, fl.workspace, { grads: { gradBiasIh: new Float32Array(20) } })).toThrow(/^options\.grads\.gradBiasIh: /);
    // null stays the way to say "none", as nn modules without biases pass it.
    const g = rnnBackward(x, w, shape, f.workspace, { grads: { gradBiasHh: null } });
    expect(g.gradBiasHh).toBeNull();
    expect(g.gradBiasIh).not.toBeNull();
  });

  it('rejects bad arguments naming them, before any native code', () => {
    expect(() => rnnForward(new Float32Array(5), w1, shape)).toThrow(/^input: /);
    expect(() => rnnForward(x, { ...w1, weightHh: new Float32Array(3) }, shape)).toThrow(/weights\.weightHh/);
    expect(() => rnnForward(x, w1, { ...shape, hiddenSize: 0 })).toThrow(RangeError);
    expect(() => rnnForward(x, w1, shape, { nonlinearity: 'gelu' as 'relu' })).toThrow(/options\.nonlinearity/);
    expect(() => lstmForward(x, w1, shape)).toThrow(/weights\.weightIh/);
    expect(() => lstmForward(x, w4, shape, { c0: new Float32Array(3) })).toThrow(/options\.c0/);
    const f = lstmForward(x, w4, shape);
    expect(() => lstmBackward(x, w4, shape, new Float32Array(3))).toThrow(/^workspace: /);
    expect(() => lstmBackward(x, w4, shape, f.workspace, { gradOutput: new Float32Array(2) })).toThrow(/options\.gradOutput/);
    expect(() => rnnForward(x, null as unknown as typeof w1, shape)).toThrow(TypeError);
  });

  it('rejects outputs that share memory with inputs or other outputs', () => {
    const buf = new Float32Array(200);
    expect(() => rnnForward(x, w1, shape, { output: buf.subarray(0, 30), workspace: buf.subarray(20, 50) })).toThrow(/options\.output: .*options\.workspace/);
    const f = lstmForward(x, w4, shape);
    expect(() => lstmBackward(x, w4, shape, f.workspace, { grads: { gradInput: f.workspace.subarray(0, 24) } })).toThrow(/gradInput: .*workspace/);
    expect(() => rnnForward(x, w1, shape, { hN: w1.weightIh.subarray(0, 10) })).toThrow(RangeError);
  });
});
