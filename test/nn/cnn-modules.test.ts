// The CNN modules (issue 13) against the ops they wrap and against plain float64 loops written here:
// Conv2d/Conv1d, MaxPool2d/AvgPool2d/AdaptiveAvgPool2d, BatchNorm2d, Dropout/Dropout2d. Shapes,
// PyTorch's defaults, initialisation and state-dict keys, train/eval, errors that name the module and
// the shapes, Residual around a conv block, a Sequential CNN forward/backward, and the monitor, AGC
// and Trainer working unchanged with these modules. On every backend.
import { describe, expect, it } from 'vitest';
import { Adam, agcClip, GradientMonitor, manualSeed, nn, ops, Rng, Trainer } from '../../lib/index.js';
import { randomFloats, targets, useTarget } from '../helpers/targets.js';

const T = (data: Float32Array, shape: number[]): nn.Tensor => nn.tensor(data, shape);
const rand = (shape: number[], seed: number): nn.Tensor => T(randomFloats(shape.reduce((a, b) => a * b, 1), seed), shape);

/** Naive float64 conv2d: x [N,C,H,W], w [O,C/g,kh,kw]. */
function refConv2d(x: nn.Tensor, w: nn.Tensor, b: Float32Array | null, s: [number, number], p: [number, number], d: [number, number], g: number): { y: Float64Array; shape: number[] } {
  const [N, C, H, W] = x.shape;
  const [O, Cg, KH, KW] = w.shape;
  const OH = Math.floor((H + 2 * p[0] - d[0] * (KH - 1) - 1) / s[0]) + 1;
  const OW = Math.floor((W + 2 * p[1] - d[1] * (KW - 1) - 1) / s[1]) + 1;
  const y = new Float64Array(N * O * OH * OW);
  const og = O / g;
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    let acc = b ? b[o] : 0;
    const grp = Math.floor(o / og);
    for (let c = 0; c < Cg; c++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
      const ih = oh * s[0] - p[0] + kh * d[0];
      const iw = ow * s[1] - p[1] + kw * d[1];
      if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
      acc += x.data[((n * C + grp * Cg + c) * H + ih) * W + iw] * w.data[((o * Cg + c) * KH + kh) * KW + kw];
    }
    y[((n * O + o) * OH + oh) * OW + ow] = acc;
  }
  return { y, shape: [N, O, OH, OW] };
}

function expectClose(got: Float32Array, want: ArrayLike<number>, tol = 1e-5): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) if (!(Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])))) expect.fail(`[${i}]: got ${got[i]}, want ${want[i]}`);
}

