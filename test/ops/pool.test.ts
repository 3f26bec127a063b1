// MaxPool2d / AvgPool2d / AdaptiveAvgPool2d on every backend and ISA: hand cases for PyTorch's
// rules (first maximum on ties, NaN wins, all −Inf windows, count_include_pad, ceil_mode, uneven
// adaptive bins), an independent float64 reference over many geometries, and one test per
// argument error.
import { describe, expect, it } from 'vitest';
import { ops } from '../../lib/index.js';
import { targets, useTarget } from '../helpers/targets.js';
import { lcgFloats as randomFloats } from '../helpers/random.js';

const { maxPool2dForward, maxPool2dBackward, avgPool2dForward, avgPool2dBackward, adaptiveAvgPool2dForward, adaptiveAvgPool2dBackward, maxPool2dOutputSize, avgPool2dOutputSize } = ops;

type P2 = [number, number];
interface Geo { n: number; c: number; h: number; w: number; k: P2; s: P2; p: P2; d: P2; ceil: boolean }

/** PyTorch's pooling_output_shape, written out independently of lib/. */
function outSize(size: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  let o = Math.floor((size + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (o - 1) * s >= size + p) o--;
  return o;
}

/** Float64 reference of max pooling: value and in-plane index per window (first max, NaN wins). */
function refMax(x: Float32Array, g: Geo): { y: number[]; idx: number[] } {
  const oh = outSize(g.h, g.k[0], g.s[0], g.p[0], g.d[0], g.ceil);
  const ow = outSize(g.w, g.k[1], g.s[1], g.p[1], g.d[1], g.ceil);
  const y: number[] = [];
  const idx: number[] = [];
  for (let pl = 0; pl < g.n * g.c; pl++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const cands: [number, number][] = [];
        for (let a = 0; a < g.k[0]; a++) {
          for (let b = 0; b < g.k[1]; b++) {
            const r = i * g.s[0] - g.p[0] + a * g.d[0];
            const q = j * g.s[1] - g.p[1] + b * g.d[1];
            if (r >= 0 && r < g.h && q >= 0 && q < g.w) cands.push([x[pl * g.h * g.w + r * g.w + q], r * g.w + q]);
          }
        }
        const nan = cands.find(([v]) => Number.isNaN(v));
        const m = Math.max(...cands.map(([v]) => v));
        const pick = nan ?? cands.find(([v]) => v === m)!;
        y.push(pick[0]);
        idx.push(pick[1]);
      }
    }
  }
  return { y, idx };
}

const opts = (g: Geo) => ({ batch: g.n, channels: g.c, height: g.h, width: g.w, kernelSize: g.k, stride: g.s, padding: g.p, dilation: g.d, ceilMode: g.ceil });

