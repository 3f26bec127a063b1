import { describe, expect, it } from 'vitest';
import {
  clipGradNorm,
  clipGradNormAsync,
  clipGradsWithNorm,
  createParamStore,
  getTotalNorm,
  getTotalNormAsync,
  NonFiniteGradientError,
} from '../../lib/index.js';
import { randomFloats, referenceNorm, targets, useTarget } from '../helpers/targets.js';

const SIZES = [0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 1000, 16383, 16384, 16385, 70001];

describe.each(targets)('gradient norms on $name', (t) => {
  useTarget(t);

  it.each([1, 2, 3, 0.5, Infinity])('getTotalNorm(p=%s) matches a float64 reference over odd sizes', (p) => {
    const ts = SIZES.map((n, i) => randomFloats(n, i + 1, -3, 3));
    const got = getTotalNorm(ts, p);
    expect(Math.abs(got - referenceNorm(ts, p)) / referenceNorm(ts, p)).toBeLessThan(1e-12);
  });

  it('returns 0 for no tensors and for empty tensors', () => {
    expect(getTotalNorm([])).toBe(0);
    expect(getTotalNorm([new Float32Array(0)], Infinity)).toBe(0);
    expect(getTotalNorm(new Float32Array(0), 1)).toBe(0);
  });

  it('accepts a single Float32Array and views at any byteOffset', () => {
    const buf = randomFloats(1001, 9);
    const view = buf.subarray(3, 1000);
    expect(getTotalNorm(view)).toBeCloseTo(referenceNorm([view], 2), 9);
  });

  it('keeps the true norm where float32 squares overflow (values near 1e20)', () => {
    const g = new Float32Array([1e20, -1e20, 3e19]);
    const exact = Math.sqrt(2 * Math.fround(1e20) ** 2 + Math.fround(3e19) ** 2);
    expect(getTotalNorm(g) / exact).toBeCloseTo(1, 12);
    const total = clipGradNorm([g], 1);
    expect(total / exact).toBeCloseTo(1, 12);
    expect(getTotalNorm(g)).toBeCloseTo(1, 5);
  });

  it('propagates NaN through every norm type, Inf gives Infinity', () => {
    for (const p of [1, 2, 3, Infinity]) {
      const a = randomFloats(100, 3);
      a[57] = NaN;
      expect(getTotalNorm([randomFloats(10, 1), a], p)).toBeNaN();
      a[57] = -Infinity;
      expect(getTotalNorm([a], p)).toBe(Infinity);
    }
  });

  it('clipGradNorm scales by maxNorm/(total+1e-6) when that is below 1 and returns the old total', () => {
    const ts = [randomFloats(100, 1), randomFloats(33, 2)];
    const before = ts.map((x) => x.slice());
    const total = clipGradNorm(ts, 0.5);
    const coef = Math.fround(0.5 / (total + 1e-6));
    expect(total).toBeCloseTo(referenceNorm(before, 2), 10);
    ts.forEach((x, i) => x.forEach((v, j) => expect(v).toBe(Math.fround(before[i][j] * coef))));
    expect(getTotalNorm(ts)).toBeCloseTo(0.5, 5);
  });

  it('clipGradNorm leaves gradients bit-identical when no clipping is needed', () => {
    const ts = [randomFloats(1000, 4)];
    const before = ts[0].slice();
    clipGradNorm(ts, 1e6);
    expect(ts[0]).toEqual(before);
  });

  it('maxNorm 0 zeroes finite gradients (as PyTorch)', () => {
    const g = randomFloats(50, 5);
    clipGradNorm(g, 0);
    expect(Array.from(g).every((v) => v === 0)).toBe(true);
  });

  it('with errorIfNonfinite throws NonFiniteGradientError naming the first bad tensor and changes nothing', () => {
    const ts = [randomFloats(10, 1), randomFloats(20, 2), randomFloats(30, 3)];
    ts[1][4] = Infinity;
    ts[2][0] = NaN;
    const before = ts.map((x) => x.slice());
    let err: unknown;
    try {
      clipGradNorm(ts, 1, { errorIfNonfinite: true });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NonFiniteGradientError);
    expect((err as NonFiniteGradientError).tensorIndex).toBe(1);
    expect((err as NonFiniteGradientError).code).toBe('ERR_GRADGUARD_NONFINITE');
    ts.forEach((x, i) => expect(Array.from(x)).toEqual(Array.from(before[i])));
  });

  it('without errorIfNonfinite follows PyTorch: NaN poisons all, Inf zeroes finite entries', () => {
    const a = randomFloats(9, 1);
    const b = randomFloats(9, 2);
    b[3] = NaN;
    expect(clipGradNorm([a, b], 1)).toBeNaN();
    expect(Array.from(a).every(Number.isNaN)).toBe(true);
    const c = randomFloats(9, 3);
    c[2] = Infinity;
    expect(clipGradNorm([c], 1)).toBe(Infinity);
    expect(c[2]).toBeNaN();
    expect(Math.abs(c[0])).toBe(0);
  });

  it('works on a flat parameter store in one call, padding untouched', () => {
    const store = createParamStore([[3, 5], [7], [0], [1000]]);
    store.grads.views.forEach((v, i) => v.set(randomFloats(v.length, i + 10)));
    const copies = store.grads.views.map((v) => v.slice());
    const total = clipGradNorm(store.grads, 0.1);
    expect(total).toBeCloseTo(referenceNorm(copies, 2), 10);
    expect(getTotalNorm(store.grads)).toBeCloseTo(0.1, 5);
    // padding after the 15-element tensor stays zero
    expect(store.grads.base[15]).toBe(0);
  });

  it('clipGradsWithNorm applies a norm computed elsewhere; NaN total poisons like PyTorch', () => {
    const g = new Float32Array([3, 4]);
    clipGradsWithNorm(g, 1, 5);
    expect(g[0]).toBeCloseTo(0.6, 5);
    clipGradsWithNorm(g, 1, NaN);
    expect(g[0]).toBeNaN();
  });

  it('async variants give the same results as sync ones', async () => {
    const a = [randomFloats(50000, 1), randomFloats(7, 2)];
    const b = a.map((x) => x.slice());
    expect(await getTotalNormAsync(a, 3)).toBe(getTotalNorm(b, 3));
    const ta = await clipGradNormAsync(a, 0.5);
    const tb = clipGradNorm(b, 0.5);
    expect(ta).toBe(tb);
    expect(a).toEqual(b);
    await expect(clipGradNormAsync([new Float32Array([NaN])], 1, { errorIfNonfinite: true })).rejects.toBeInstanceOf(NonFiniteGradientError);
  });
});
