// BatchNorm2d on every backend and ISA: statistics per channel over N·H·W (float64), biased
// variance to normalise and unbiased for the running variance, eval mode, H·W = 1 equal to
// BatchNorm1d, M = 1 refused before anything changes, and each argument error named.
import { describe, expect, it } from 'vitest';
import { ops } from '../../lib/index.js';
import { targets, useTarget } from '../helpers/targets.js';
import { lcgFloats } from '../helpers/random.js';

const { batchNorm1d, batchNorm1dBackward, batchNorm2d, batchNorm2dBackward } = ops;

/** Float64 reference of the training forward: y, mean and biased variance per channel. */
function reference(x: Float32Array, [n, c, h, w]: number[], eps: number, weight: Float32Array, bias: Float32Array) {
  const hw = h * w;
  const y = new Float64Array(x.length);
  const mean = new Float64Array(c);
  const vr = new Float64Array(c);
  for (let j = 0; j < c; j++) {
    const vals: number[] = [];
    for (let i = 0; i < n; i++) for (let k = 0; k < hw; k++) vals.push(x[(i * c + j) * hw + k]);
    mean[j] = vals.reduce((a, b) => a + b, 0) / vals.length;
    vr[j] = vals.reduce((a, b) => a + (b - mean[j]) ** 2, 0) / vals.length;
    for (let i = 0; i < n; i++) for (let k = 0; k < hw; k++) {
      const e = (i * c + j) * hw + k;
      y[e] = ((x[e] - mean[j]) / Math.sqrt(vr[j] + eps)) * weight[j] + bias[j];
    }
  }
  return { y, mean, vr };
}

