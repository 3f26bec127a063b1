import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ops } from '../../lib/index.js';
import { closeness, on, targets } from './targets.js';

type Fwd = (x: Float32Array, y?: Float32Array | null) => Float32Array;
type Bwd = (x: Float32Array, gy: Float32Array, gx?: Float32Array | null) => Float32Array;

const ACTS: { name: string; fwd: Fwd; bwd: Bwd; kinks: number[] }[] = [
  { name: 'relu', fwd: (x, y) => ops.relu(x, y), bwd: (x, g, gx) => ops.reluBackward(x, g, gx), kinks: [0] },
  {
    name: 'leaky_relu(0.2)',
    fwd: (x, y) => ops.leakyRelu(x, y, { negativeSlope: 0.2 }),
    bwd: (x, g, gx) => ops.leakyReluBackward(x, g, gx, { negativeSlope: 0.2 }),
    kinks: [0],
  },
  { name: 'sigmoid', fwd: (x, y) => ops.sigmoid(x, y), bwd: (x, g, gx) => ops.sigmoidBackward(x, g, gx), kinks: [] },
  { name: 'tanh', fwd: (x, y) => ops.tanh(x, y), bwd: (x, g, gx) => ops.tanhBackward(x, g, gx), kinks: [] },
  { name: 'gelu', fwd: (x, y) => ops.gelu(x, y), bwd: (x, g, gx) => ops.geluBackward(x, g, gx), kinks: [] },
  {
    name: 'gelu(tanh)',
    fwd: (x, y) => ops.gelu(x, y, { approximate: 'tanh' }),
    bwd: (x, g, gx) => ops.geluBackward(x, g, gx, { approximate: 'tanh' }),
    kinks: [],
  },
  {
    name: 'elu(0.7)',
    fwd: (x, y) => ops.elu(x, y, { alpha: 0.7 }),
    bwd: (x, g, gx) => ops.eluBackward(x, g, gx, { alpha: 0.7 }),
    kinks: [0],
  },
  {
    name: 'softplus(2, 15)',
    fwd: (x, y) => ops.softplus(x, y, { beta: 2, threshold: 15 }),
    bwd: (x, g, gx) => ops.softplusBackward(x, g, gx, { beta: 2, threshold: 15 }),
    kinks: [7.5],
  },
];

const TARGETS = targets();
const JS = TARGETS[0];
const SPECIAL = [0, -0, 1e-3, -1e-3, 0.5, -0.5, 1, -1, 5, -5, 20, -20, 50, -50, 88.5, -88.5, 100, -100, 1000, -1000];

const floats = (n: number, scale: number) =>
  fc.float32Array({ minLength: n, maxLength: n, noDefaultInfinity: true, noNaN: true, min: -scale, max: scale });

describe('activations: native ISAs agree with the pure-TS reference', () => {
  for (const t of TARGETS.slice(1)) {
    for (const act of ACTS) {
      it(`${act.name} on ${t.label}, random lengths 0..300`, () => {
        fc.assert(
          fc.property(
            fc.integer({ min: 0, max: 300 }).chain((n) => fc.tuple(floats(n, 30), floats(n, 3))),
            ([x, gy]) => {
              const yRef = on(JS, () => act.fwd(x));
              const gRef = on(JS, () => act.bwd(x, gy));
              const y = on(t, () => act.fwd(x));
              const g = on(t, () => act.bwd(x, gy));
              // A few ulp (SIMD float32 math), plus 1e-6 absolute for gelu-tanh's float32 argument
              // and for the derivatives' cancellations (|grad_y| <= 3); the golden files' tolerances.
              expect(closeness(y, yRef, 1e-6, 1e-6)).toBeLessThanOrEqual(1);
              expect(closeness(g, gRef, 1e-6, 1e-6)).toBeLessThanOrEqual(1);
            },
          ),
          { numRuns: 40 },
        );
      });
    }
  }
});

