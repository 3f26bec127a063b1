import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ops } from '../../lib/index.js';
import { closeness, on, targets } from './targets.js';

const TARGETS = targets();
const JS = TARGETS[0];

function rand(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (((s >>> 0) / 4294967296) * 2 - 1) * scale;
  });
}

function labelsFor(batch: number, classes: number, seed: number): Int32Array {
  return Int32Array.from({ length: batch }, (_, i) => (i * 7 + seed) % classes);
}

/** Central finite differences of a scalar loss in float64 terms (inputs perturbed in float32). */
function fdCheck(loss: (x: Float32Array) => number, x: Float32Array, grad: Float32Array, h = 1e-2): void {
  for (let i = 0; i < x.length; i++) {
    const xp = x.slice();
    const xm = x.slice();
    xp[i] += h;
    xm[i] -= h;
    const fd = (loss(xp) - loss(xm)) / (xp[i] - xm[i]);
    expect(Math.abs(fd - grad[i]), `d/dx[${i}]`).toBeLessThan(1e-4 + 1e-3 * Math.abs(grad[i]));
  }
}

describe.each(TARGETS.map((t) => [t.label, t] as const))('losses on %s', (_l, t) => {
  it('mse (mean, sum): value and gradient vs finite differences', () => {
    on(t, () => {
      for (const reduction of ['mean', 'sum'] as const) {
        const x = rand(13, 1, 3);
        const y = rand(13, 2, 3);
        const g = new Float32Array(13);
        const v = ops.mseLoss(x, y, g, { reduction });
        let ref = 0;
        for (let i = 0; i < 13; i++) ref += (x[i] - y[i]) ** 2;
        expect(v).toBeCloseTo(reduction === 'mean' ? ref / 13 : ref, 10);
        fdCheck((xx) => ops.mseLoss(xx, y, null, { reduction }), x, g);
      }
      expect(Number.isNaN(ops.mseLoss(new Float32Array(0), new Float32Array(0)))).toBe(true);
      expect(ops.mseLoss(new Float32Array(0), new Float32Array(0), null, { reduction: 'sum' })).toBe(0);
    });
  });

  it('cross-entropy: gradient vs finite differences, stable at ±100, in place', () => {
    on(t, () => {
      const x = rand(4 * 5, 3, 4);
      const labels = labelsFor(4, 5, 1);
      const g = new Float32Array(20);
      ops.crossEntropyLoss(x, labels, g);
      fdCheck((xx) => ops.crossEntropyLoss(xx, labels), x, g);
      const big = Float32Array.of(100, -100, 0, -100, 100, 0);
      const gb = new Float32Array(6);
      const v = ops.crossEntropyLoss(big, Int32Array.of(1, 1), gb, { numClasses: 3 });
      expect(v).toBeCloseTo(100, 4);
      expect(gb.every(Number.isFinite)).toBe(true);
      const inPlace = x.slice();
      ops.crossEntropyLoss(inPlace, labels, inPlace);
      expect(inPlace).toEqual(g);
      expect(Number.isNaN(ops.crossEntropyLoss(new Float32Array(0), new Int32Array(0), null, { numClasses: 3 }))).toBe(true);
    });
  });

  it('cross-entropy: a label out of range throws before anything is written', () => {
    on(t, () => {
      const g = new Float32Array(6).fill(9);
      expect(() => ops.crossEntropyLoss(new Float32Array(6), Int32Array.of(0, 3), g)).toThrow(RangeError);
      expect(() => ops.crossEntropyLoss(new Float32Array(6), Int32Array.of(-1, 0), g)).toThrow(/labels\[0\]/);
      expect(g.every((v) => v === 9)).toBe(true);
    });
  });

  it('BCE with logits: hard and soft targets, gradient vs finite differences, stable at ±100', () => {
    on(t, () => {
      const x = rand(11, 5, 4);
      const tg = rand(11, 6).map((v) => (v + 1) / 2);
      const g = new Float32Array(11);
      ops.bceWithLogitsLoss(x, tg, g);
      fdCheck((xx) => ops.bceWithLogitsLoss(xx, tg), x, g);
      const v = ops.bceWithLogitsLoss(Float32Array.of(100, -100, 1000, -1000), Float32Array.of(0, 1, 1, 0), g.subarray(0, 4));
      expect(v).toBeCloseTo(50, 6);
      expect(g.subarray(0, 4)).toEqual(Float32Array.of(0.25, -0.25, 0, 0));
    });
  });

  it('NaN propagates into the loss', () => {
    on(t, () => {
      expect(Number.isNaN(ops.mseLoss(Float32Array.of(NaN, 1), Float32Array.of(0, 0)))).toBe(true);
      expect(Number.isNaN(ops.bceWithLogitsLoss(Float32Array.of(NaN), Float32Array.of(1)))).toBe(true);
      expect(Number.isNaN(ops.crossEntropyLoss(Float32Array.of(NaN, 1), Int32Array.of(0)))).toBe(true);
    });
  });
});

