// ops.softmax / logSoftmax and their backward: PyTorch semantics on hand cases (masking, all-masked
// rows, ±100 logits, rows of 1 and of many) on every backend and ISA, and the argument errors.
import { describe, expect, it } from 'vitest';
import { ops } from '../../lib/index.js';
import { targets, useTarget } from '../helpers/targets.js';
import { lcgFloats } from '../helpers/random.js';

const NEG = -Infinity;

/** float64 reference rows. */
function refSoftmax(x: Float32Array, rows: number, cols: number, log: boolean): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let j = 0; j < cols; j++) m = Math.max(m, x[r * cols + j]);
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp(x[r * cols + j] - m);
    for (let j = 0; j < cols; j++) y[r * cols + j] = log ? x[r * cols + j] - m - Math.log(s) : Math.exp(x[r * cols + j] - m) / s;
  }
  return y;
}

function expectNear(a: Float32Array, e: ArrayLike<number>, rtol = 2e-6, atol = 1e-7): void {
  expect(a.length).toBe(e.length);
  for (let i = 0; i < e.length; i++) {
    const ok = Number.isNaN(e[i]) ? Number.isNaN(a[i]) : !Number.isFinite(e[i]) ? a[i] === e[i] : Math.abs(a[i] - e[i]) <= atol + rtol * Math.abs(e[i]);
    if (!ok) throw new Error(`[${i}]: got ${a[i]}, expected ${e[i]}`);
  }
}

describe.each(targets)('softmax on $name', (t) => {
  useTarget(t);

  it('matches the float64 reference over odd and large sizes, ±100 logits, both fns', () => {
    for (const [rows, cols] of [[1, 1], [3, 7], [2, 8], [5, 9], [4, 15], [2, 16], [3, 17], [2, 1000], [1, 4099]]) {
      const x = lcgFloats(rows * cols, rows * 31 + cols, 100);
      for (const log of [false, true]) {
        const y = new Float32Array(x.length);
        (log ? ops.logSoftmax : ops.softmax)(x, y, { rows, cols });
        expectNear(y, refSoftmax(x, rows, cols, log), 2e-6, log ? 2e-5 : 1e-7);
      }
    }
  });

  it('masked entries, an all -Infinity row (NaN) and rows of length 1', () => {
    const x = Float32Array.from([1, NEG, 2, NEG, NEG, NEG, NEG, NEG, 5, NEG, NEG, NEG]);
    const y = ops.softmax(x, new Float32Array(12), { rows: 3, cols: 4 });
    const e = Math.exp(1) + Math.exp(2);
    expectNear(y, [Math.exp(1) / e, 0, Math.exp(2) / e, 0, NaN, NaN, NaN, NaN, 1, 0, 0, 0]);
    const ly = ops.logSoftmax(x, new Float32Array(12), { rows: 3, cols: 4 });
    expectNear(ly, [1 - Math.log(e), NEG, 2 - Math.log(e), NEG, NaN, NaN, NaN, NaN, 0, NEG, NEG, NEG]);
    const gy = Float32Array.from([1, 2, 3, 4, 1, 1, 1, 1, 7, 8, 9, 10]);
    const gx = ops.softmaxBackward(y, gy, new Float32Array(12), { rows: 3, cols: 4 });
    const s = y[0] * 1 + y[2] * 3;
    expectNear(gx, [y[0] * (1 - s), 0, y[2] * (3 - s), 0, NaN, NaN, NaN, NaN, 0, 0, 0, 0]);
    const lgx = ops.logSoftmaxBackward(ly, gy, new Float32Array(12), { rows: 3, cols: 4 });
    expectNear(lgx, [1 - y[0] * 10, 2, 3 - y[2] * 10, 4, NaN, NaN, NaN, NaN, 7 - 34, 8, 9, 10]);
    expect(Array.from(ops.softmax(Float32Array.from([3, -1e30]), new Float32Array(2), { rows: 2, cols: 1 }))).toEqual([1, 1]);
    expect(Array.from(ops.logSoftmax(Float32Array.from([3]), new Float32Array(1), { rows: 1, cols: 1 }))).toEqual([0]);
  });

  it('±100 logits do not overflow; a NaN makes its row NaN; empty shapes', () => {
    const y = ops.softmax(Float32Array.from([100, -100, 100, 100]), new Float32Array(4), { rows: 2, cols: 2 });
    expectNear(y, [1, 0, 0.5, 0.5]);
    const n = ops.softmax(Float32Array.from([1, NaN, 2, 3, 4, 5]), new Float32Array(6), { rows: 2, cols: 3 });
    expect(n.subarray(0, 3).every(Number.isNaN)).toBe(true);
    expect(n.subarray(3).some(Number.isNaN)).toBe(false);
    expect(ops.softmax(new Float32Array(0), new Float32Array(0), { rows: 0, cols: 5 }).length).toBe(0);
    expect(ops.logSoftmaxBackward(new Float32Array(0), new Float32Array(0), new Float32Array(0), { rows: 4, cols: 0 }).length).toBe(0);
  });

  it('in place: y = x, and gradX = gradY or y', () => {
    const x = lcgFloats(3 * 37, 5, 4);
    const ref = ops.softmax(x, new Float32Array(x.length), { rows: 3, cols: 37 });
    const inPlace = ops.softmax(x.slice(), x.slice().fill(0), { rows: 3, cols: 37 });
    expect(inPlace).toEqual(ref);
    const xx = x.slice();
    expect(ops.softmax(xx, xx, { rows: 3, cols: 37 })).toEqual(ref);
    const gy = lcgFloats(x.length, 6);
    for (const log of [false, true]) {
      const y = (log ? ops.logSoftmax : ops.softmax)(x, new Float32Array(x.length), { rows: 3, cols: 37 });
      const bw = log ? ops.logSoftmaxBackward : ops.softmaxBackward;
      const g = bw(y, gy, new Float32Array(x.length), { rows: 3, cols: 37 });
      const g1 = gy.slice();
      expect(bw(y, g1, g1, { rows: 3, cols: 37 })).toEqual(g);
      const y1 = y.slice();
      expect(bw(y1, gy, y1, { rows: 3, cols: 37 })).toEqual(g);
    }
  });

  it('async forms give the sync results', async () => {
    const x = lcgFloats(4 * 33, 8, 3);
    const gy = lcgFloats(x.length, 9);
    const o = { rows: 4, cols: 33 };
    for (const log of [false, true]) {
      const y = (log ? ops.logSoftmax : ops.softmax)(x, new Float32Array(x.length), o);
      expect(await (log ? ops.logSoftmaxAsync : ops.softmaxAsync)(x, new Float32Array(x.length), o)).toEqual(y);
      const g = (log ? ops.logSoftmaxBackward : ops.softmaxBackward)(y, gy, new Float32Array(x.length), o);
      expect(await (log ? ops.logSoftmaxBackwardAsync : ops.softmaxBackwardAsync)(y, gy, new Float32Array(x.length), o)).toEqual(g);
    }
  });
});

