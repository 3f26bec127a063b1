// ops.gruForward / gruBackward on every backend: PyTorch's GRU on hand-checkable cases (b_hn inside
// the reset product, so the two bias gradients differ in the n block), workspace size, NaN/Inf,
// accumulation, no bias, batch 0, and one test per argument error (the message names the argument).
import { describe, expect, it } from 'vitest';
import { ops } from '../../lib/index.js';
import { targets, useTarget } from '../helpers/targets.js';
import { lcgFloats } from '../helpers/random.js';

const { gruBackward, gruForward, gruWorkspaceSize } = ops;
const rand = lcgFloats;
const sig = (v: number): number => 1 / (1 + Math.exp(-v));

describe.each(targets)('GRU on $name', (t) => {
  useTarget(t);
  const shape = { seqLen: 3, batch: 2, inputSize: 4, hiddenSize: 5 };
  const w = { weightIh: rand(15 * 4, 1), weightHh: rand(15 * 5, 2), biasIh: rand(15, 3), biasHh: rand(15, 4) };
  const x = rand(3 * 2 * 4, 9);

  it('documents its workspace size', () => {
    expect(gruWorkspaceSize(3, 2, 5)).toBe(150);
    expect(gruForward(x, w, shape).workspace.length).toBe(150);
    expect(() => gruWorkspaceSize(0, 2, 5)).toThrow(/^seqLen: /);
  });

  it('computes one step of PyTorch\'s GRU by hand (H = 1: b_hn inside the reset product)', () => {
    // x = 2, h0 = 0.5; W_ih = (r, z, n) = (0.1, 0.2, 0.3), W_hh = (0.4, 0.5, 0.6), b_ih = (0.01, 0.02, 0.03), b_hh = (0.04, 0.05, 0.06)
    const wt = { weightIh: Float32Array.of(0.1, 0.2, 0.3), weightHh: Float32Array.of(0.4, 0.5, 0.6), biasIh: Float32Array.of(0.01, 0.02, 0.03), biasHh: Float32Array.of(0.04, 0.05, 0.06) };
    const s = { seqLen: 1, batch: 1, inputSize: 1, hiddenSize: 1 };
    const f = gruForward(Float32Array.of(2), wt, s, { h0: Float32Array.of(0.5) });
    const r = sig(0.2 + 0.01 + 0.2 + 0.04);
    const z = sig(0.4 + 0.02 + 0.25 + 0.05);
    const hn = 0.3 + 0.06;
    const n = Math.tanh(0.6 + 0.03 + r * hn);
    const h = (1 - z) * n + z * 0.5;
    expect(f.output[0]).toBeCloseTo(h, 6);
    expect(f.hN[0]).toBe(f.output[0]);
    const g = gruBackward(Float32Array.of(2), wt, s, f.workspace, { h0: Float32Array.of(0.5), gradHN: Float32Array.of(1) });
    const dn = (1 - z) * (1 - n * n);
    const dz = (0.5 - n) * z * (1 - z);
    const dr = dn * hn * r * (1 - r);
    expect(g.gradBiasIh![0]).toBeCloseTo(dr, 6);
    expect(g.gradBiasIh![1]).toBeCloseTo(dz, 6);
    expect(g.gradBiasIh![2]).toBeCloseTo(dn, 6);
    expect(g.gradBiasHh![0]).toBeCloseTo(dr, 6);
    expect(g.gradBiasHh![1]).toBeCloseTo(dz, 6);
    expect(g.gradBiasHh![2]).toBeCloseTo(r * dn, 6); // differs from gradBiasIh's n block
    expect(g.gradH0[0]).toBeCloseTo(z + dr * 0.4 + dz * 0.5 + r * dn * 0.6, 6);
    expect(g.gradInput[0]).toBeCloseTo(dr * 0.1 + dz * 0.2 + dn * 0.3, 6);
  });

  it('hN is the last output step and h stays within the hull of h0 and (-1, 1)', () => {
    const f = gruForward(x, w, shape);
    expect(Array.from(f.hN)).toEqual(Array.from(f.output.subarray(20)));
    for (const v of f.output) expect(Math.abs(v)).toBeLessThan(1);
  });

  it('refuses an empty sequence like PyTorch', () => {
    expect(() => gruForward(new Float32Array(0), w, { ...shape, seqLen: 0 })).toThrow(/^shape\.seqLen: .*>= 1/);
  });

  it('handles batch 0 (nothing to compute; zero weight gradients)', () => {
    const s = { ...shape, batch: 0 };
    const f = gruForward(new Float32Array(0), w, s);
    expect(f.output.length).toBe(0);
    const g = gruBackward(new Float32Array(0), w, s, f.workspace);
    expect(g.gradWeightHh.every((v) => v === 0)).toBe(true);
    expect(g.gradBiasHh!.every((v) => v === 0)).toBe(true);
  });

  it('accumulates weight and bias gradients when asked', () => {
    const f = gruForward(x, w, shape);
    const gradOutput = rand(30, 12);
    const once = gruBackward(x, w, shape, f.workspace, { gradOutput });
    const grads = { gradWeightHh: new Float32Array(75).fill(1), gradBiasHh: new Float32Array(15).fill(1) };
    gruBackward(x, w, shape, f.workspace, { gradOutput, grads, accumulate: true });
    for (let i = 0; i < 75; i++) expect(grads.gradWeightHh[i]).toBeCloseTo(1 + once.gradWeightHh[i], 5);
    for (let i = 0; i < 15; i++) expect(grads.gradBiasHh[i]).toBeCloseTo(1 + once.gradBiasHh![i], 5);
  });

  it('has no bias gradients without biases', () => {
    const wn = { weightIh: w.weightIh, weightHh: w.weightHh };
    const f = gruForward(x, wn, shape);
    const g = gruBackward(x, wn, shape, f.workspace, { gradHN: rand(10, 13) });
    expect(g.gradBiasIh).toBeNull();
    expect(g.gradBiasHh).toBeNull();
    expect(() => gruBackward(x, wn, shape, f.workspace, { grads: { gradBiasIh: new Float32Array(15) } })).toThrow(/^options\.grads\.gradBiasIh: /);
  });

  it('propagates NaN and saturates at ±Infinity', () => {
    const xn = x.slice();
    xn[0] = NaN;
    const f = gruForward(xn, w, shape);
    expect(Number.isNaN(f.output[0])).toBe(true);
    const g = gruBackward(xn, w, shape, f.workspace, { gradHN: rand(10, 14) });
    expect(g.gradWeightIh.some((v) => Number.isNaN(v))).toBe(true);
    // +Inf into every gate of sample 0 at t = 0: r = z = 1, n = 1, h = h0 (z = 1 keeps the old state).
    const xi = x.slice();
    for (let k = 0; k < 4; k++) xi[k] = Infinity;
    const wp = { ...w, weightIh: new Float32Array(60).fill(1) };
    const h0 = rand(10, 15);
    const fi = gruForward(xi, wp, shape, { h0 });
    for (let j = 0; j < 5; j++) expect(fi.output[j]).toBeCloseTo(h0[j], 6);
  });

  it('clipHiddenGradNorm equals BPTT rebuilt from one-step calls whose dh_t the test clips per sample', () => {
    const T = 5, B = 3, I = 4, H = 5;
    const s = { seqLen: T, batch: B, inputSize: I, hiddenSize: H };
    const xs = rand(T * B * I, 20);
    const h0 = rand(B * H, 21);
    const gO = rand(T * B * H, 22);
    const gH = rand(B * H, 23);
    const clip = 0.05;
    const f = gruForward(xs, w, s, { h0 });
    const full = gruBackward(xs, w, s, f.workspace, { h0, gradOutput: gO, gradHN: gH, clipHiddenGradNorm: clip });
    const plain = gruBackward(xs, w, s, f.workspace, { h0, gradOutput: gO, gradHN: gH });
    expect(Array.from(full.gradWeightHh)).not.toEqual(Array.from(plain.gradWeightHh)); // the threshold is active
    const one = { seqLen: 1, batch: B, inputSize: I, hiddenSize: H };
    let dh = Float64Array.from(gH);
    const gWIh = new Float64Array(60), gWHh = new Float64Array(75), gBIh = new Float64Array(15), gBHh = new Float64Array(15);
    const gX = new Float32Array(T * B * I);
    for (let t = T - 1; t >= 0; t--) {
      const hp = t > 0 ? f.output.slice((t - 1) * B * H, t * B * H) : h0;
      const xt = xs.slice(t * B * I, (t + 1) * B * I);
      const go = new Float32Array(B * H);
      for (let b = 0; b < B; b++) {
        let ss = 0;
        for (let j = 0; j < H; j++) ss += (dh[b * H + j] + gO[(t * B + b) * H + j]) ** 2;
        const coef = Math.min(1, Math.fround(clip) / (Math.sqrt(ss) + 1e-6));
        for (let j = 0; j < H; j++) go[b * H + j] = (dh[b * H + j] + gO[(t * B + b) * H + j]) * coef;
      }
      const ft = gruForward(xt, w, one, { h0: hp });
      const g = gruBackward(xt, w, one, ft.workspace, { h0: hp, gradOutput: go });
      gX.set(g.gradInput, t * B * I);
      g.gradWeightIh.forEach((v, i) => (gWIh[i] += v));
      g.gradWeightHh.forEach((v, i) => (gWHh[i] += v));
      g.gradBiasIh!.forEach((v, i) => (gBIh[i] += v));
      g.gradBiasHh!.forEach((v, i) => (gBHh[i] += v));
      dh = Float64Array.from(g.gradH0);
    }
    const close = (a: ArrayLike<number>, e: ArrayLike<number>) => {
      expect(a.length).toBe(e.length);
      for (let i = 0; i < e.length; i++) expect(Math.abs(a[i] - e[i])).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(e[i])));
    };
    close(full.gradInput, gX);
    close(full.gradH0, dh);
    close(full.gradWeightIh, gWIh);
    close(full.gradWeightHh, gWHh);
    close(full.gradBiasIh!, gBIh);
    close(full.gradBiasHh!, gBHh);
  });

  it('rejects bad arguments naming them', () => {
    expect(() => gruForward(new Float32Array(5), w, shape)).toThrow(/^input: /);
    expect(() => gruForward(x, { ...w, weightIh: new Float32Array(20 * 4) }, shape)).toThrow(/weights\.weightIh/);
    expect(() => gruForward(x, { ...w, weightHh: new Float32Array(3) }, shape)).toThrow(/weights\.weightHh/);
    expect(() => gruForward(x, { ...w, biasHh: new Float32Array(5) }, shape)).toThrow(/weights\.biasHh/);
    expect(() => gruForward(x, w, { ...shape, hiddenSize: 0 })).toThrow(RangeError);
    expect(() => gruForward(x, w, shape, { h0: new Float32Array(3) })).toThrow(/options\.h0/);
    expect(() => gruForward(x, w, shape, { c0: new Float32Array(10) } as never)).toThrow(TypeError);
    const f = gruForward(x, w, shape);
    expect(() => gruBackward(x, w, shape, new Float32Array(3))).toThrow(/^workspace: /);
    expect(() => gruBackward(x, w, shape, f.workspace, { gradOutput: new Float32Array(2) })).toThrow(/options\.gradOutput/);
    expect(() => gruBackward(x, w, shape, f.workspace, { gradCN: new Float32Array(10) } as never)).toThrow(TypeError);
    expect(() => gruBackward(x, w, shape, f.workspace, { clipHiddenGradNorm: -1 })).toThrow(/clipHiddenGradNorm/);
    expect(() => gruBackward(x, w, shape, f.workspace, { grads: { gradC0: new Float32Array(10) } } as never)).toThrow(/options\.grads/);
  });

  it('rejects outputs that share memory with inputs or other outputs', () => {
    const buf = new Float32Array(300);
    expect(() => gruForward(x, w, shape, { output: buf.subarray(0, 30), workspace: buf.subarray(20, 170) })).toThrow(/options\.output: .*options\.workspace/);
    const f = gruForward(x, w, shape);
    expect(() => gruBackward(x, w, shape, f.workspace, { grads: { gradInput: f.workspace.subarray(0, 24) } })).toThrow(/gradInput: .*workspace/);
  });
});
