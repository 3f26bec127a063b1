// Per-step hidden-gradient clipping in BPTT (options.clipHiddenGradNorm) on every backend/ISA: off
// by default and unchanged at 0 or far above every norm; equal to BPTT rebuilt here from one-step,
// unclipped backward calls with the per-sample clip applied by the test; native agrees with pure-TS.
import { describe, expect, it } from 'vitest';
import { ops, useBackend } from '../../lib/index.js';
import type { RecurrentShape, RecurrentWeights } from '../../lib/ops/recurrent.js';
import { targets, useTarget } from '../helpers/targets.js';
import { lcgFloats } from '../helpers/random.js';

const { lstmBackward, lstmForward, rnnBackward, rnnForward } = ops;

const rand = lcgFloats;

const T = 6, B = 3, I = 4, H = 5;
const shape: RecurrentShape = { seqLen: T, batch: B, inputSize: I, hiddenSize: H };
const weights = (g: number): RecurrentWeights => ({
  weightIh: rand(g * H * I, 1), weightHh: rand(g * H * H, 2), biasIh: rand(g * H, 3), biasHh: rand(g * H, 4),
});
const x = rand(T * B * I, 5);
const h0 = rand(B * H, 6);
const c0 = rand(B * H, 7);
const gradOutput = rand(T * B * H, 8, 3);
const gradHN = rand(B * H, 9, 3);
const gradCN = rand(B * H, 10);
const CLIP = 0.2;

type Mode = 'tanh' | 'relu' | 'lstm';
const MODES: Mode[] = ['tanh', 'relu', 'lstm'];

/** Full forward + backward; clip undefined leaves the option out. */
function run(mode: Mode, clip?: number) {
  const opts = clip === undefined ? {} : { clipHiddenGradNorm: clip };
  if (mode === 'lstm') {
    const w = weights(4);
    const f = lstmForward(x, w, shape, { h0, c0 });
    return { f, g: lstmBackward(x, w, shape, f.workspace, { h0, c0, gradOutput, gradHN, gradCN, ...opts }) };
  }
  const w = weights(1);
  const f = rnnForward(x, w, shape, { h0, nonlinearity: mode });
  return { f, g: rnnBackward(x, w, shape, f.workspace, { h0, gradOutput, gradHN, nonlinearity: mode, ...opts }) };
}

/** Clipped BPTT rebuilt from one-step unclipped backward calls. */
function reference(mode: Mode) {
  const lstm = mode === 'lstm';
  const G = lstm ? 4 : 1;
  const w = weights(G);
  const { f } = run(mode);
  const step = { ...shape, seqLen: 1 };
  const hs = [h0];
  const cs = [c0];
  for (let t = 0; t < T; t++) {
    hs.push(f.output.slice(t * B * H, (t + 1) * B * H));
    if (lstm) cs.push(f.workspace.slice(T * B * 4 * H + t * B * H, T * B * 4 * H + (t + 1) * B * H));
  }
  let dh = Float64Array.from(gradHN);
  let dc: Float32Array = Float32Array.from(gradCN);
  const gradInput = new Float32Array(T * B * I);
  const gWIh = new Float64Array(G * H * I);
  const gWHh = new Float64Array(G * H * H);
  const gB = new Float64Array(G * H);
  for (let t = T - 1; t >= 0; t--) {
    const go = new Float32Array(B * H);
    for (let b = 0; b < B; b++) {
      let ss = 0;
      const row: number[] = [];
      for (let j = 0; j < H; j++) {
        const v = dh[b * H + j] + gradOutput[(t * B + b) * H + j];
        row.push(v);
        ss += v * v;
      }
      const coef = Math.min(1, CLIP / (Math.sqrt(ss) + 1e-6));
      for (let j = 0; j < H; j++) go[b * H + j] = row[j] * coef;
    }
    const xt = x.slice(t * B * I, (t + 1) * B * I);
    let g;
    if (lstm) {
      const fs = lstmForward(xt, w, step, { h0: hs[t], c0: cs[t] });
      g = lstmBackward(xt, w, step, fs.workspace, { h0: hs[t], c0: cs[t], gradOutput: go, gradCN: dc });
      dc = g.gradC0;
    } else {
      const fs = rnnForward(xt, w, step, { h0: hs[t], nonlinearity: mode });
      g = rnnBackward(xt, w, step, fs.workspace, { h0: hs[t], gradOutput: go, nonlinearity: mode });
    }
    gradInput.set(g.gradInput, t * B * I);
    g.gradWeightIh.forEach((v, i) => (gWIh[i] += v));
    g.gradWeightHh.forEach((v, i) => (gWHh[i] += v));
    g.gradBiasIh!.forEach((v, i) => (gB[i] += v));
    dh = Float64Array.from(g.gradH0);
  }
  return { gradInput, gradH0: dh, gradC0: dc, gWIh, gWHh, gB };
}