describe('softmax argument errors', () => {
  const f = (n: number) => new Float32Array(n);
  it('types', () => {
    expect(() => ops.softmax([1, 2] as unknown as Float32Array, f(2), { rows: 1, cols: 2 })).toThrow(/x: expected a Float32Array/);
    expect(() => ops.logSoftmax(f(2), new Float64Array(2) as unknown as Float32Array, { rows: 1, cols: 2 })).toThrow(/y: expected a Float32Array/);
    expect(() => ops.softmaxBackward(f(2), f(2), null as unknown as Float32Array, { rows: 1, cols: 2 })).toThrow(/gradX: expected a Float32Array/);
  });
  it('lengths and dims', () => {
    expect(() => ops.softmax(f(5), f(6), { rows: 2, cols: 3 })).toThrow(/x: expected 6 elements \(\[rows 2, cols 3\]\)/);
    expect(() => ops.softmax(f(6), f(5), { rows: 2, cols: 3 })).toThrow(/y: expected 6 elements/);
    expect(() => ops.softmaxBackward(f(6), f(5), f(6), { rows: 2, cols: 3 })).toThrow(/gradY: expected 6 elements/);
    expect(() => ops.logSoftmaxBackward(f(5), f(6), f(6), { rows: 2, cols: 3 })).toThrow(/y: expected 6 elements/);
    expect(() => ops.softmax(f(6), f(6), { rows: -2, cols: -3 })).toThrow(/options.rows/);
    expect(() => ops.softmax(f(6), f(6), { rows: 2 } as never)).toThrow(/options.cols/);
    expect(() => ops.softmax(f(6), f(6), { rows: 2, cols: 3, dim: -1 } as never)).toThrow(/dim is not an option/);
  });
  it('partial overlaps', () => {
    const b = f(8);
    expect(() => ops.softmax(b.subarray(0, 6), b.subarray(1, 7), { rows: 2, cols: 3 })).toThrow(/y: expected either x itself/);
    expect(() => ops.softmaxBackward(b.subarray(0, 3), f(3), b.subarray(2, 5), { rows: 1, cols: 3 })).toThrow(/gradX/);
  });
});
