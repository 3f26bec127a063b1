// conv2d / conv1d on every backend and ISA against the float64 direct loops of conv-ref.ts (PyTorch's
// formulas), hand-computed cases, accumulate and skipped outputs, and one test per argument error.
import { describe, expect, it } from 'vitest';
import { ops } from '../../lib/index.js';
import { targets, useTarget } from '../helpers/targets.js';
import { lcgFloats } from '../helpers/random.js';
import { lengths, opts2d, outSize, refBackward, refForward, SHAPES, geo } from './conv-ref.js';

function expectNear(actual: Float32Array, expected: Float64Array, what: string, tol = 2e-5): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    if (!(Math.abs(actual[i] - e) <= tol * (1 + Math.abs(e)))) throw new Error(`${what}[${i}]: got ${actual[i]}, expected ${e}`);
  }
}

describe.each(targets)('conv2d / conv1d on $name', (t) => {
  useTarget(t);

  it.each(SHAPES)('%s: forward and backward match the float64 reference', (_, s) => {
    const L = lengths(s);
    const x = lcgFloats(L.x, 1 + L.x);
    const w = lcgFloats(L.w, 2 + L.w, 0.5);
    const b = lcgFloats(s.co, 3);
    const gy = lcgFloats(L.y, 4 + L.y);
    const o = opts2d(s);
    const y = new Float32Array(L.y).fill(NaN);
    expect(ops.conv2dForward(x, w, b, y, o)).toBe(y);
    expectNear(y, refForward(s, x, w, b), 'y');
    const r = refBackward(s, x, w, gy);
    const gradX = new Float32Array(L.x).fill(NaN);
    const gradWeight = new Float32Array(L.w).fill(NaN);
    const gradBias = new Float32Array(s.co).fill(NaN);
    ops.conv2dBackward(x, w, gy, { gradX, gradWeight, gradBias }, o);
    expectNear(gradX, r.gx, 'gradX');
    expectNear(gradWeight, r.gw, 'gradWeight');
    expectNear(gradBias, r.gb, 'gradBias');
    // Without bias, y is the sum alone.
    const y0 = new Float32Array(L.y).fill(NaN);
    ops.conv2dForward(x, w, null, y0, o);
    expectNear(y0, refForward(s, x, w, null), 'y without bias');
  });

  it('accumulate adds into gradWeight and gradBias, gradX is overwritten, skipped outputs are untouched', () => {
    const s = geo({ n: 2, ci: 4, co: 6, h: 6, w: 5, kh: 3, kw: 3, ph: 1, pw: 1, g: 2 });
    const L = lengths(s);
    const x = lcgFloats(L.x, 5);
    const w = lcgFloats(L.w, 6);
    const gy = lcgFloats(L.y, 7);
    const r = refBackward(s, x, w, gy);
    const gradWeight = new Float32Array(L.w).fill(1);
    const gradBias = new Float32Array(s.co).fill(-2);
    const gradX = new Float32Array(L.x).fill(7);
    ops.conv2dBackward(x, w, gy, { gradX, gradWeight, gradBias }, { ...opts2d(s), accumulate: true });
    expectNear(gradWeight, r.gw.map((v) => v + 1), 'gradWeight');
    expectNear(gradBias, r.gb.map((v) => v - 2), 'gradBias');
    expectNear(gradX, r.gx, 'gradX');
    const onlyBias = new Float32Array(s.co);
    ops.conv2dBackward(x, w, gy, { gradBias: onlyBias }, opts2d(s));
    expectNear(onlyBias, r.gb, 'gradBias alone');
    const onlyW = new Float32Array(L.w);
    ops.conv2dBackward(x, w, gy, { gradWeight: onlyW, gradX: null }, opts2d(s));
    expectNear(onlyW, r.gw, 'gradWeight alone');
  });

  it('batch 0: y and gradX empty, gradWeight and gradBias zeroed (or kept with accumulate)', () => {
    const o = { batch: 0, inChannels: 2, outChannels: 3, height: 4, width: 4, kernelSize: 3 };
    const gw = new Float32Array(3 * 2 * 9).fill(5);
    const gb = new Float32Array(3).fill(5);
    ops.conv2dBackward(new Float32Array(0), new Float32Array(54), new Float32Array(0), { gradX: new Float32Array(0), gradWeight: gw, gradBias: gb }, o);
    expect([...gw].every((v) => v === 0) && [...gb].every((v) => v === 0)).toBe(true);
    gw.fill(5);
    ops.conv2dBackward(new Float32Array(0), new Float32Array(54), new Float32Array(0), { gradWeight: gw }, { ...o, accumulate: true });
    expect(gw.every((v) => v === 5)).toBe(true);
  });

  it('a hand case: 1 channel 3×3 input, 2×2 kernel, bias, and its backward', () => {
    const x = Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9);
    const w = Float32Array.of(1, 0, 0, -1);
    const y = new Float32Array(4);
    ops.conv2dForward(x, w, Float32Array.of(10), y, { batch: 1, inChannels: 1, outChannels: 1, height: 3, width: 3, kernelSize: 2 });
    expect([...y]).toEqual([6, 6, 6, 6]); // x[i][j] − x[i+1][j+1] = −4, + 10
    const gradX = new Float32Array(9);
    const gradWeight = new Float32Array(4);
    const gradBias = new Float32Array(1);
    ops.conv2dBackward(x, w, Float32Array.of(1, 2, 3, 4), { gradX, gradWeight, gradBias }, { batch: 1, inChannels: 1, outChannels: 1, height: 3, width: 3, kernelSize: 2 });
    expect([...gradX]).toEqual([1, 2, 0, 3, 3, -2, 0, -3, -4]);
    expect([...gradWeight]).toEqual([1 + 4 + 12 + 20, 2 + 6 + 15 + 24, 4 + 10 + 21 + 32, 5 + 12 + 24 + 36]);
    expect([...gradBias]).toEqual([10]);
  });

  it('stride 2 floor: input columns past the last window get gradX = 0', () => {
    const o = { batch: 1, inChannels: 1, outChannels: 1, height: 1, width: 4, kernelSize: [1, 1] as const, stride: [1, 3] as const };
    expect(ops.conv2dOutputSize(o)).toEqual([1, 2]);
    const gradX = new Float32Array(4).fill(NaN);
    ops.conv2dBackward(Float32Array.of(1, 2, 3, 4), Float32Array.of(2), Float32Array.of(1, 1), { gradX }, o);
    expect([...gradX]).toEqual([2, 0, 0, 2]);
  });

  it('conv1d is conv2d of height 1, and its output length follows PyTorch', () => {
    const o1 = { batch: 2, inChannels: 6, outChannels: 4, length: 23, kernelSize: 4, stride: 2, padding: 3, dilation: 2, groups: 2 };
    const s = geo({ n: 2, ci: 6, co: 4, h: 1, w: 23, kh: 1, kw: 4, sw: 2, pw: 3, dw: 2, g: 2 });
    const L = lengths(s);
    expect(ops.conv1dOutputLength(o1)).toBe(outSize(s)[1]);
    const x = lcgFloats(L.x, 8);
    const w = lcgFloats(L.w, 9);
    const b = lcgFloats(4, 10);
    const gy = lcgFloats(L.y, 11);
    const y = new Float32Array(L.y);
    ops.conv1dForward(x, w, b, y, o1);
    expectNear(y, refForward(s, x, w, b), 'y');
    const g = { gradX: new Float32Array(L.x), gradWeight: new Float32Array(L.w), gradBias: new Float32Array(4) };
    ops.conv1dBackward(x, w, gy, g, o1);
    const r = refBackward(s, x, w, gy);
    expectNear(g.gradX, r.gx, 'gradX');
    expectNear(g.gradWeight, r.gw, 'gradWeight');
    expectNear(g.gradBias, r.gb, 'gradBias');
  });

  it('NaN and Inf propagate to the outputs they reach', () => {
    const x = Float32Array.of(1, NaN, 3, 4, Infinity, 6);
    const y = new Float32Array(3);
    ops.conv1dForward(x, Float32Array.of(1, 1), null, y, { batch: 1, inChannels: 2, outChannels: 1, length: 3, kernelSize: 1 });
    expect(y[0]).toBe(5);
    expect(Number.isNaN(y[1])).toBe(true);
    expect(y[2]).toBe(9);
    const gw = new Float32Array(2);
    ops.conv1dBackward(x, Float32Array.of(1, 1), Float32Array.of(1, 1, 1), { gradWeight: gw }, { batch: 1, inChannels: 2, outChannels: 1, length: 3, kernelSize: 1 });
    expect(gw[0]).toBeNaN();
    expect(gw[1]).toBe(Infinity);
  });

  it('async forms give the sync results', async () => {
    const s = SHAPES[2][1];
    const L = lengths(s);
    const x = lcgFloats(L.x, 12);
    const w = lcgFloats(L.w, 13);
    const gy = lcgFloats(L.y, 14);
    const o = opts2d(s);
    const y1 = ops.conv2dForward(x, w, null, new Float32Array(L.y), o);
    const y2 = await ops.conv2dForwardAsync(x, w, null, new Float32Array(L.y), o);
    expect(y2).toEqual(y1);
    const a = { gradX: new Float32Array(L.x), gradWeight: new Float32Array(L.w) };
    const b = { gradX: new Float32Array(L.x), gradWeight: new Float32Array(L.w) };
    ops.conv2dBackward(x, w, gy, a, o);
    await ops.conv2dBackwardAsync(x, w, gy, b, o);
    expect(b).toEqual(a);
  });
});