describe('construction, initialisation and state-dict keys (PyTorch defaults)', () => {
  it('Conv2d: weight [out, in/groups, kh, kw] ~ U(±1/√fanIn) (kaiming_uniform a=√5), bias U(±1/√fanIn), seeded', () => {
    const c = new nn.Conv2d(4, 6, [3, 2], { groups: 2, seed: 3 });
    expect(c.weight.shape).toEqual([6, 2, 3, 2]);
    expect(c.bias!.shape).toEqual([6]);
    expect(c.stride).toEqual([1, 1]);
    expect(c.padding).toEqual([0, 0]);
    expect(c.dilation).toEqual([1, 1]);
    const bound = 1 / Math.sqrt(2 * 3 * 2);
    for (const v of [...c.weight.data, ...c.bias!.data]) expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    // Spread over the whole range (uniform, not a constant).
    expect(Math.max(...c.weight.data) - Math.min(...c.weight.data)).toBeGreaterThan(bound);
    expect(new nn.Conv2d(4, 6, [3, 2], { groups: 2, seed: 3 }).weight.data).toEqual(c.weight.data);
    expect(Object.keys(c.stateDict())).toEqual(['weight', 'bias']);
    expect(Object.keys(new nn.Conv2d(1, 2, 3, { bias: false }).stateDict())).toEqual(['weight']);
    expect(String(new nn.Conv2d(3, 8, 3, { stride: 2, padding: 1 }))).toBe('Conv2d(3→8, k=3, stride=2, padding=1)');
  });

  it('Conv1d: weight [out, in/groups, k], PyTorch bounds, keys', () => {
    const c = new nn.Conv1d(3, 6, 5, { groups: 3, seed: 1 });
    expect(c.weight.shape).toEqual([6, 1, 5]);
    for (const v of [...c.weight.data, ...c.bias!.data]) expect(Math.abs(v)).toBeLessThanOrEqual(1 / Math.sqrt(5));
    expect(Object.keys(c.stateDict())).toEqual(['weight', 'bias']);
  });

  it('BatchNorm2d: γ = 1, β = 0, running_mean 0, running_var 1; keys as PyTorch (no num_batches_tracked, like BatchNorm1d)', () => {
    const bn = new nn.BatchNorm2d(3);
    expect(Object.keys(bn.stateDict())).toEqual(['weight', 'bias', 'running_mean', 'running_var']);
    expect([...bn.weight!.data]).toEqual([1, 1, 1]);
    expect([...bn.bias!.data]).toEqual([0, 0, 0]);
    expect([...bn.runningVar]).toEqual([1, 1, 1]);
    expect(Object.keys(new nn.BatchNorm2d(3, { affine: false }).stateDict())).toEqual(['running_mean', 'running_var']);
    expect(new nn.BatchNorm2d(2).momentum).toBe(0.1);
    expect(new nn.BatchNorm2d(2).eps).toBe(1e-5);
  });

  it('pooling and dropout have no parameters; stride defaults to the kernel size', () => {
    expect(new nn.MaxPool2d(3).stride).toEqual([3, 3]);
    expect(new nn.AvgPool2d([2, 3]).stride).toEqual([2, 3]);
    expect(new nn.AvgPool2d(2).countIncludePad).toBe(true);
    for (const m of [new nn.MaxPool2d(2), new nn.AvgPool2d(2), new nn.AdaptiveAvgPool2d(1), new nn.Dropout(), new nn.Dropout2d()]) expect(m.numParameters()).toBe(0);
    expect(new nn.Dropout().p).toBe(0.5);
  });

  it('bad constructor arguments: groups that do not divide, sizes < 1, unknown options, p outside [0, 1]', () => {
    expect(() => new nn.Conv2d(4, 6, 3, { groups: 3 })).toThrow(/Conv2d options\.groups.*divisor of inChannels 4 and outChannels 6/);
    expect(() => new nn.Conv2d(4, 6, 3, { groups: 3 })).toThrow(RangeError);
    expect(() => new nn.Conv2d(0, 6, 3)).toThrow(RangeError);
    expect(() => new nn.Conv2d(1, 1, 0)).toThrow(/Conv2d kernelSize/);
    expect(() => new nn.Conv2d(1, 1, 3, { stride: 0 })).toThrow(/Conv2d options\.stride/);
    expect(() => new nn.Conv2d(1, 1, 3, { stride: [1, 2, 3] as unknown as [number, number] })).toThrow(TypeError);
    expect(() => new nn.Conv2d(1, 1, 3, { padding: -1 })).toThrow(RangeError);
    expect(() => new nn.Conv1d(2, 2, 3, { dilation: 0 })).toThrow(/Conv1d options\.dilation/);
    expect(() => new nn.Conv2d(1, 1, 3, { paddingMode: 'reflect' } as never)).toThrow(/not supported yet/);
    expect(() => new nn.MaxPool2d(2, { strides: 2 } as never)).toThrow(/did you mean stride/);
    expect(() => new nn.Dropout(1.5)).toThrow(RangeError);
    expect(() => new nn.Dropout2d(-0.1)).toThrow(RangeError);
    expect(() => new nn.Dropout('0.5' as never)).toThrow(TypeError);
    expect(() => new nn.BatchNorm2d(0)).toThrow(RangeError);
    expect(() => new nn.AdaptiveAvgPool2d(0)).toThrow(RangeError);
  });
});