describe.each(targets)('pooling on $name', (t) => {
  useTarget(t);

  it('MaxPool2d routes ties to the first maximal element in row-major window order', () => {
    const x = new Float32Array([1, 3, 3, 1, 2, 3, 0, 3, 3]); // 3×3, kernel 2 stride 1
    const o = { batch: 1, channels: 1, height: 3, width: 3, kernelSize: 2, stride: 1 };
    const y = new Float32Array(4);
    const idx = new Int32Array(4);
    maxPool2dForward(x, y, idx, o);
    expect(Array.from(y)).toEqual([3, 3, 3, 3]);
    expect(Array.from(idx)).toEqual([1, 1, 7, 5]);
    const gx = new Float32Array(9).fill(7);
    maxPool2dBackward(new Float32Array([1, 2, 3, 4]), idx, gx, o);
    expect(Array.from(gx)).toEqual([0, 3, 0, 0, 0, 4, 0, 3, 0]);
  });

  it('MaxPool2d: a NaN wins (beating +Inf), an all −Inf window routes to its first valid element, padding never wins', () => {
    const inf = Infinity;
    // 2×4, kernel 2 stride 2 padding 1 → 2×3 windows.
    const x = new Float32Array([-inf, inf, NaN, 2, -inf, -inf, 5, -1]);
    const o = { batch: 1, channels: 1, height: 2, width: 4, kernelSize: 2, padding: 1 };
    expect(maxPool2dOutputSize(o)).toEqual([2, 3]);
    const y = new Float32Array(6);
    const idx = new Int32Array(6);
    maxPool2dForward(x, y, idx, o);
    expect(Array.from(y)).toEqual([-inf, NaN, 2, -inf, 5, -1]);
    expect(Array.from(idx)).toEqual([0, 2, 3, 4, 6, 7]);
  });

  it('MaxPool2d: a negative maximum beats the padding (which acts as −∞)', () => {
    const x = new Float32Array([-5, -4, -3, -2]);
    const y = new Float32Array(4);
    maxPool2dForward(x, y, null, { batch: 1, channels: 1, height: 2, width: 2, kernelSize: 3, stride: 1, padding: 1 });
    expect(Array.from(y)).toEqual([-2, -2, -2, -2]);
  });

  it('MaxPool2d matches a float64 reference over strides, paddings, dilations, ceil mode and odd sizes', () => {
    const geos: Geo[] = [];
    for (const [h, w] of [[1, 1], [5, 7], [8, 8], [17, 9], [28, 28]] as P2[]) {
      for (const [k, s, p, d] of [[[1, 1], [1, 1], [0, 0], [1, 1]], [[2, 2], [2, 2], [0, 0], [1, 1]], [[3, 3], [2, 2], [1, 1], [1, 1]], [[3, 3], [1, 1], [1, 1], [1, 1]], [[2, 3], [1, 2], [1, 1], [1, 1]], [[3, 2], [2, 1], [1, 0], [2, 2]]] as P2[][]) {
        for (const ceil of [false, true]) {
          if (d[0] * (k[0] - 1) + 1 > h + 2 * p[0] || d[1] * (k[1] - 1) + 1 > w + 2 * p[1]) continue;
          geos.push({ n: 2, c: 3, h, w, k, s, p, d, ceil });
        }
      }
    }
    expect(geos.length).toBeGreaterThan(30);
    for (const g of geos) {
      let x: Float32Array;
      // Integer data makes ties common; sprinkle a NaN and infinities.
      x = Float32Array.from(randomFloats(g.n * g.c * g.h * g.w, g.h * 31 + g.k[0]), (v) => Math.round(v * 4));
      if (x.length > 10) {
        x[3] = NaN;
        x[7] = -Infinity;
        x[9] = Infinity;
      }
      const { y: ry, idx: ri } = refMax(x, g);
      const y = new Float32Array(ry.length);
      const idx = new Int32Array(ry.length);
      maxPool2dForward(x, y, idx, opts(g));
      expect(Array.from(y), JSON.stringify(g)).toEqual(ry);
      expect(Array.from(idx), JSON.stringify(g)).toEqual(ri);
      const gy = randomFloats(ry.length, 5);
      const gx = new Float32Array(x.length).fill(NaN);
      maxPool2dBackward(gy, idx, gx, opts(g));
      const want = new Float32Array(x.length);
      const hw = g.h * g.w;
      const per = ry.length / (g.n * g.c);
      for (let o = 0; o < ry.length; o++) want[Math.floor(o / per) * hw + ri[o]] += gy[o];
      expect(Array.from(gx), JSON.stringify(g)).toEqual(Array.from(want));
    }
  });

  it('MaxPool2d with a single element, and with batch 0 (nothing to do)', () => {
    const y = new Float32Array(1);
    maxPool2dForward(new Float32Array([-3]), y, null, { batch: 1, channels: 1, height: 1, width: 1, kernelSize: 1 });
    expect(y[0]).toBe(-3);
    const o = { batch: 0, channels: 2, height: 4, width: 4, kernelSize: 2 };
    expect(maxPool2dForward(new Float32Array(0), new Float32Array(0), new Int32Array(0), o).length).toBe(0);
    expect(maxPool2dBackward(new Float32Array(0), new Int32Array(0), new Float32Array(0), o).length).toBe(0);
  });

  it('AvgPool2d: count_include_pad counts the padding, false counts only valid elements', () => {
    const x = new Float32Array([1, 2, 3, 4]); // 2×2, kernel 2 stride 2 padding 1 → 2×2
    const base = { batch: 1, channels: 1, height: 2, width: 2, kernelSize: 2, padding: 1 };
    expect(avgPool2dOutputSize(base)).toEqual([2, 2]);
    const y = new Float32Array(4);
    avgPool2dForward(x, y, base);
    expect(Array.from(y)).toEqual([0.25, 0.5, 0.75, 1]);
    avgPool2dForward(x, y, { ...base, countIncludePad: false });
    expect(Array.from(y)).toEqual([1, 2, 3, 4]);
    const gx = new Float32Array(4);
    avgPool2dBackward(new Float32Array([4, 4, 4, 4]), gx, base);
    expect(Array.from(gx)).toEqual([1, 1, 1, 1]);
  });

  it('AvgPool2d with ceil mode divides a partial last window by its part inside the padded input', () => {
    // H = W = 3, kernel 2 stride 2, ceil: windows [0,2), [2,4) clipped to [2,3) (padded extent min(4, 3) − 2 = 1).
    const o = { batch: 1, channels: 1, height: 3, width: 3, kernelSize: 2, ceilMode: true };
    expect(avgPool2dOutputSize(o)).toEqual([2, 2]);
    const y = new Float32Array(4);
    avgPool2dForward(new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), y, o);
    expect(Array.from(y)).toEqual([3, 4.5, 7.5, 9]);
  });

  it('AvgPool2d matches a float64 reference over geometries (backward: the adjoint of the forward)', () => {
    for (const [h, w, k, s, p] of [[7, 7, 3, 1, 1], [9, 10, 3, 2, 1], [5, 6, 2, 2, 1], [28, 28, 3, 2, 1], [1, 1, 1, 1, 0]]) {
      for (const include of [true, false]) {
        const o = { batch: 2, channels: 3, height: h, width: w, kernelSize: k, stride: s, padding: p, countIncludePad: include };
        const [oh, ow] = avgPool2dOutputSize(o);
        const x = randomFloats(2 * 3 * h * w, h + k);
        const y = new Float32Array(2 * 3 * oh * ow);
        avgPool2dForward(x, y, o);
        const gy = randomFloats(y.length, 9);
        const gx = new Float32Array(x.length);
        avgPool2dBackward(gy, gx, o);
        let lhs = 0;
        for (let pl = 0; pl < 6; pl++) {
          for (let i = 0; i < oh; i++) {
            for (let j = 0; j < ow; j++) {
              const r0 = i * s - p;
              const c0 = j * s - p;
              let sum = 0;
              let cnt = 0;
              for (let r = Math.max(r0, 0); r < Math.min(r0 + k, h); r++) for (let c = Math.max(c0, 0); c < Math.min(c0 + k, w); c++, cnt++) sum += x[pl * h * w + r * w + c];
              const div = include ? (Math.min(r0 + k, h + p) - r0) * (Math.min(c0 + k, w + p) - c0) : cnt;
              const o2 = pl * oh * ow + i * ow + j;
              expect(y[o2]).toBeCloseTo(sum / div, 6);
              lhs += gy[o2] * (sum / div);
            }
          }
        }
        let rhs = 0;
        for (let i = 0; i < x.length; i++) rhs += gx[i] * x[i];
        expect(rhs).toBeCloseTo(lhs, 4);
      }
    }
  });

  it('AdaptiveAvgPool2d: global, uneven overlapping bins (7 → 2) and more outputs than inputs (3 → 4)', () => {
    const x = Float32Array.from({ length: 7 }, (_, i) => i); // 7×1
    const y = new Float32Array(2);
    adaptiveAvgPool2dForward(x, y, { batch: 1, channels: 1, height: 7, width: 1, outputSize: [2, 1] });
    expect(Array.from(y)).toEqual([1.5, 4.5]); // bins [0,4), [3,7)
    const y4 = new Float32Array(4);
    adaptiveAvgPool2dForward(new Float32Array([1, 2, 4]), y4, { batch: 1, channels: 1, height: 3, width: 1, outputSize: [4, 1] });
    expect(Array.from(y4)).toEqual([1, 1.5, 3, 4]); // [0,1), [0,2), [1,3), [2,3)
    const gx = new Float32Array(3);
    adaptiveAvgPool2dBackward(new Float32Array([1, 1, 1, 1]), gx, { batch: 1, channels: 1, height: 3, width: 1, outputSize: [4, 1] });
    expect(Array.from(gx)).toEqual([1.5, 1, 1.5]);
    const g = new Float32Array(2);
    adaptiveAvgPool2dForward(Float32Array.from({ length: 18 }, (_, i) => i), g, { batch: 1, channels: 2, height: 3, width: 3, outputSize: 1 });
    expect(Array.from(g)).toEqual([4, 13]);
  });

  it('propagates NaN and Inf through the averages', () => {
    const y = new Float32Array(2);
    avgPool2dForward(new Float32Array([1, NaN, Infinity, 2]), y, { batch: 1, channels: 1, height: 1, width: 4, kernelSize: [1, 2] });
    expect(Array.from(y)).toEqual([NaN, Infinity]);
  });
});