describe('conv argument errors name the argument and the shapes, and write nothing', () => {
  const o = { batch: 1, inChannels: 2, outChannels: 4, height: 5, width: 5, kernelSize: 3 };
  const x = new Float32Array(50);
  const w = new Float32Array(72);
  const y = new Float32Array(36).fill(7);
  const fwd = (opts: object, xx: Float32Array = x, ww: Float32Array = w, bb: Float32Array | null = null, yy: Float32Array = y) => () => ops.conv2dForward(xx, ww, bb, yy, opts as ops.Conv2dOptions);

  it.each<[string, object, RegExp]>([
    ['zero stride', { stride: 0 }, /options\.stride: expected an integer >= 1/],
    ['negative stride in a pair', { stride: [1, -1] }, /options\.stride\[1\]: expected an integer >= 1/],
    ['zero dilation', { dilation: 0 }, /options\.dilation/],
    ['negative padding', { padding: -1 }, /options\.padding: expected a non-negative integer/],
    ['kernel larger than the padded input', { kernelSize: 7 }, /options\.kernelSize: the kernel \(7, dilation 1: spans 7 rows\) is larger than the padded input \(5 rows \+ 2·padding 0 = 5\)/],
    ['dilated kernel larger than the padded input', { kernelSize: 3, dilation: [1, 3] }, /options\.kernelSize: the kernel \(3, dilation 3: spans 7 columns\) is larger than the padded input \(5 columns \+ 2·padding 0 = 5\)/],
    ['groups not dividing the channels', { groups: 3 }, /options\.groups: expected a divisor of inChannels \(2\) and outChannels \(4\)/],
    ['zero groups', { groups: 0 }, /options\.groups: expected an integer >= 1/],
    ['a kernel pair of the wrong length', { kernelSize: [3, 3, 3] }, /options\.kernelSize: expected an integer >= 1 or an \[h, w\] pair/],
  ])('%s is a RangeError/TypeError naming it', (_, extra, msg) => {
    expect(fwd({ ...o, ...extra })).toThrow(msg);
    expect(y.every((v) => v === 7)).toBe(true);
  });

  it('a dilated kernel that fits exactly is accepted', () => {
    expect(ops.conv2dOutputSize({ ...o, kernelSize: 3, dilation: [1, 3], padding: 1 })).toEqual([5, 1]);
  });

  it('missing kernelSize and unknown options are TypeErrors', () => {
    expect(fwd({ ...o, kernelSize: undefined })).toThrow(TypeError);
    expect(fwd({ ...o, kernelsize: 3 })).toThrow(/kernelsize is not an option \(did you mean kernelSize\?\)/);
  });

  it('wrong lengths name the argument and the shape', () => {
    expect(fwd(o, new Float32Array(49))).toThrow(/x: expected 50 elements \(\[1, 2, 5, 5\]\)/);
    expect(fwd(o, x, new Float32Array(71))).toThrow(/weight: expected 72 elements \(\[4, 2, 3, 3\]\)/);
    expect(fwd(o, x, w, new Float32Array(3))).toThrow(/bias: expected 4 elements \(\[4\]\)/);
    expect(fwd(o, x, w, null, new Float32Array(35))).toThrow(/y: expected 36 elements \(\[1, 4, 3, 3\]\)/);
    expect(() => ops.conv1dForward(x, w, null, y, { batch: 1, inChannels: 2, outChannels: 4, length: 24, kernelSize: 9 })).toThrow(/x: expected 48 elements \(\[1, 2, 24\]\)/);
    const gy = new Float32Array(36);
    expect(() => ops.conv2dBackward(x, w, new Float32Array(5), {}, o)).toThrow(/gradY: expected 36 elements \(\[1, 4, 3, 3\]\)/);
    expect(() => ops.conv2dBackward(x, w, gy, { gradX: new Float32Array(1) }, o)).toThrow(/grads\.gradX: expected 50 elements/);
    expect(() => ops.conv2dBackward(x, w, gy, { gradWeight: new Float32Array(1) }, o)).toThrow(/grads\.gradWeight: expected 72 elements/);
    expect(() => ops.conv2dBackward(x, w, gy, { gradBias: new Float32Array(1) }, o)).toThrow(/grads\.gradBias: expected 4 elements/);
  });

  it('wrong types are TypeErrors', () => {
    expect(fwd(o, [] as unknown as Float32Array)).toThrow(TypeError);
    expect(fwd(o, x, w, new Float64Array(4) as unknown as Float32Array)).toThrow(/bias/);
    expect(() => ops.conv2dBackward(x, w, new Float32Array(36), { gradX: new Float64Array(50) as unknown as Float32Array }, o)).toThrow(/grads\.gradX/);
    expect(() => ops.conv2dBackward(x, w, new Float32Array(36), {}, { ...o, accumulate: 1 as unknown as boolean })).toThrow(/options\.accumulate/);
    expect(() => ops.conv1dForward(x, w, null, y, { batch: 1, inChannels: 2, outChannels: 4, length: 25, kernelSize: [3, 3] as unknown as number })).toThrow(/options\.kernelSize/);
  });

  it('outputs overlapping inputs or each other are RangeErrors', () => {
    const buf = new Float32Array(200);
    expect(fwd(o, buf.subarray(0, 50), w, null, buf.subarray(40, 76))).toThrow(/y: expected an array that shares no memory with x/);
    const gy = new Float32Array(36);
    expect(() => ops.conv2dBackward(x, w, gy, { gradX: buf.subarray(0, 50), gradWeight: buf.subarray(49, 121) }, o)).toThrow(/grads\.gradX: expected an array that shares no memory with grads\.gradWeight/);
    expect(() => ops.conv2dBackward(x, w, gy, { gradWeight: w }, o)).toThrow(/grads\.gradWeight: expected an array that shares no memory with weight/);
  });

  it('async forms reject with the same errors', async () => {
    await expect(ops.conv2dForwardAsync(x, w, null, y, { ...o, stride: 0 })).rejects.toThrow(/options\.stride/);
    await expect(ops.conv1dBackwardAsync(x, w, y, {}, { batch: 1, inChannels: 2, outChannels: 4, length: 25, kernelSize: 3, groups: 3 })).rejects.toThrow(/options\.groups/);
  });
});