describe.each(targets)('BatchNorm2d on $name', (t) => {
  useTarget(t);

  it('normalises per channel over N, H and W and updates the running statistics (unbiased variance)', () => {
    for (const shape of [[2, 3, 4, 5], [1, 4, 3, 5], [4, 2, 1, 1], [3, 17, 7, 9], [2, 1, 28, 28]]) {
      const [n, c, h, w] = shape;
      const x = lcgFloats(n * c * h * w, 7 + c, 2, 100);
      const weight = lcgFloats(c, 3);
      const bias = lcgFloats(c, 4);
      const rm = new Float32Array(c).fill(1);
      const rv = new Float32Array(c).fill(2);
      const r = batchNorm2d(x, shape as [number, number, number, number], { weight, bias, runningMean: rm, runningVar: rv, momentum: 0.3 });
      const ref = reference(x, shape, 1e-5, weight, bias);
      const m = n * h * w;
      for (let i = 0; i < x.length; i++) expect(Math.abs(r.y[i] - ref.y[i])).toBeLessThan(2e-6 * (1 + Math.abs(ref.y[i])));
      for (let j = 0; j < c; j++) {
        expect(r.saveMean[j]).toBeCloseTo(ref.mean[j], 9);
        expect(rm[j]).toBeCloseTo(0.7 + 0.3 * ref.mean[j], 4);
        expect(rv[j]).toBeCloseTo(1.4 + (0.3 * ref.vr[j] * m) / (m - 1), 5);
      }
    }
  });

  it('keeps full precision on mean-1000 data (two-pass float64 statistics)', () => {
    const x = lcgFloats(2 * 2 * 8 * 8, 11, 1e-2, 1000);
    const { y } = batchNorm2d(x, [2, 2, 8, 8]);
    const ref = reference(x, [2, 2, 8, 8], 1e-5, new Float32Array([1, 1]), new Float32Array(2));
    for (let i = 0; i < x.length; i++) expect(Math.abs(y[i] - ref.y[i])).toBeLessThan(1e-4);
  });

  it('gives y = bias on a constant channel', () => {
    const x = new Float32Array(2 * 2 * 3).fill(5);
    const { y } = batchNorm2d(x, [2, 2, 1, 3], { bias: new Float32Array([0.5, -1]) });
    expect(Array.from(y)).toEqual([0.5, 0.5, 0.5, -1, -1, -1, 0.5, 0.5, 0.5, -1, -1, -1]);
  });

  it('with H·W = 1 gives exactly BatchNorm1d, forward and backward', () => {
    const [n, c] = [5, 7];
    const x = lcgFloats(n * c, 21);
    const gy = lcgFloats(n * c, 22);
    const weight = lcgFloats(c, 23);
    const opts = () => ({ weight, bias: lcgFloats(c, 24), runningMean: new Float32Array(c), runningVar: new Float32Array(c).fill(1) });
    const o1 = opts();
    const o2 = opts();
    const a = batchNorm1d(x, [n, c], o1);
    const b = batchNorm2d(x, [n, c, 1, 1], o2);
    expect(Array.from(b.y)).toEqual(Array.from(a.y));
    expect(Array.from(o2.runningVar)).toEqual(Array.from(o1.runningVar));
    const ga = batchNorm1dBackward(gy, x, [n, c], a, { weight });
    const gb = batchNorm2dBackward(gy, x, [n, c, 1, 1], b, { weight });
    expect(Array.from(gb.gradX)).toEqual(Array.from(ga.gradX));
    expect(Array.from(gb.gradWeight)).toEqual(Array.from(ga.gradWeight));
    expect(Array.from(gb.gradBias)).toEqual(Array.from(ga.gradBias));
  });

  it('eval uses the running statistics, leaves them unchanged, and allows N·H·W = 1', () => {
    const rm = new Float32Array([1, 2]);
    const rv = new Float32Array([4, 9]);
    const { y } = batchNorm2d(new Float32Array([3, 5]), [1, 2, 1, 1], { runningMean: rm, runningVar: rv, training: false, eps: 0 });
    expect(Array.from(y)).toEqual([1, 1]);
    const r = batchNorm2d(new Float32Array([3, 5, 2, 8]), [1, 2, 1, 2], { runningMean: rm, runningVar: rv, training: false, eps: 0 });
    expect(Array.from(r.y)).toEqual([1, 2, 0, 2]);
    expect(Array.from(rm)).toEqual([1, 2]);
    const g = batchNorm2dBackward(new Float32Array([1, 1, 1, 1]), new Float32Array([3, 5, 2, 8]), [1, 2, 1, 2], r, { weight: new Float32Array([2, 3]) });
    expect(Array.from(g.gradX)).toEqual([1, 1, 1, 1]); // weight·invstd·gradY: 2/2, 3/3
  });

  it('accumulates gradWeight/gradBias when asked and overwrites them otherwise', () => {
    const x = lcgFloats(2 * 3 * 4, 5);
    const gy = lcgFloats(2 * 3 * 4, 6);
    const r = batchNorm2d(x, [2, 3, 2, 2]);
    const g1 = batchNorm2dBackward(gy, x, [2, 3, 2, 2], r);
    const gw = new Float32Array(3).fill(1);
    const gb = new Float32Array(3).fill(1);
    batchNorm2dBackward(gy, x, [2, 3, 2, 2], r, { gradWeight: gw, gradBias: gb, accumulate: true });
    for (let j = 0; j < 3; j++) {
      expect(gw[j]).toBeCloseTo(1 + g1.gradWeight[j], 6);
      expect(gb[j]).toBeCloseTo(1 + g1.gradBias[j], 6);
    }
    // Σ gradX = 0 per channel in training (the mean's gradient).
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let i = 0; i < 2; i++) for (let k = 0; k < 4; k++) s += g1.gradX[(i * 3 + j) * 4 + k];
      expect(Math.abs(s)).toBeLessThan(1e-5);
    }
  });

  it('an empty batch in training changes nothing (as PyTorch) and its backward gives zero gradients', () => {
    const rm = new Float32Array([1, 2]);
    const rv = new Float32Array([3, 4]);
    const r = batchNorm2d(new Float32Array(0), [0, 2, 3, 3], { runningMean: rm, runningVar: rv });
    expect(r.y.length).toBe(0);
    expect(Array.from(rm)).toEqual([1, 2]);
    expect(Array.from(rv)).toEqual([3, 4]);
    const g = batchNorm2dBackward(new Float32Array(0), new Float32Array(0), [0, 2, 3, 3], r);
    expect(Array.from(g.gradWeight)).toEqual([0, 0]);
    expect(Array.from(g.gradBias)).toEqual([0, 0]);
  });

  it('propagates a NaN to its channel only', () => {
    const x = lcgFloats(2 * 2 * 4, 9);
    x[1] = NaN;
    const { y } = batchNorm2d(x, [2, 2, 2, 2]);
    for (let i = 0; i < 2; i++) {
      for (let k = 0; k < 4; k++) {
        expect(Number.isNaN(y[(i * 2) * 4 + k])).toBe(true);
        expect(Number.isFinite(y[(i * 2 + 1) * 4 + k])).toBe(true);
      }
    }
  });
});

