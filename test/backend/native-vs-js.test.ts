import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  clipGradNorm,
  getNumThreads,
  getTotalNorm,
  gradStats,
  nativeAvailable,
  setIsa,
  setNumThreads,
  supportedIsas,
  useBackend,
} from '../../lib/index.js';

const hasNative = nativeAvailable();
const isas = hasNative ? (useBackend('native'), supportedIsas()) : [];
const defaultThreads = hasNative ? getNumThreads() : 1;

afterAll(() => {
  if (!hasNative) return;
  useBackend('native');
  setIsa(isas[0]);
  setNumThreads(defaultThreads);
});

/** Random tensor lists: sizes 0..100k (mostly odd), values incl. large magnitudes. */
const tensorList = fc.array(
  fc.tuple(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.constantFrom(1, 1e-3, 1e3, 1e20)),
  { minLength: 0, maxLength: 6 },
).map((specs) =>
  specs.map(([n, seed, scale]) => {
    const t = new Float32Array(n);
    let s = seed;
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      t[i] = ((s / 2 ** 32) * 2 - 1) * scale;
    }
    return t;
  }),
);

const relClose = (a: number, b: number, rtol: number) => (Number.isNaN(a) && Number.isNaN(b)) || a === b || Math.abs(a - b) <= rtol * Math.max(Math.abs(a), Math.abs(b));

describe.skipIf(!hasNative)('native backend against the pure-TS reference (property tests)', () => {
  it.each(isas)('getTotalNorm and gradStats agree on %s for random tensor lists and norm types', (isa) => {
    fc.assert(
      fc.property(tensorList, fc.constantFrom(1, 2, 3, 0.5, Infinity), (ts, p) => {
        useBackend('js');
        const ref = getTotalNorm(ts, p);
        const refStats = gradStats(ts);
        useBackend('native');
        setIsa(isa);
        const got = getTotalNorm(ts, p);
        const stats = gradStats(ts);
        expect(relClose(got, ref, 1e-12)).toBe(true);
        expect(relClose(stats.totalNorm, refStats.totalNorm, 1e-12)).toBe(true);
        expect(stats.maxAbs).toBe(refStats.maxAbs);
        expect(stats.nonFiniteCount).toBe(refStats.nonFiniteCount);
      }),
      { numRuns: 40, seed: 42 },
    );
  });

  it.each(isas)('clipGradNorm writes the same floats as the pure-TS backend on %s', (isa) => {
    fc.assert(
      fc.property(tensorList, fc.double({ min: 0, max: 100, noNaN: true }), (ts, maxNorm) => {
        const copy = ts.map((t) => t.slice());
        useBackend('js');
        const ref = clipGradNorm(copy, maxNorm);
        useBackend('native');
        setIsa(isa);
        const got = clipGradNorm(ts, maxNorm);
        expect(relClose(got, ref, 1e-12)).toBe(true);
        // The coefficient may differ in the last bit of float64 (summation order): compare as floats.
        let mismatches = 0;
        ts.forEach((t, i) => t.forEach((v, j) => (mismatches += relClose(v, copy[i][j], 1e-6) ? 0 : 1)));
        expect(mismatches).toBe(0);
      }),
      { numRuns: 25, seed: 7 },
    );
  });

  it.each(isas)('norms are bit-identical for 1, 2 and 8 threads on %s', (isa) => {
    useBackend('native');
    setIsa(isa);
    fc.assert(
      fc.property(tensorList, fc.constantFrom(1, 2, 3, Infinity), (ts, p) => {
        setNumThreads(1);
        const one = getTotalNorm(ts, p);
        const oneStats = gradStats(ts);
        for (const n of [2, 8]) {
          setNumThreads(n);
          expect(Object.is(getTotalNorm(ts, p), one)).toBe(true);
          const s = gradStats(ts);
          expect(Object.is(s.totalNorm, oneStats.totalNorm)).toBe(true);
          expect(Array.from(s.perTensorNorms)).toEqual(Array.from(oneStats.perTensorNorms));
        }
      }),
      { numRuns: 20, seed: 3 },
    );
    setNumThreads(defaultThreads);
  });
});
