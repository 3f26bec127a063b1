// Dropout on every backend and ISA: inverted scaling, the mask drawn from the seedable Rng
// (reproducible, identical across backends), p = 0 / p = 1, groupSize (Dropout2d), in place, and
// one test per argument error.
import { describe, expect, it } from 'vitest';
import { manualSeed, ops, Rng } from '../../lib/index.js';
import { targets, useTarget } from '../helpers/targets.js';
import { lcgFloats } from '../helpers/random.js';

const { dropout, dropoutBackward } = ops;

/** The mask the documented rule draws: one nextFloat24() per group, kept when >= p. */
function expectedMask(groups: number, p: number, seed: number): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: groups }, () => (rng.nextFloat24() >= p ? 1 : 0));
}

describe.each(targets)('dropout on $name', (t) => {
  useTarget(t);

  it('keeps with probability 1 − p by the documented draw and scales the kept by float32(1/(1 − p))', () => {
    for (const n of [0, 1, 7, 8, 15, 16, 17, 33, 1000, 4099]) {
      const x = lcgFloats(n, n + 1, 10);
      const y = new Float32Array(n);
      const mask = new Uint8Array(n);
      dropout(x, y, mask, { p: 0.3, rng: new Rng(42) });
      expect(Array.from(mask)).toEqual(expectedMask(n, 0.3, 42));
      const scale = Math.fround(1 / 0.7);
      for (let i = 0; i < n; i++) expect(y[i]).toBe(mask[i] ? Math.fround(x[i] * scale) : 0);
    }
  });

  it('drops about p of a large tensor', () => {
    const n = 100_000;
    const mask = new Uint8Array(n);
    dropout(new Float32Array(n), new Float32Array(n), mask, { p: 0.25, rng: new Rng(1) });
    const kept = mask.reduce((a, b) => a + b, 0) / n;
    expect(Math.abs(kept - 0.75)).toBeLessThan(0.01);
  });

  it('is reproducible from manualSeed (the default generator) and advances it', () => {
    const x = lcgFloats(64, 3);
    const run = () => {
      const m = new Uint8Array(64);
      const y = new Float32Array(64);
      dropout(x, y, m, { p: 0.5 });
      return [Array.from(m), Array.from(y)];
    };
    manualSeed(123);
    const a = run();
    const b = run();
    manualSeed(123);
    expect(run()).toEqual(a);
    expect(b[0]).not.toEqual(a[0]);
    expect(a[0]).toEqual(expectedMask(64, 0.5, 123));
  });

  it('p = 0 keeps everything unscaled, p = 1 zeroes everything (NaN and Inf included); neither draws', () => {
    const x = new Float32Array([1, -2, NaN, Infinity, 3]);
    const y = new Float32Array(5);
    const m = new Uint8Array(5);
    const rng = new Rng(9);
    dropout(x, y, m, { p: 0, rng });
    expect(Array.from(y)).toEqual([1, -2, NaN, Infinity, 3]);
    expect(Array.from(m)).toEqual([1, 1, 1, 1, 1]);
    dropout(x, y, m, { p: 1, rng });
    expect(Array.from(y)).toEqual([0, 0, 0, 0, 0]);
    expect(Array.from(m)).toEqual([0, 0, 0, 0, 0]);
    expect(rng.nextUint32()).toBe(new Rng(9).nextUint32());
    const gx = new Float32Array(5).fill(8);
    dropoutBackward(x, m, gx, { p: 1 });
    expect(Array.from(gx)).toEqual([0, 0, 0, 0, 0]);
  });

  it('groupSize = H·W drops whole channels (Dropout2d), one draw per channel', () => {
    const [n, c, hw] = [2, 5, 9];
    const x = lcgFloats(n * c * hw, 4);
    const y = new Float32Array(x.length);
    const mask = new Uint8Array(n * c);
    dropout(x, y, mask, { p: 0.5, groupSize: hw, rng: new Rng(5) });
    expect(Array.from(mask)).toEqual(expectedMask(n * c, 0.5, 5));
    for (let g = 0; g < n * c; g++) for (let k = 0; k < hw; k++) expect(y[g * hw + k]).toBe(mask[g] ? Math.fround(x[g * hw + k] * 2) : 0);
    const gy = lcgFloats(x.length, 6);
    const gx = new Float32Array(x.length);
    dropoutBackward(gy, mask, gx, { p: 0.5, groupSize: hw });
    for (let i = 0; i < x.length; i++) expect(gx[i]).toBe(mask[Math.floor(i / hw)] ? Math.fround(gy[i] * 2) : 0);
  });

  it('runs in place (y = x, gradX = gradY)', () => {
    const x = lcgFloats(37, 8);
    const copy = x.slice();
    const m = new Uint8Array(37);
    dropout(x, x, m, { p: 0.2, rng: new Rng(3) });
    const s = Math.fround(1 / 0.8);
    for (let i = 0; i < 37; i++) expect(x[i]).toBe(m[i] ? Math.fround(copy[i] * s) : 0);
    const g = copy.slice();
    dropoutBackward(g, m, g, { p: 0.2 });
    expect(Array.from(g)).toEqual(Array.from(x));
  });
});

describe('dropout argument errors (named, before anything is written)', () => {
  const x = new Float32Array(8);
  const y = new Float32Array(8);
  const m = new Uint8Array(8);
  it.each([
    ['options.p', TypeError, () => dropout(x, y, m, { p: '0.5' as unknown as number })],
    ['options.p', RangeError, () => dropout(x, y, m, { p: 1.5 })],
    ['options.p', RangeError, () => dropout(x, y, m, { p: NaN })],
    ['options.p', TypeError, () => dropout(x, y, m, {} as { p: number })],
    ['options.groupSize', RangeError, () => dropout(x, y, m, { p: 0.5, groupSize: 0 })],
    ['options.groupSize', RangeError, () => dropout(x, y, new Uint8Array(2), { p: 0.5, groupSize: 3 })],
    ['options.rng', TypeError, () => dropout(x, y, m, { p: 0.5, rng: {} as Rng })],
    ['options.seed', TypeError, () => dropout(x, y, m, { p: 0.5, seed: 1 } as { p: number })],
    ['options', TypeError, () => dropout(x, y, m, null as unknown as { p: number })],
    ['x', TypeError, () => dropout([1] as unknown as Float32Array, y, m, { p: 0.5 })],
    ['y', RangeError, () => dropout(x, new Float32Array(7), m, { p: 0.5 })],
    ['y', RangeError, () => dropout(x, x.subarray(1), new Uint8Array(7), { p: 0.5 })],
    ['mask', TypeError, () => dropout(x, y, new Int8Array(8) as unknown as Uint8Array, { p: 0.5 })],
    ['mask', RangeError, () => dropout(x, y, new Uint8Array(4), { p: 0.5 })],
    ['mask', RangeError, () => dropout(x, y, new Uint8Array(y.buffer, 0, 8), { p: 0.5 })],
    ['gradX', RangeError, () => dropoutBackward(x, m, new Float32Array(9), { p: 0.5 })],
    ['gradY', TypeError, () => dropoutBackward(null as unknown as Float32Array, m, y, { p: 0.5 })],
    ['options.rng', TypeError, () => dropoutBackward(x, m, y, { p: 0.5, rng: new Rng(1) } as { p: number })],
  ])('%s', (name, type, call) => {
    const before = [y.slice(), m.slice()];
    let err: unknown;
    try {
      call();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(type);
    expect((err as Error).message).toContain(name);
    expect(y).toEqual(before[0]);
    expect(m).toEqual(before[1]);
  });
});