describe('BatchNorm2d argument errors (named, before anything changes)', () => {
  const x = new Float32Array(8);
  it('refuses training with one value per channel (N·H·W = 1) without touching the running statistics', () => {
    const rm = new Float32Array([1, 2, 3]);
    const rv = new Float32Array([1, 1, 1]);
    const out = new Float32Array(3).fill(7);
    expect(() => batchNorm2d(new Float32Array(3), [1, 3, 1, 1], { runningMean: rm, runningVar: rv, out })).toThrow(/shape: expected more than 1 value per channel in training/);
    expect(() => batchNorm2d(new Float32Array(3), [1, 3, 1, 1], { runningMean: rm, runningVar: rv, out })).toThrow(RangeError);
    expect(Array.from(rm)).toEqual([1, 2, 3]);
    expect(Array.from(out)).toEqual([7, 7, 7]);
  });
  it.each([
    ['shape', TypeError, () => batchNorm2d(x, [2, 2, 2] as unknown as [number, number, number, number])],
    ['shape[2]', RangeError, () => batchNorm2d(x, [2, 2, -1, 2])],
    ['shape[3]', TypeError, () => batchNorm2d(x, [2, 2, 2, '1' as unknown as number])],
    ['x', RangeError, () => batchNorm2d(x, [2, 2, 2, 2])],
    ['options.weight', RangeError, () => batchNorm2d(x, [2, 2, 1, 2], { weight: new Float32Array(3) })],
    ['options.runningVar', TypeError, () => batchNorm2d(x, [2, 2, 1, 2], { runningMean: new Float32Array(2) })],
    ['options.runningMean', TypeError, () => batchNorm2d(x, [2, 2, 1, 2], { training: false })],
    ['options.momentum', RangeError, () => batchNorm2d(x, [2, 2, 1, 2], { momentum: NaN })],
    ['options.eps', RangeError, () => batchNorm2d(x, [2, 2, 1, 2], { eps: -1 })],
    ['options.out', RangeError, () => batchNorm2d(x, [2, 2, 1, 2], { out: x.subarray(1) })],
    ['options.traning', TypeError, () => batchNorm2d(x, [2, 2, 1, 2], { traning: true } as object)],
    ['gradY', RangeError, () => batchNorm2dBackward(new Float32Array(7), x, [2, 2, 1, 2], batchNorm2d(x, [2, 2, 1, 2]))],
    ['saved.saveMean', RangeError, () => batchNorm2dBackward(x, x, [2, 2, 1, 2], batchNorm2d(x, [2, 2, 2, 1], {}) && { training: true, saveMean: new Float64Array(3), saveInvstd: new Float64Array(2) })],
    ['saved', TypeError, () => batchNorm2dBackward(x, x, [2, 2, 1, 2], null as never)],
    ['options.gradX', RangeError, () => batchNorm2dBackward(x, x, [2, 2, 1, 2], batchNorm2d(x, [2, 2, 1, 2]), { gradX: x })],
  ])('%s', (name, type, call) => {
    let err: unknown;
    try {
      call();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(type);
    expect((err as Error).message.startsWith(name) || (err as Error).message.includes(`${name}`)).toBe(true);
  });
});