describe('pooling argument errors (named, thrown before anything is written)', () => {
  const o = { batch: 1, channels: 1, height: 4, width: 4, kernelSize: 2 };
  const x = new Float32Array(16);
  const y = new Float32Array(4).fill(9);
  it.each([
    ['options.kernelSize', TypeError, { ...o, kernelSize: '2' }],
    ['options.kernelSize', RangeError, { ...o, kernelSize: 0 }],
    ['options.kernelSize[1]', RangeError, { ...o, kernelSize: [2, 1.5] }],
    ['options.stride', RangeError, { ...o, stride: 0 }],
    ['options.padding[0]', RangeError, { ...o, padding: [2, 0] }],
    ['options.dilation', RangeError, { ...o, dilation: 0 }],
    ['options.ceilMode', TypeError, { ...o, ceilMode: 1 }],
    ['options.batch', RangeError, { ...o, batch: -1 }],
    ['options.kernelSize[0]', RangeError, { ...o, kernelSize: 5 }],
    ['options.dilation[0]', RangeError, { ...o, height: 2, width: 2, kernelSize: 2, stride: 1, padding: 1, dilation: 3 }],
  ])('%s (%o)', (name, type, bad) => {
    expect(() => maxPool2dForward(x, y, null, bad as typeof o)).toThrow(type);
    expect(() => maxPool2dForward(x, y, null, bad as typeof o)).toThrow(name);
    expect(Array.from(y)).toEqual([9, 9, 9, 9]);
  });
  it('names wrong lengths and types of x, y, indices, gradY and gradX', () => {
    expect(() => maxPool2dForward(new Float32Array(15), y, null, o)).toThrow(/x: expected 16 elements/);
    expect(() => maxPool2dForward(x, new Float32Array(3), null, o)).toThrow(/y: expected 4 elements/);
    expect(() => maxPool2dForward(x, y, new Int32Array(3), o)).toThrow(/indices: expected 4 elements/);
    expect(() => maxPool2dForward(x, y, new Float32Array(4) as unknown as Int32Array, o)).toThrow(/indices: expected an Int32Array or null/);
    expect(() => maxPool2dForward([1] as unknown as Float32Array, y, null, o)).toThrow(TypeError);
    expect(() => maxPool2dBackward(new Float32Array(3), new Int32Array(4), x, o)).toThrow(/gradY: expected 4/);
    expect(() => maxPool2dBackward(y, new Int32Array(4), new Float32Array(3), o)).toThrow(/gradX: expected 16/);
    expect(() => avgPool2dForward(x, new Float32Array(5), o)).toThrow(/y: expected 4/);
    expect(() => avgPool2dBackward(y, new Float32Array(3), o)).toThrow(/gradX: expected 16/);
  });
  it('refuses an index outside its plane, leaving gradX untouched', () => {
    const gx = new Float32Array(16).fill(3);
    expect(() => maxPool2dBackward(y, new Int32Array([0, 1, 16, 2]), gx, o)).toThrow(/indices\[2\]: expected an index within its 4×4 plane/);
    expect(() => maxPool2dBackward(y, new Int32Array([0, -1, 1, 2]), gx, o)).toThrow(RangeError);
    expect(gx.every((v) => v === 3)).toBe(true);
  });
  it('refuses outputs that overlap an input', () => {
    const buf = new Float32Array(20);
    expect(() => maxPool2dForward(buf.subarray(0, 16), buf.subarray(16, 20), new Int32Array(4), o)).not.toThrow();
    expect(() => maxPool2dForward(buf.subarray(0, 16), buf.subarray(12, 16), null, o)).toThrow(/y: expected an array that shares no memory with x/);
    expect(() => avgPool2dBackward(buf.subarray(0, 4), buf.subarray(2, 18), o)).toThrow(/gradX: expected an array that shares no memory with gradY/);
  });
  it('adaptive: outputSize >= 1 and a non-empty input plane', () => {
    const a = { batch: 1, channels: 1, height: 4, width: 4, outputSize: 2 };
    expect(() => adaptiveAvgPool2dForward(x, y, { ...a, outputSize: 0 })).toThrow(/options.outputSize/);
    expect(() => adaptiveAvgPool2dForward(new Float32Array(0), new Float32Array(2), { ...a, height: 0, outputSize: [1, 2] })).toThrow(/options.height/);
    expect(() => adaptiveAvgPool2dForward(x, y, { ...a, kernelSize: 2 } as typeof a)).toThrow(/kernelSize is not an option/);
  });
  it('avg: countIncludePad must be a boolean and padding at most half the kernel', () => {
    expect(() => avgPool2dForward(x, y, { ...o, countIncludePad: 'yes' as unknown as boolean })).toThrow(/options.countIncludePad/);
    expect(() => avgPool2dForward(x, y, { ...o, padding: 2 })).toThrow(/options.padding\[0\]: expected at most half/);
  });
});
