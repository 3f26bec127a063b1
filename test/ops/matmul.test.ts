import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ops } from '../../lib/index.js';
import { closeness, on, onAsync, targets } from './targets.js';

const TARGETS = targets();

/** float64 reference of c = alpha·op(a)·op(b) + beta·c (beta = 0: c not read). */
function refMatmul(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number, ta: boolean, tb: boolean, alpha: number, beta: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
      out[i * n + j] = (alpha === 0 || k === 0 ? 0 : alpha * s) + (beta === 0 ? 0 : beta * c[i * n + j]);
    }
  }
  return out;
}

function rand(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** Error bound for a float32 dot of length k with entries in [-1, 1]. */
const tol = (k: number) => 1e-6 * (k + 2);

describe.each(TARGETS.map((t) => [t.label, t] as const))('matmul on %s', (_l, t) => {
  it('random shapes 1..300, all transpose combinations, alpha/beta, vs a float64 reference', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 300 }),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom(1, 0.5, -2),
        fc.constantFrom(0, 1, -0.5),
        fc.integer(),
        (m, n, k, ta, tb, alpha, beta, seed) => {
          // keep the float64 reference cheap
          if (m * n * k > 2e6) k = Math.max(1, Math.floor(2e6 / (m * n)));
          const a = rand(m * k, seed);
          const b = rand(k * n, seed + 1);
          const c = rand(m * n, seed + 2);
          const ref = refMatmul(a, b, c, m, n, k, ta, tb, alpha, beta);
          on(t, () => ops.matmul(a, b, c, { m, n, k, transA: ta, transB: tb, alpha, beta }));
          expect(closeness(c, ref, 0, tol(k) * Math.max(1, Math.abs(alpha) * 1))).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: t.backend === 'js' ? 25 : 40 },
    );
  });

  it('beta = 0 never reads c; k = 0 and alpha = 0 give beta·c; m or n = 0 is a no-op', () => {
    on(t, () => {
      const a = rand(6, 3);
      const b = rand(6, 4);
      const c = new Float32Array(4).fill(NaN);
      ops.matmul(a, b, c, { m: 2, n: 2, k: 3 });
      expect(c.every(Number.isFinite)).toBe(true);
      const c2 = Float32Array.of(1, 2, 3, 4);
      ops.matmul(new Float32Array(0), new Float32Array(0), c2, { m: 2, n: 2, k: 0, beta: 2 });
      expect(c2).toEqual(Float32Array.of(2, 4, 6, 8));
      const c3 = Float32Array.of(1, 2, 3, 4);
      ops.matmul(Float32Array.of(Infinity, 0, 0, 0, 0, 0), b, c3, { m: 2, n: 2, k: 3, alpha: 0, beta: -1 });
      expect(c3).toEqual(Float32Array.of(-1, -2, -3, -4));
      ops.matmul(new Float32Array(0), b, new Float32Array(0), { m: 0, n: 2, k: 3 });
      // NaN in a propagates
      const c4 = new Float32Array(4);
      ops.matmul(Float32Array.of(NaN, 0, 0, 0, 0, 0), b, c4, { m: 2, n: 2, k: 3 });
      expect(Number.isNaN(c4[0]) && Number.isNaN(c4[1])).toBe(true);
      expect(Number.isFinite(c4[2]) && Number.isFinite(c4[3])).toBe(true);
    });
  });

  it('matmulAsync gives the sync result', async () => {
    const a = rand(37 * 45, 9);
    const b = rand(45 * 29, 10);
    const c1 = new Float32Array(37 * 29);
    const c2 = new Float32Array(37 * 29);
    on(t, () => ops.matmul(a, b, c1, { m: 37, n: 29, k: 45, transB: false }));
    const r = await onAsync(t, () => ops.matmulAsync(a, b, c2, { m: 37, n: 29, k: 45 }));
    expect(r).toBe(c2);
    expect(c2).toEqual(c1);
  });
});