describe.each(TARGETS.map((t) => [t.label, t] as const))('activations on %s', (_label, t) => {
  it.each(ACTS.map((a) => [a.name, a] as const))('%s: stable and finite at ±50…±1000, NaN propagates', (_n, act) => {
    on(t, () => {
      const x = Float32Array.from(SPECIAL);
      const y = act.fwd(x);
      const g = act.bwd(x, new Float32Array(x.length).fill(1));
      for (let i = 0; i < x.length; i++) {
        expect(Number.isFinite(y[i]), `y(${x[i]})`).toBe(true);
        expect(Number.isFinite(g[i]), `grad(${x[i]})`).toBe(true);
      }
      const yn = act.fwd(Float32Array.of(NaN, Infinity, -Infinity));
      expect(Number.isNaN(yn[0])).toBe(true);
    });
  });

  it.each(ACTS.map((a) => [a.name, a] as const))('%s: backward matches central finite differences', (_n, act) => {
    on(t, () => {
      // Points away from kinks and thresholds; f evaluated in float32 so h is moderate.
      const pts: number[] = [];
      for (let v = -6.03; v < 6; v += 0.37) if (act.kinks.every((k) => Math.abs(v - k) > 0.05)) pts.push(v);
      const x = Float32Array.from(pts);
      const h = 1e-2;
      const xp = x.map((v) => v + h);
      const xm = x.map((v) => v - h);
      const fp = act.fwd(xp);
      const fm = act.fwd(xm);
      const g = act.bwd(x, new Float32Array(x.length).fill(1));
      for (let i = 0; i < x.length; i++) {
        const fd = (fp[i] - fm[i]) / (xp[i] - xm[i]);
        expect(Math.abs(fd - g[i]), `x = ${x[i]}`).toBeLessThan(2e-3 + 2e-3 * Math.abs(g[i]));
      }
    });
  });

  it('kink conventions: relu\'(0) = 0, leaky\'(0) = slope, elu\'(0) = alpha, softplus\' = 1 past threshold', () => {
    on(t, () => {
      const z = Float32Array.of(0);
      const one = Float32Array.of(1);
      expect(ops.reluBackward(z, one)[0]).toBe(0);
      expect(ops.leakyReluBackward(z, one, null, { negativeSlope: 0.2 })[0]).toBeCloseTo(0.2, 7);
      expect(ops.eluBackward(z, one, null, { alpha: 0.7 })[0]).toBeCloseTo(0.7, 7);
      expect(ops.softplusBackward(Float32Array.of(30), one)[0]).toBe(1);
      expect(ops.softplus(Float32Array.of(30))[0]).toBe(30);
      expect(ops.softplus(Float32Array.of(-1000))[0]).toBe(0);
      expect(ops.sigmoid(Float32Array.of(-1000, 1000))).toEqual(Float32Array.of(0, 1));
      expect(ops.tanh(Float32Array.of(-1000, 1000))).toEqual(Float32Array.of(-1, 1));
    });
  });

  it.each(ACTS.map((a) => [a.name, a] as const))('%s: subnormal inputs give the reference result (no flush to zero)', (_n, act) => {
    const x = Float32Array.of(1e-40, -1e-40, 1e-45, -1e-45, 1.1754942e-38, -1.1754942e-38, 0, -0);
    const gy = Float32Array.of(1, 1, 1, 1, 1e-40, -1e-40, 1, 1);
    const yRef = on(JS, () => act.fwd(x));
    const gRef = on(JS, () => act.bwd(x, gy));
    on(t, () => {
      expect(closeness(act.fwd(x), yRef, 1e-6, 0)).toBeLessThanOrEqual(1);
      expect(closeness(act.bwd(x, gy), gRef, 1e-6, 0)).toBeLessThanOrEqual(1);
    });
  });

  it('odd lengths (SIMD tails) and in-place forms agree with the out-of-place result', () => {
    on(t, () => {
      for (let n = 0; n <= 37; n++) {
        const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) * 4);
        const gy = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.9));
        for (const act of ACTS) {
          const y = act.fwd(x);
          const g = act.bwd(x, gy);
          const xi = x.slice();
          expect(act.fwd(xi, xi)).toEqual(y);
          const gi = gy.slice();
          expect(act.bwd(x, gi, gi)).toEqual(g);
          // A view with an odd byteOffset into a larger buffer
          const big = new Float32Array(n + 3);
          big.set(x, 1);
          const out = new Float32Array(n + 5).fill(7);
          act.fwd(big.subarray(1, n + 1), out.subarray(3, n + 3));
          expect(out.subarray(3, n + 3)).toEqual(y);
          expect(out[2]).toBe(7);
          expect(out[n + 3]).toBe(7);
        }
      }
    });
  });
});

describe('activations: bad inputs', () => {
  it('rejects wrong types, lengths, NaN hyper-parameters and partial overlaps', () => {
    const x = new Float32Array(8);
    expect(() => ops.relu([1, 2] as unknown as Float32Array)).toThrow(TypeError);
    expect(() => ops.relu(new Float64Array(3) as unknown as Float32Array)).toThrow(/x: expected a Float32Array/);
    expect(() => ops.relu(x, new Float32Array(7))).toThrow(RangeError);
    expect(() => ops.relu(x, new Float32Array(7))).toThrow(/^y:/);
    expect(() => ops.leakyRelu(x, null, { negativeSlope: NaN })).toThrow(/options.negativeSlope/);
    expect(() => ops.elu(x, null, { alpha: NaN })).toThrow(RangeError);
    expect(() => ops.softplus(x, null, { beta: 0 })).toThrow(/options.beta/);
    expect(() => ops.softplus(x, null, { threshold: NaN })).toThrow(/options.threshold/);
    expect(() => ops.gelu(x, null, { approximate: 'fast' as 'tanh' })).toThrow(/options.approximate/);
    const buf = new Float32Array(12);
    expect(() => ops.tanh(buf.subarray(0, 8), buf.subarray(2, 10))).toThrow(/y: expected either x itself \(in place\) or an array that shares no memory with it/);
    expect(() => ops.tanhBackward(x, buf.subarray(0, 8), buf.subarray(1, 9))).toThrow(/gradX/);
    expect(() => ops.tanhBackward(x, new Float32Array(3))).toThrow(/gradY/);
  });
});

describe('activations: large arrays on the thread pool', () => {
  for (const t of TARGETS.slice(1)) {
    it(`${t.label}: identical for 1, 2 and 7 threads, and equal to the pure-TS reference within tolerance`, async () => {
      const { getNumThreads, setNumThreads } = await import('../../lib/index.js');
      const n = 300_001;
      const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 30);
      const gy = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.11));
      for (const act of ACTS) {
        const ref = on(JS, () => act.bwd(x, gy));
        const before = on(t, () => getNumThreads());
        try {
          const r = [1, 2, 7].map((threads) =>
            on(t, () => {
              setNumThreads(threads);
              return [act.fwd(x), act.bwd(x, gy)];
            }),
          );
          const identical = (a: Float32Array, b: Float32Array) =>
            a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
          expect(identical(r[1][0], r[0][0])).toBe(true);
          expect(identical(r[1][1], r[0][1])).toBe(true);
          expect(identical(r[2][0], r[0][0]) && identical(r[2][1], r[0][1])).toBe(true);
          expect(closeness(r[0][1], ref, 1e-6, 1e-6)).toBeLessThanOrEqual(1);
        } finally {
          on(t, () => setNumThreads(before));
        }
      }
    }, 60_000);
  }
});