describe('losses: native agrees with pure TS on random shapes', () => {
  for (const t of TARGETS.slice(1)) {
    it(t.label, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 40 }), fc.integer(), (n, classes, seed) => {
          const x = rand(n * classes, seed, 50);
          const tg = rand(n * classes, seed + 1).map((v) => (v + 1) / 2);
          const labels = labelsFor(n, classes, seed & 0xff);
          const run = () => {
            const g1 = new Float32Array(n * classes);
            const g2 = new Float32Array(n * classes);
            const g3 = new Float32Array(n * classes);
            return [
              ops.mseLoss(x, tg, g1),
              ops.crossEntropyLoss(x, labels, g2),
              ops.bceWithLogitsLoss(x, tg, g3),
              g1,
              g2,
              g3,
            ] as const;
          };
          const r = on(JS, run);
          const q = on(t, run);
          for (let i = 0; i < 3; i++) expect(Math.abs((q[i] as number) - (r[i] as number))).toBeLessThanOrEqual(1e-12 * Math.abs(r[i] as number) + 1e-12);
          for (let i = 3; i < 6; i++) expect(closeness(q[i] as Float32Array, r[i] as Float32Array, 2e-7, 1e-30)).toBeLessThanOrEqual(1);
        }),
        { numRuns: 30 },
      );
    });
  }
});

describe('losses: bad inputs', () => {
  it('names the argument', () => {
    const x = new Float32Array(6);
    expect(() => ops.mseLoss(x, new Float32Array(5))).toThrow(/^target:/);
    expect(() => ops.mseLoss(x, x, new Float32Array(5))).toThrow(/^gradInput:/);
    expect(() => ops.mseLoss(x, new Float32Array(6), null, { reduction: 'none' as 'sum' })).toThrow(/options.reduction/);
    expect(() => ops.crossEntropyLoss(x, [0, 1] as unknown as Int32Array)).toThrow(TypeError);
    expect(() => ops.crossEntropyLoss(x, new Uint32Array(2) as unknown as Int32Array)).toThrow(/labels: expected an Int32Array/);
    expect(() => ops.crossEntropyLoss(x, new Int32Array(4))).toThrow(/^logits:/);
    expect(() => ops.crossEntropyLoss(x, new Int32Array(2), null, { numClasses: 4 })).toThrow(/^logits:/);
    const buf = new Float32Array(10);
    expect(() => ops.bceWithLogitsLoss(buf.subarray(0, 6), new Float32Array(6), buf.subarray(2, 8))).toThrow(/gradInput/);
    expect(() => ops.bceWithLogitsLoss(x, buf.subarray(0, 6), buf.subarray(2, 8))).toThrow(/gradInput: expected an array that shares no memory with target/);
  });
});

describe('residual add', () => {
  it('forward, in place, backward with and without accumulation', () => {
    const x = Float32Array.of(1, 2, 3);
    const r = Float32Array.of(10, 20, 30);
    expect(ops.residualAdd(x, r)).toEqual(Float32Array.of(11, 22, 33));
    const xi = x.slice();
    ops.residualAdd(xi, r, xi);
    expect(xi).toEqual(Float32Array.of(11, 22, 33));
    const gy = Float32Array.of(1, -1, 0.5);
    const gx = new Float32Array(3).fill(NaN);
    const gr = Float32Array.of(1, 1, 1);
    ops.residualAddBackward(gy, gx, null);
    expect(gx).toEqual(gy);
    ops.residualAddBackward(gy, null, gr, { accumulate: true });
    expect(gr).toEqual(Float32Array.of(2, 0, 1.5));
    expect(() => ops.residualAdd(x, new Float32Array(2))).toThrow(/^residual:/);
    expect(() => ops.residualAddBackward(gy, gy, null, { accumulate: true })).toThrow(/gradX/);
    const buf = new Float32Array(6);
    expect(() => ops.residualAddBackward(gy, buf.subarray(0, 3), buf.subarray(1, 4))).toThrow(/gradResidual/);
  });
});