describe.each(TARGETS.map((t) => [t.label, t] as const))('linear on %s', (_l, t) => {
  it('forward and backward vs float64 references, with and without bias, accumulate and skip', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 70 }),
        fc.integer({ min: 0, max: 50 }),
        fc.boolean(),
        fc.integer(),
        (batch, inF, outF, hasBias, seed) => {
          const x = rand(batch * inF, seed);
          const w = rand(outF * inF, seed + 1);
          const bias = hasBias ? rand(outF, seed + 2) : null;
          const gy = rand(batch * outF, seed + 3);
          const shape = { batch, inFeatures: inF, outFeatures: outF };
          const y = new Float32Array(batch * outF).fill(NaN);
          const gx = new Float32Array(batch * inF).fill(NaN);
          const gw = new Float32Array(outF * inF).fill(NaN);
          const gb = new Float32Array(outF).fill(NaN);
          on(t, () => {
            ops.linearForward(x, w, bias, y, shape);
            ops.linearBackward(x, w, gy, { gradX: gx, gradWeight: gw, gradBias: hasBias ? gb : null }, shape);
          });
          const yRef = refMatmul(x, w, new Float32Array(0), batch, outF, inF, false, true, 1, 0);
          if (bias) for (let i = 0; i < batch; i++) for (let j = 0; j < outF; j++) yRef[i * outF + j] += bias[j];
          expect(closeness(y, yRef, 0, tol(inF) + 1e-6)).toBeLessThanOrEqual(1);
          expect(closeness(gx, refMatmul(gy, w, gx, batch, inF, outF, false, false, 1, 0), 0, tol(outF))).toBeLessThanOrEqual(1);
          const gwRef = refMatmul(gy, x, gw, outF, inF, batch, true, false, 1, 0);
          expect(closeness(gw, gwRef, 0, tol(batch))).toBeLessThanOrEqual(1);
          if (hasBias) {
            const gbRef = new Float64Array(outF);
            for (let i = 0; i < batch; i++) for (let j = 0; j < outF; j++) gbRef[j] += gy[i * outF + j];
            expect(closeness(gb, gbRef, 0, tol(batch))).toBeLessThanOrEqual(1);
          }
          // accumulate: a second pass adds the same again; gradX skipped stays untouched
          const gx2 = new Float32Array(batch * inF).fill(5);
          on(t, () => ops.linearBackward(x, w, gy, { gradWeight: gw, gradBias: hasBias ? gb : null }, { ...shape, accumulate: true }));
          expect(closeness(gw, gwRef.map((v) => 2 * v), 0, 2 * tol(batch))).toBeLessThanOrEqual(1);
          expect(gx2.every((v) => v === 5)).toBe(true);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('async forms give the sync results', async () => {
    const shape = { batch: 9, inFeatures: 33, outFeatures: 17 };
    const x = rand(9 * 33, 1);
    const w = rand(17 * 33, 2);
    const b = rand(17, 3);
    const gy = rand(9 * 17, 4);
    const y1 = new Float32Array(9 * 17);
    const y2 = new Float32Array(9 * 17);
    const g1 = { gradX: new Float32Array(9 * 33), gradWeight: new Float32Array(17 * 33), gradBias: new Float32Array(17) };
    const g2 = { gradX: new Float32Array(9 * 33), gradWeight: new Float32Array(17 * 33), gradBias: new Float32Array(17) };
    on(t, () => {
      ops.linearForward(x, w, b, y1, shape);
      ops.linearBackward(x, w, gy, g1, shape);
    });
    await onAsync(t, async () => {
      await ops.linearForwardAsync(x, w, b, y2, shape);
      await ops.linearBackwardAsync(x, w, gy, g2, shape);
    });
    expect(y2).toEqual(y1);
    expect(g2).toEqual(g1);
  });
});