function expectClose(a: ArrayLike<number>, e: ArrayLike<number>, tol = 2e-5): void {
  expect(a.length).toBe(e.length);
  for (let i = 0; i < e.length; i++) expect(Math.abs(a[i] - e[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(e[i])));
}

describe.each(targets)('clipHiddenGradNorm on $name', (t) => {
  useTarget(t);

  it.each(MODES)('%s: off by default, unchanged at 0 and far above every norm', (mode) => {
    const plain = run(mode).g;
    for (const clip of [0, 1e30]) {
      const g = run(mode, clip).g;
      expect(Array.from(g.gradInput)).toEqual(Array.from(plain.gradInput));
      expect(Array.from(g.gradH0)).toEqual(Array.from(plain.gradH0));
      expect(Array.from(g.gradWeightHh)).toEqual(Array.from(plain.gradWeightHh));
      expect(Array.from(g.gradBiasIh!)).toEqual(Array.from(plain.gradBiasIh!));
    }
  });

  it.each(MODES)('%s: equals BPTT rebuilt from clipped one-step backward calls', (mode) => {
    const g = run(mode, CLIP).g;
    const plain = run(mode).g;
    const ref = reference(mode);
    // the threshold is active in this case
    expect(Math.max(...g.gradWeightHh.map((v, i) => Math.abs(v - plain.gradWeightHh[i])))).toBeGreaterThan(1e-3);
    expectClose(g.gradInput, ref.gradInput);
    expectClose(g.gradH0, ref.gradH0);
    expectClose(g.gradWeightIh, ref.gWIh);
    expectClose(g.gradWeightHh, ref.gWHh);
    expectClose(g.gradBiasIh!, ref.gB);
    expectClose(g.gradBiasHh!, ref.gB);
    if (mode === 'lstm') expectClose((g as unknown as { gradC0: Float32Array }).gradC0, ref.gradC0);
  });

  it('rejects a bad threshold, naming the option', () => {
    const w = weights(4);
    const f = lstmForward(x, w, shape);
    for (const [v, type] of [[-1, RangeError], [Number.NaN, RangeError], [Infinity, RangeError], ['1', TypeError]] as const) {
      expect(() => lstmBackward(x, w, shape, f.workspace, { clipHiddenGradNorm: v as number })).toThrow(type);
      expect(() => lstmBackward(x, w, shape, f.workspace, { clipHiddenGradNorm: v as number })).toThrow(/clipHiddenGradNorm/);
    }
  });
});

describe('clipHiddenGradNorm: native agrees with pure-TS', () => {
  it.each(MODES)('%s', (mode) => {
    if (!targets.some((t) => t.backend === 'native')) return;
    useBackend('js');
    const js = run(mode, CLIP).g;
    useBackend('native');
    const nat = run(mode, CLIP).g;
    expectClose(nat.gradInput, js.gradInput, 1e-4);
    expectClose(nat.gradWeightHh, js.gradWeightHh, 1e-4);
    expectClose(nat.gradH0, js.gradH0, 1e-4);
  });
});

describe.each(targets)('clipHiddenGradNorm at the edge of float32 on $name', (t) => {
  useTarget(t);

  it('a positive threshold that is 0 or Infinity in float32 is a RangeError saying what is allowed', () => {
    for (const mode of MODES) {
      for (const v of [1e-46, 5e-324, 1e39, Number.MAX_VALUE]) {
        expect(() => run(mode, v)).toThrow(RangeError);
        expect(() => run(mode, v)).toThrow(/options\.clipHiddenGradNorm: expected 0 \(off\) or a number that stays positive and finite in float32/);
      }
    }
  });

  it('the smallest float32 threshold clips every step to about 0 (it does not switch clipping off)', () => {
    // RNN only: the LSTM's cell-state path (gradCN) is not clipped, by design.
    for (const mode of ['tanh', 'relu'] as const) {
      const { g } = run(mode, 1.401298464324817e-45);
      const { g: off } = run(mode, 0);
      for (const k of ['gradWeightIh', 'gradWeightHh', 'gradBiasIh'] as const) {
        const a = g[k]!;
        expect(Math.max(...Array.from(a, Math.abs)), `${mode} ${k}`).toBeLessThan(1e-30);
        expect(Math.max(...Array.from(off[k]!, Math.abs)), `${mode} ${k} unclipped`).toBeGreaterThan(1e-3);
      }
    }
  });

  it('rounds the threshold to float32 on every backend (a value and its float32 agree)', () => {
    const v = 0.2000000001;
    for (const mode of MODES) {
      const a = run(mode, v).g;
      const b = run(mode, Math.fround(v)).g;
      expect(Array.from(a.gradWeightHh)).toEqual(Array.from(b.gradWeightHh));
      expect(Array.from(a.gradInput)).toEqual(Array.from(b.gradInput));
    }
  });
});

describe('clipHiddenGradNorm at the smallest float32: native agrees with pure-TS', () => {
  it.each(MODES)('%s', (mode) => {
    if (!targets.some((t) => t.backend === 'native')) return;
    const tiny = 1.401298464324817e-45;
    useBackend('js');
    const js = run(mode, tiny).g;
    useBackend('native');
    const nat = run(mode, tiny).g;
    expectClose(nat.gradInput, js.gradInput, 1e-4);
    expectClose(nat.gradWeightIh, js.gradWeightIh, 1e-4);
    expectClose(nat.gradWeightHh, js.gradWeightHh, 1e-4);
    expectClose(nat.gradH0, js.gradH0, 1e-4);
  });
});