describe.each(targets)('CNN modules on $name', (t) => {
  useTarget(t);

  it('Conv2d forward equals a float64 loop (stride, padding, dilation, groups), batched and unbatched', () => {
    const c = new nn.Conv2d(4, 6, [3, 2], { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2, seed: 5 });
    const x = rand([2, 4, 7, 6], 1);
    const y = c.forward(x);
    const ref = refConv2d(x, { data: c.weight.data, shape: c.weight.shape }, c.bias!.data, [2, 1], [1, 2], [1, 2], 2);
    expect(y.shape).toEqual(ref.shape);
    expectClose(y.data, ref.y);
    const one = c.forward(T(x.data.slice(0, 4 * 7 * 6), [4, 7, 6]));
    expect(one.shape).toEqual(ref.shape.slice(1));
    expectClose(one.data, ref.y.slice(0, one.data.length));
  });

  it('Conv2d backward is ops.conv2dBackward, accumulating into weight.grad and bias.grad', () => {
    const c = new nn.Conv2d(3, 4, 3, { padding: 1, seed: 2 });
    const x = rand([2, 3, 5, 5], 3);
    const y = c.forward(x);
    const gy = rand(y.shape as number[], 4);
    c.zeroGrad();
    const gx = c.backward(gy).data.slice();
    const opts = { batch: 2, inChannels: 3, outChannels: 4, height: 5, width: 5, kernelSize: 3, padding: 1 };
    const want = { gradX: new Float32Array(x.data.length), gradWeight: new Float32Array(c.weight.data.length), gradBias: new Float32Array(4) };
    ops.conv2dBackward(x.data, c.weight.data, gy.data, want, opts);
    expectClose(gx, want.gradX, 1e-6);
    expectClose(c.weight.grad, want.gradWeight, 1e-6);
    expectClose(c.bias!.grad, want.gradBias, 1e-6);
    c.forward(x);
    c.backward(gy);
    expectClose(c.weight.grad, want.gradWeight.map((v) => 2 * v), 1e-6);
    expect(c.backward(gy).shape).toEqual(x.shape);
  });

  it('Conv1d forward equals the float64 loop on [N, C, 1, L], backward is ops.conv1dBackward', () => {
    const c = new nn.Conv1d(2, 4, 3, { stride: 2, padding: 2, dilation: 2, groups: 2, seed: 8 });
    const x = rand([3, 2, 11], 6);
    const y = c.forward(x);
    const ref = refConv2d(T(x.data, [3, 2, 1, 11]), T(c.weight.data, [4, 1, 1, 3]), c.bias!.data, [1, 2], [0, 2], [1, 2], 2);
    expect(y.shape).toEqual([3, 4, ref.shape[3]]);
    expectClose(y.data, ref.y);
    const gy = rand(y.shape as number[], 7);
    c.zeroGrad();
    const gx = c.backward(gy).data.slice();
    const want = { gradX: new Float32Array(x.data.length), gradWeight: new Float32Array(c.weight.data.length), gradBias: new Float32Array(4) };
    ops.conv1dBackward(x.data, c.weight.data, gy.data, want, { batch: 3, inChannels: 2, outChannels: 4, length: 11, kernelSize: 3, stride: 2, padding: 2, dilation: 2, groups: 2 });
    expectClose(gx, want.gradX, 1e-6);
    expectClose(c.weight.grad, want.gradWeight, 1e-6);
    expectClose(c.bias!.grad, want.gradBias, 1e-6);
  });

  it('an empty batch flows through Conv2d, the pools and Dropout (batch 0: no work, right shapes)', () => {
    const m = new nn.Sequential(new nn.Conv2d(3, 4, 3, { padding: 1, seed: 1 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.AvgPool2d(2), new nn.AdaptiveAvgPool2d(1), new nn.Dropout(0.5, { seed: 2 }));
    const y = m.forward(T(new Float32Array(0), [0, 3, 8, 8]));
    expect(y.shape).toEqual([0, 4, 1, 1]);
    m.zeroGrad();
    expect(m.backward(T(new Float32Array(0), [0, 4, 1, 1])).shape).toEqual([0, 3, 8, 8]);
    expect(m.parameters().every((p) => p.grad.every((v) => v === 0))).toBe(true);
  });

  it('input errors name the module and both shapes, before anything is written', () => {
    const c = new nn.Conv2d(3, 4, 3);
    expect(() => c.forward(rand([2, 2, 5, 5], 1))).toThrow(/Conv2d\(3→4, k=3\)\.forward\(x\): expected shape \[N, 3, H, W\] or \[3, H, W\], got shape \[2, 2, 5, 5\]/);
    expect(() => c.forward(rand([3, 5], 1))).toThrow(RangeError);
    expect(() => c.forward(rand([1, 3, 2, 5], 1))).toThrow(/Conv2d\(3→4, k=3\)\.forward\(x\).*dilated kernel 3×3.*\[1, 3, 2, 5\]/);
    expect(() => c.forward(new Float32Array(4) as never)).toThrow(/nn\.tensor/);
    expect(() => c.backward(rand([1, 4, 1, 1], 1))).toThrow(/before forward/);
    c.forward(rand([1, 3, 4, 4], 1));
    expect(() => c.backward(rand([1, 4, 3, 2], 1))).toThrow(/Conv2d\(3→4, k=3\)\.backward\(gradOut\): expected shape \[1, 4, 2, 2\], got shape \[1, 4, 3, 2\]/);
    expect(() => new nn.Conv1d(2, 2, 5).forward(rand([1, 2, 3], 1))).toThrow(/Conv1d.*\[1, 2, 3\]/);
    expect(() => new nn.BatchNorm2d(3).forward(rand([2, 4, 2, 2], 1))).toThrow(/BatchNorm2d\(3\)\.forward\(x\): expected shape \[N, 3, H, W\], got shape \[2, 4, 2, 2\]/);
    expect(() => new nn.BatchNorm2d(3).forward(rand([1, 3, 1, 1], 1))).toThrow(/more than 1 value per channel/);
    expect(() => new nn.MaxPool2d(2).forward(rand([4, 4], 1))).toThrow(/MaxPool2d.*\[N, C, H, W\] or \[C, H, W\], got shape \[4, 4\]/);
    expect(() => new nn.MaxPool2d(5).forward(rand([1, 1, 3, 3], 1))).toThrow(RangeError);
    expect(() => new nn.Dropout2d().forward(rand([4, 4], 1))).toThrow(/Dropout2d/);
  });

  it('MaxPool2d: the max of each window, the gradient routed to it (stride 2, padding 1); matches the ops', () => {
    const m = new nn.MaxPool2d(3, { stride: 2, padding: 1 });
    const x = rand([2, 3, 7, 6], 9);
    const y = m.forward(x);
    expect(y.shape).toEqual([2, 3, 4, 3]);
    const [N, C, H, W] = x.shape;
    for (let nc = 0; nc < N * C; nc++) for (let oh = 0; oh < 4; oh++) for (let ow = 0; ow < 3; ow++) {
      let best = -Infinity;
      for (let i = oh * 2 - 1; i < oh * 2 + 2; i++) for (let j = ow * 2 - 1; j < ow * 2 + 2; j++) if (i >= 0 && i < H && j >= 0 && j < W) best = Math.max(best, x.data[(nc * H + i) * W + j]);
      expect(y.data[(nc * 4 + oh) * 3 + ow]).toBe(Math.fround(best));
    }
    const gy = rand([2, 3, 4, 3], 10);
    const gx = m.backward(gy);
    expect(gx.shape).toEqual(x.shape);
    const opts = { batch: 2, channels: 3, height: 7, width: 6, kernelSize: 3, stride: 2, padding: 1 };
    const idx = new Int32Array(y.data.length);
    ops.maxPool2dForward(x.data, new Float32Array(y.data.length), idx, opts);
    expect(gx.data).toEqual(ops.maxPool2dBackward(gy.data, idx, new Float32Array(x.data.length), opts));
    // Every output's gradient lands somewhere: the sums agree.
    expect(gx.data.reduce((a, b) => a + b, 0)).toBeCloseTo(gy.data.reduce((a, b) => a + b, 0), 4);
  });

  it('AvgPool2d and AdaptiveAvgPool2d: window means, even backward; AdaptiveAvgPool2d(1) is the global mean', () => {
    const a = new nn.AvgPool2d(2);
    const x = rand([2, 2, 4, 6], 11);
    const y = a.forward(x);
    expect(y.shape).toEqual([2, 2, 2, 3]);
    expect(y.data[0]).toBeCloseTo((x.data[0] + x.data[1] + x.data[6] + x.data[7]) / 4, 6);
    const gx = a.backward(T(new Float32Array(24).fill(1), [2, 2, 2, 3]));
    expect([...gx.data].every((v) => v === 0.25)).toBe(true);
    const g = new nn.AdaptiveAvgPool2d(1);
    const gy = g.forward(x);
    expect(gy.shape).toEqual([2, 2, 1, 1]);
    for (let nc = 0; nc < 4; nc++) expect(gy.data[nc]).toBeCloseTo(x.data.subarray(nc * 24, nc * 24 + 24).reduce((s, v) => s + v, 0) / 24, 5);
    const ggx = g.backward(T(Float32Array.from([1, 2, 3, 4]), [2, 2, 1, 1]));
    expect(ggx.data[0]).toBeCloseTo(1 / 24, 7);
    expect(ggx.data[3 * 24]).toBeCloseTo(4 / 24, 7);
    const uneven = new nn.AdaptiveAvgPool2d([2, 3]).forward(rand([1, 1, 7, 9], 12));
    expect(uneven.shape).toEqual([1, 1, 2, 3]);
    const want = new Float32Array(6);
    ops.adaptiveAvgPool2dForward(rand([1, 1, 7, 9], 12).data, want, { batch: 1, channels: 1, height: 7, width: 9, outputSize: [2, 3] });
    expect(uneven.data).toEqual(want);
  });

  it('BatchNorm2d: training normalises each channel over N·H·W and updates running stats (unbiased); eval uses them', () => {
    const bn = new nn.BatchNorm2d(3, { momentum: 0.5 });
    const x = rand([4, 3, 3, 5], 13);
    const y = bn.forward(x);
    const m = 4 * 3 * 5;
    for (let c = 0; c < 3; c++) {
      const vals: number[] = [];
      const out: number[] = [];
      for (let n = 0; n < 4; n++) for (let i = 0; i < 15; i++) {
        vals.push(x.data[(n * 3 + c) * 15 + i]);
        out.push(y.data[(n * 3 + c) * 15 + i]);
      }
      const mean = vals.reduce((a, b) => a + b, 0) / m;
      const varB = vals.reduce((a, b) => a + (b - mean) ** 2, 0) / m;
      expect(out.reduce((a, b) => a + b, 0) / m).toBeCloseTo(0, 5);
      expect(out.reduce((a, b) => a + b * b, 0) / m).toBeCloseTo(varB / (varB + 1e-5), 4);
      expect(bn.runningMean[c]).toBeCloseTo(0.5 * mean, 6);
      expect(bn.runningVar[c]).toBeCloseTo(0.5 + 0.5 * varB * m / (m - 1), 5);
    }
    bn.eval();
    const before = bn.runningMean.slice();
    const e = bn.forward(x);
    expect(bn.runningMean).toEqual(before);
    expect(e.data[0]).toBeCloseTo((x.data[0] - bn.runningMean[0]) / Math.sqrt(bn.runningVar[0] + 1e-5), 5);
    // Eval with a single value per channel is fine (only training needs batch statistics).
    expect(bn.forward(rand([1, 3, 1, 1], 2)).shape).toEqual([1, 3, 1, 1]);
    // Backward is ops.batchNorm2dBackward's gradient.
    bn.train();
    const y2 = bn.forward(x);
    const gy = rand(y2.shape as number[], 14);
    bn.zeroGrad();
    const gx = bn.backward(gy).data.slice();
    const r = ops.batchNorm2d(x.data, [4, 3, 3, 5], { weight: bn.weight!.data, bias: bn.bias!.data });
    const want = ops.batchNorm2dBackward(gy.data, x.data, [4, 3, 3, 5], r, { weight: bn.weight!.data, gradWeight: new Float32Array(3), gradBias: new Float32Array(3) });
    expectClose(gx, want.gradX, 1e-5);
    expectClose(bn.weight!.grad, want.gradWeight!, 1e-5);
  });

  it('Dropout: identity in eval; in training zeros ≈ p and scales the rest by 1/(1 − p); the backward uses the same mask', () => {
    const d = new nn.Dropout(0.25, { seed: 1 });
    const x = T(new Float32Array(4000).fill(2), [40, 100]);
    const y = d.forward(x);
    const zeros = [...y.data].filter((v) => v === 0).length;
    expect(zeros / 4000).toBeGreaterThan(0.2);
    expect(zeros / 4000).toBeLessThan(0.3);
    expect([...y.data].every((v) => v === 0 || Math.abs(v - 2 / 0.75) < 1e-6)).toBe(true);
    const g = d.backward(T(new Float32Array(4000).fill(1), [40, 100]));
    for (let i = 0; i < 4000; i++) expect(g.data[i]).toBeCloseTo(y.data[i] / 2, 6);
    d.eval();
    expect(d.forward(x)).toBe(x);
    const gOut = T(new Float32Array(4000).fill(3), [40, 100]);
    expect(d.backward(gOut)).toBe(gOut);
  });

  it('Dropout draws are reproducible: the same seed, or manualSeed for the global generator', () => {
    const x = T(new Float32Array(256).fill(1), [256]);
    const a = new nn.Dropout(0.5, { seed: 9 }).forward(x).data.slice();
    expect(new nn.Dropout(0.5, { seed: 9 }).forward(x).data).toEqual(a);
    const shared = new Rng(4);
    const b = new nn.Dropout(0.5, { rng: shared }).forward(x).data.slice();
    expect(new nn.Dropout(0.5, { rng: new Rng(4) }).forward(x).data).toEqual(b);
    manualSeed(77);
    const c = new nn.Dropout(0.5).forward(x).data.slice();
    manualSeed(77);
    expect(new nn.Dropout(0.5).forward(x).data).toEqual(c);
    // Successive forwards draw fresh masks.
    const d = new nn.Dropout(0.5, { seed: 9 });
    const first = d.forward(x).data.slice();
    expect(d.forward(x).data).not.toEqual(first);
  });

  it('Dropout2d zeroes whole channel planes; p = 1 zeroes everything, p = 0 keeps everything', () => {
    const d = new nn.Dropout2d(0.5, { seed: 3 });
    const x = T(new Float32Array(8 * 16 * 9).fill(1), [8, 16, 3, 3]);
    const y = d.forward(x);
    let dropped = 0;
    for (let p = 0; p < 8 * 16; p++) {
      const plane = y.data.subarray(p * 9, p * 9 + 9);
      const v = plane[0];
      expect([...plane].every((u) => u === v)).toBe(true);
      expect(v === 0 || v === 2).toBe(true);
      if (v === 0) dropped++;
    }
    expect(dropped).toBeGreaterThan(30);
    expect(dropped).toBeLessThan(98);
    expect([...new nn.Dropout2d(1).forward(x).data].every((v) => v === 0)).toBe(true);
    expect(new nn.Dropout(0).forward(x).data).toEqual(x.data);
  });

  it('Residual around a conv block: y = x + f(x), ∂x = g + f.backward(g)', () => {
    const f = new nn.Sequential(new nn.Conv2d(3, 3, 3, { padding: 1, seed: 1 }), new nn.BatchNorm2d(3), new nn.ReLU(), new nn.Conv2d(3, 3, 3, { padding: 1, seed: 2 }));
    const r = new nn.Residual(f);
    const x = rand([2, 3, 5, 5], 15);
    const y = r.forward(x).data.slice();
    const fx = f.forward(x).data;
    for (let i = 0; i < y.length; i++) expect(y[i]).toBeCloseTo(x.data[i] + fx[i], 5);
    const gy = rand([2, 3, 5, 5], 16);
    r.forward(x);
    const gx = r.backward(gy).data.slice();
    f.forward(x);
    const gf = f.backward(gy).data;
    for (let i = 0; i < gx.length; i++) expect(gx[i]).toBeCloseTo(gy.data[i] + gf[i], 5);
    expect(() => new nn.Residual(new nn.Conv2d(3, 4, 3, { padding: 1 })).forward(x)).toThrow(/Residual.*Conv2d/);
  });

  it('a Sequential CNN (conv, BN, ReLU, pools, dropout, Flatten, Linear) runs forward/backward and learns', () => {
    const model = new nn.Sequential(
      new nn.Conv2d(1, 4, 3, { padding: 1, seed: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(4, 8, 3, { stride: 2, padding: 1, seed: 2 }), new nn.ReLU(), new nn.Dropout2d(0.1, { seed: 3 }),
      new nn.AvgPool2d(2, { stride: 1 }), new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(8, 3, { seed: 4 }),
    );
    const x = rand([6, 1, 8, 8], 17);
    const labels = Int32Array.from([0, 1, 2, 0, 1, 2]);
    // Make the classes separable: class k brightens row k.
    for (let n = 0; n < 6; n++) for (let j = 0; j < 8; j++) x.data[n * 64 + labels[n] * 8 * 2 + j] += 3;
    const loss = new nn.CrossEntropyLoss();
    const opt = new Adam(model.paramStore(), { lr: 0.05 });
    const losses: number[] = [];
    for (let s = 0; s < 40; s++) {
      model.zeroGrad();
      const out = model.forward(x);
      expect(out.shape).toEqual([6, 3]);
      losses.push(loss.forward(out, labels));
      const gx = model.backward(loss.backward());
      expect(gx.shape).toEqual([6, 1, 8, 8]);
      opt.step();
    }
    expect(losses[39]).toBeLessThan(losses[0] / 3);
    expect(model.parameters().every((p) => p.grad.some((v) => v !== 0))).toBe(true);
  });

  it('state dict round trip of a CNN, with PyTorch keys (eval outputs identical after loading)', () => {
    const make = (seed: number) => new nn.Sequential(new nn.Conv2d(2, 4, 3, { padding: 1, seed }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.Residual(new nn.Sequential(new nn.Conv2d(4, 4, 3, { padding: 1, bias: false, seed: seed + 1 }), new nn.BatchNorm2d(4))), new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(4, 2, { seed: seed + 2 }));
    const a = make(1);
    a.forward(rand([3, 2, 5, 5], 18)); // moves the running statistics
    const sd = JSON.parse(JSON.stringify(a.stateDict()));
    expect(Object.keys(sd)).toEqual([
      '0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var',
      '3.fn.0.weight', '3.fn.1.weight', '3.fn.1.bias', '3.fn.1.running_mean', '3.fn.1.running_var',
      '6.weight', '6.bias',
    ]);
    expect(sd['3.fn.0.weight'].shape).toEqual([4, 4, 3, 3]);
    const b = make(50);
    b.loadStateDict(sd);
    a.eval();
    b.eval();
    const x = rand([2, 2, 5, 5], 19);
    expect(b.forward(x).data).toEqual(a.forward(x).data);
  });

  it('the monitor names conv layers; AGC clips conv weights per output filter (OIHW), as ../shared/golden/agc.json defines', () => {
    const model = new nn.Sequential(new nn.Conv2d(2, 3, 3, { seed: 1 }), new nn.ReLU(), new nn.Flatten(), new nn.Linear(3 * 3 * 3, 2, { seed: 2 }));
    const store = model.paramStore();
    const mon = new GradientMonitor(model);
    expect(mon.names).toEqual(['0.weight', '0.bias', '3.weight', '3.bias']);
    const conv = model.layers[0] as nn.Conv2d;
    // Filter 0's gradient is huge, filter 1's tiny, filter 2's moderate: only the offending filters scale.
    const per = 2 * 3 * 3;
    for (let i = 0; i < per; i++) {
      conv.weight.grad[i] = 100;
      conv.weight.grad[per + i] = 1e-6;
      conv.weight.grad[2 * per + i] = 50;
    }
    const before = conv.weight.grad.slice();
    agcClip(store.params, store.grads, { clipping: 0.01 });
    const norm = (a: Float32Array, o: number) => Math.hypot(...a.subarray(o * per, (o + 1) * per));
    for (let o = 0; o < 3; o++) {
      const w = Math.max(norm(conv.weight.data, o), 1e-3);
      const g = norm(before, o);
      const want = g > 0.01 * w ? (0.01 * w) / g : 1;
      for (let i = 0; i < per; i++) expect(conv.weight.grad[o * per + i]).toBeCloseTo(before[o * per + i] * want, 6);
    }
    expect(conv.weight.grad.subarray(per, 2 * per)).toEqual(before.subarray(per, 2 * per));
    mon.record(1, 0.5);
    expect(mon.lastStep).toBe(1);
  });

  it('the Trainer trains a tiny CNN unchanged (clip, AGC, monitor), and eval() switches BatchNorm and Dropout', async () => {
    const model = new nn.Sequential(new nn.Conv2d(1, 4, 3, { padding: 1, seed: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.Dropout(0.1, { seed: 5 }), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(4 * 3 * 3, 2, { seed: 2 }));
    const data = Array.from({ length: 6 }, (_, b) => {
      const x = randomFloats(8 * 36, 40 + b);
      const y = Int32Array.from({ length: 8 }, (_, i) => (i + b) % 2);
      for (let i = 0; i < 8; i++) if (y[i] === 1) for (let j = 0; j < 36; j++) x[i * 36 + j] += 1.5;
      return { input: T(x, [8, 1, 6, 6]), target: y };
    });
    const mon = new GradientMonitor(model);
    const losses: number[] = [];
    const trainer = new Trainer({ model, loss: new nn.CrossEntropyLoss(), optimizer: (p) => new Adam(p, { lr: 0.02 }), clip: { maxNorm: 1.0 }, agc: { clipping: 0.5 }, monitor: mon, silent: true, handleSigint: false, onEpoch: (e) => losses.push(e.meanLoss) });
    const r = await trainer.fit(data, { epochs: 10 });
    expect(r).toMatchObject({ steps: 60, skippedSteps: 0, reason: 'completed' });
    expect(losses[9]).toBeLessThan(losses[0] / 2);
    expect(mon.summary().recorded).toBe(60);
    model.eval();
    const x = data[0].input;
    expect(model.forward(x).data).toEqual(model.forward(x).data.slice()); // deterministic in eval
  });
});
