import { describe, expect, it } from 'vitest';
import { ops } from '../../lib/index.js';
import { targets, useTarget } from '../helpers/targets.js';
import { lcgFloats } from '../helpers/random.js';

const { batchNorm1d, batchNorm1dBackward, layerNorm, layerNormBackward } = ops;

const rand = (n: number, seed: number, offset = 0): Float32Array => lcgFloats(n, seed, 1, offset);

describe.each(targets)('BatchNorm1d and LayerNorm on $name', (t) => {
  useTarget(t);

  it('normalises each feature to mean 0 and biased variance 1 in training', () => {
    const [n, c] = [9, 4];
    const x = rand(n * c, 1, 100);
    const { y } = batchNorm1d(x, [n, c]);
    for (let j = 0; j < c; j++) {
      let m = 0;
      let v = 0;
      for (let i = 0; i < n; i++) m += y[i * c + j] / n;
      for (let i = 0; i < n; i++) v += (y[i * c + j] - m) ** 2 / n;
      expect(Math.abs(m)).toBeLessThan(1e-5);
      expect(v).toBeCloseTo(1, 3);
    }
  });

  it('updates running statistics with the unbiased variance', () => {
    const x = new Float32Array([1, 3]);
    const rm = new Float32Array([0]);
    const rv = new Float32Array([1]);
    batchNorm1d(x, [2, 1], { runningMean: rm, runningVar: rv, momentum: 0.5 });
    expect(rm[0]).toBeCloseTo(1, 6); // 0.5·0 + 0.5·2
    expect(rv[0]).toBeCloseTo(1.5, 6); // 0.5·1 + 0.5·2 (unbiased var of {1,3} is 2)
  });

  it('uses the running statistics in eval and leaves them unchanged, batch 1 included', () => {
    const rm = new Float32Array([1, 2]);
    const rv = new Float32Array([4, 9]);
    const { y } = batchNorm1d(new Float32Array([3, 5]), [1, 2], { runningMean: rm, runningVar: rv, training: false, eps: 0 });
    expect(Array.from(y)).toEqual([1, 1]);
    expect(Array.from(rm)).toEqual([1, 2]);
    expect(Array.from(rv)).toEqual([4, 9]);
  });

  it('accumulates into gradWeight/gradBias when asked', () => {
    const [n, c] = [5, 3];
    const x = rand(n * c, 2);
    const gy = rand(n * c, 3);
    const fwd = batchNorm1d(x, [n, c]);
    const once = batchNorm1dBackward(gy, x, [n, c], fwd);
    const gw = new Float32Array(c).fill(1);
    const gb = new Float32Array(c).fill(2);
    batchNorm1dBackward(gy, x, [n, c], fwd, { gradWeight: gw, gradBias: gb, accumulate: true });
    for (let j = 0; j < c; j++) {
      expect(gw[j]).toBeCloseTo(1 + once.gradWeight[j], 5);
      expect(gb[j]).toBeCloseTo(2 + once.gradBias[j], 5);
    }
    const lf = layerNorm(x, c);
    const lonce = layerNormBackward(gy, x, c, lf);
    const lw = new Float32Array(c).fill(1);
    layerNormBackward(gy, x, c, lf, { gradWeight: lw, accumulate: true });
    for (let j = 0; j < c; j++) expect(lw[j]).toBeCloseTo(1 + lonce.gradWeight[j], 5);
  });

  it('LayerNorm normalises each row, also with a mean-100 offset', () => {
    const d = 257;
    const x = rand(3 * d, 4, 100);
    const { y } = layerNorm(x, d);
    for (let r = 0; r < 3; r++) {
      let m = 0;
      for (let j = 0; j < d; j++) m += y[r * d + j] / d;
      expect(Math.abs(m)).toBeLessThan(1e-5);
    }
  });

  it('LayerNorm of a constant row is the bias, and its input gradient sums to zero', () => {
    const x = new Float32Array(4).fill(7);
    const bias = new Float32Array([1, 2, 3, 4]);
    const f = layerNorm(x, 4, { bias });
    expect(Array.from(f.y)).toEqual([1, 2, 3, 4]);
    const g = layerNormBackward(rand(4, 5), x, 4, f);
    expect(Math.abs(g.gradX.reduce((a, b) => a + b, 0))).toBeLessThan(1e-3);
  });

  it('works in place: out may be x, and gradX may be gradY', () => {
    const [n, c] = [6, 5];
    const x = rand(n * c, 40, 3);
    const gy = rand(n * c, 41);
    const bn = batchNorm1d(x, [n, c]);
    const bg = batchNorm1dBackward(gy, x, [n, c], bn);
    const ln = layerNorm(x, c);
    const lg = layerNormBackward(gy, x, c, ln);
    const x1 = x.slice();
    batchNorm1d(x1, [n, c], { out: x1 });
    expect(Array.from(x1)).toEqual(Array.from(bn.y));
    const g1 = gy.slice();
    batchNorm1dBackward(g1, x, [n, c], bn, { gradX: g1 });
    expect(Array.from(g1)).toEqual(Array.from(bg.gradX));
    const x2 = x.slice();
    layerNorm(x2, c, { out: x2 });
    expect(Array.from(x2)).toEqual(Array.from(ln.y));
    const g2 = gy.slice();
    layerNormBackward(g2, x, c, ln, { gradX: g2 });
    expect(Array.from(g2)).toEqual(Array.from(lg.gradX));
  });

  it('rejects bad arguments naming them, before any native code', () => {
    expect(() => batchNorm1d(new Float32Array(3), [1, 3])).toThrow(RangeError);
    expect(() => batchNorm1d(new Float32Array(3), [1, 3])).toThrow(/shape\[0\]/);
    expect(() => batchNorm1d(new Float32Array(5), [2, 3])).toThrow(/^x: /);
    expect(() => batchNorm1d(new Float32Array(6), [2, 3], { weight: new Float32Array(2) })).toThrow(/options\.weight/);
    expect(() => batchNorm1d(new Float32Array(6), [2, 3], { training: false })).toThrow(TypeError);
    expect(() => batchNorm1d([1, 2] as unknown as Float32Array, [2, 1])).toThrow(TypeError);
    expect(() => layerNorm(new Float32Array(5), 2)).toThrow(/^x: /);
    expect(() => layerNorm(new Float32Array(4), 0)).toThrow(/normalizedSize/);
    expect(() => layerNorm(new Float32Array(4), 2, { eps: -1 })).toThrow(RangeError);
    const f = layerNorm(new Float32Array(4), 2);
    expect(() => layerNormBackward(new Float32Array(3), new Float32Array(4), 2, f)).toThrow(/gradY/);
  });
});