describe('matmul/linear: native agrees with pure TS', () => {
  for (const t of TARGETS.slice(1)) {
    it(`${t.label}: random shapes and transposes`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 300 }),
          fc.integer({ min: 1, max: 300 }),
          fc.integer({ min: 1, max: 300 }),
          fc.boolean(),
          fc.boolean(),
          fc.integer(),
          (m, n, k, ta, tb, seed) => {
            const a = rand(m * k, seed);
            const b = rand(k * n, seed + 1);
            const c0 = rand(m * n, seed + 2);
            const c1 = c0.slice();
            const c2 = c0.slice();
            on(TARGETS[0], () => ops.matmul(a, b, c1, { m, n, k, transA: ta, transB: tb, beta: 1 }));
            on(t, () => ops.matmul(a, b, c2, { m, n, k, transA: ta, transB: tb, beta: 1 }));
            expect(closeness(c2, c1, 0, 2 * tol(k))).toBeLessThanOrEqual(1);
          },
        ),
        { numRuns: 25 },
      );
    });
  }
});

describe('matmul/linear: bad inputs', () => {
  const a = new Float32Array(6);
  const b = new Float32Array(6);
  const c = new Float32Array(4);
  it('names the argument', () => {
    expect(() => ops.matmul(a, b, c, { m: 2, n: 2, k: 4 })).toThrow(/^a: expected at least 8/);
    expect(() => ops.matmul(a, b, c, { m: 2, n: 3, k: 2 })).toThrow(/^c: expected at least 6/);
    expect(() => ops.matmul(a, b, c, { m: 2.5, n: 2, k: 3 })).toThrow(RangeError);
    expect(() => ops.matmul(a, b, c, { m: -1, n: 2, k: 3 })).toThrow(/options.m/);
    expect(() => ops.matmul(a, b, c, { m: '2' as unknown as number, n: 2, k: 3 })).toThrow(TypeError);
    expect(() => ops.matmul(a, b, c, { m: 2, n: 2, k: 3, alpha: NaN })).toThrow(/options.alpha/);
    expect(() => ops.matmul(a, b, c, { m: 2, n: 2, k: 3, transA: 1 as unknown as boolean })).toThrow(/options.transA/);
    expect(() => ops.matmul(a, b, a.subarray(0, 4), { m: 2, n: 2, k: 3 })).toThrow(/^c: expected an array that shares no memory with a/);
    expect(() => ops.matmul(a, [] as unknown as Float32Array, c, { m: 2, n: 2, k: 3 })).toThrow(/^b: expected a Float32Array/);
    expect(() => ops.matmul(a, b, c, undefined as unknown as { m: number; n: number; k: number })).toThrow(/options.m/);
  });
  it('linear checks shapes and aliasing', () => {
    const shape = { batch: 2, inFeatures: 3, outFeatures: 2 };
    const x = new Float32Array(6);
    const w = new Float32Array(6);
    expect(() => ops.linearForward(x, w, new Float32Array(3), new Float32Array(4), shape)).toThrow(/^bias:/);
    expect(() => ops.linearForward(x, w, null, new Float32Array(5), shape)).toThrow(/^y:/);
    expect(() => ops.linearForward(x, new Float32Array(5), null, new Float32Array(4), shape)).toThrow(/^weight:/);
    expect(() => ops.linearBackward(x, w, new Float32Array(4), { gradX: x }, shape)).toThrow(/grads.gradX: expected an array that shares no memory with x/);
    const g = new Float32Array(12);
    expect(() => ops.linearBackward(x, w, new Float32Array(4), { gradX: g.subarray(0, 6), gradWeight: g.subarray(4, 10) }, shape)).toThrow(
      /grads.gradWeight/,
    );
    expect(() => ops.linearBackward(x, w, new Float32Array(4), { gradX: new Float32Array(6) }, { ...shape, accumulate: 'yes' as unknown as boolean })).toThrow(
      /options.accumulate/,
    );
  });
});
