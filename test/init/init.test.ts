import { afterEach, describe, expect, it } from 'vitest';
import {
  backendInfo,
  calculateFans,
  calculateGain,
  kaimingNormal,
  kaimingUniform,
  manualSeed,
  nativeAvailable,
  normal,
  orthogonal,
  Rng,
  uniform,
  useBackend,
  xavierNormal,
  xavierUniform,
  zeros,
} from '../../lib/index.js';

function moments(x: Float32Array): { mean: number; variance: number; maxAbs: number } {
  let s = 0;
  let m = 0;
  for (const v of x) {
    s += v;
    m = Math.max(m, Math.abs(v));
  }
  const mean = s / x.length;
  let q = 0;
  for (const v of x) q += (v - mean) ** 2;
  return { mean, variance: q / (x.length - 1), maxAbs: m };
}

// 5-sigma limits: a correct sampler fails about once in 1.7 million runs (and seeds are fixed).
function expectUniformStats(x: Float32Array, a: number): void {
  const n = x.length;
  const { mean, variance, maxAbs } = moments(x);
  expect(maxAbs).toBeLessThanOrEqual(Math.fround(a));
  expect(Math.abs(mean)).toBeLessThan((5 * a) / Math.sqrt(3 * n));
  expect(Math.abs(variance - (a * a) / 3)).toBeLessThan((5 * a * a * Math.sqrt(4 / 45)) / Math.sqrt(n));
}

function expectNormalStats(x: Float32Array, mu: number, std: number): void {
  const n = x.length;
  const { mean, variance } = moments(x);
  expect(Math.abs(mean - mu)).toBeLessThan((5 * std) / Math.sqrt(n));
  expect(Math.abs(variance - std * std)).toBeLessThan((5 * std * std * Math.SQRT2) / Math.sqrt(n));
}

describe('Rng (xoshiro128**)', () => {
  it('matches the reference stream for state [1, 2, 3, 4]', () => {
    const r = new Rng(0) as unknown as { s0: number; s1: number; s2: number; s3: number; nextUint32(): number };
    [r.s0, r.s1, r.s2, r.s3] = [1, 2, 3, 4];
    expect([0, 1, 2, 3, 4].map(() => r.nextUint32())).toEqual([11520, 0, 5927040, 70819200, 2031721883]);
  });
  it('gives the same stream for the same seed and different ones for nearby seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const sa = Array.from({ length: 8 }, () => a.nextUint32());
    expect(Array.from({ length: 8 }, () => b.nextUint32())).toEqual(sa);
    expect(Array.from({ length: 8 }, () => c.nextUint32())).not.toEqual(sa);
    const d = new Rng(7).nextDouble();
    expect(d >= 0 && d < 1).toBe(true);
    expect(() => new Rng(-1)).toThrow(RangeError);
  });
});

describe('initialisers (torch.nn.init semantics)', () => {
  const saved = backendInfo().backend;
  afterEach(() => useBackend(saved));

  it('fans and gains follow PyTorch', () => {
    expect(calculateFans([20, 30])).toEqual({ fanIn: 30, fanOut: 20 });
    expect(calculateFans([16, 3, 5, 5])).toEqual({ fanIn: 75, fanOut: 400 });
    expect(() => calculateFans([5])).toThrow(RangeError);
    expect(calculateGain('linear')).toBe(1);
    expect(calculateGain('sigmoid')).toBe(1);
    expect(calculateGain('tanh')).toBe(5 / 3);
    expect(calculateGain('relu')).toBe(Math.SQRT2);
    expect(calculateGain('leaky_relu')).toBeCloseTo(Math.sqrt(2 / (1 + 0.01 ** 2)), 15);
    expect(calculateGain('leaky_relu', 0.2)).toBeCloseTo(Math.sqrt(2 / 1.04), 15);
    expect(calculateGain('selu')).toBe(0.75);
    expect(() => calculateGain('swish' as never)).toThrow(/nonlinearity/);
  });

  it('xavierUniform stays within ±gain·√(6/(fanIn+fanOut)) with the uniform mean and variance', () => {
    const shape = [300, 400];
    const x = xavierUniform(new Float32Array(120000), shape, { seed: 1, gain: 2 });
    expectUniformStats(x, 2 * Math.sqrt(6 / 700));
  });

  it('xavierNormal has std gain·√(2/(fanIn+fanOut))', () => {
    expectNormalStats(xavierNormal(new Float32Array(120000), [300, 400], { seed: 2 }), 0, Math.sqrt(2 / 700));
  });

  it('kaimingUniform uses the fan of `mode` and the leaky_relu slope', () => {
    const shape = [64, 32, 3, 3];
    const x = kaimingUniform(new Float32Array(64 * 32 * 9), shape, { seed: 3, a: 0.2, mode: 'fan_out' });
    const gain = Math.sqrt(2 / 1.04);
    expectUniformStats(x, Math.sqrt(3) * (gain / Math.sqrt(64 * 9)));
  });

  it('kaimingNormal defaults to fan_in and gain √2 for a = 0', () => {
    expectNormalStats(kaimingNormal(new Float32Array(256 * 512), [256, 512], { seed: 4 }), 0, Math.sqrt(2 / 512));
    expectNormalStats(kaimingNormal(new Float32Array(256 * 512), [256, 512], { seed: 5, nonlinearity: 'relu', mode: 'fan_out' }), 0, Math.sqrt(2 / 256));
  });

  it('uniform, normal and zeros fill as asked', () => {
    const u = uniform(new Float32Array(100000), [100000], { a: 2, b: 4, seed: 6 });
    const m = moments(u);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...u)).toBeLessThanOrEqual(4);
    expect(Math.abs(m.mean - 3)).toBeLessThan(5 / Math.sqrt(3 * 100000));
    expectNormalStats(normal(new Float32Array(100001), [100001], { mean: -1, std: 3, seed: 7 }), -1, 3);
    expect(Array.from(zeros(new Float32Array([1, 2]), [2]))).toEqual([0, 0]);
  });

  it('orthogonal gives orthonormal columns (tall) or rows (wide), scaled by gain', () => {
    for (const [rows, cols, gain] of [[64, 32, 1], [32, 64, 1], [40, 40, 2], [16, 36, 1]] as const) {
      const w = orthogonal(new Float32Array(rows * cols), cols === 36 ? [16, 4, 3, 3] : [rows, cols], { seed: 8, gain });
      const k = Math.min(rows, cols);
      for (let i = 0; i < k; i++) {
        for (let j = 0; j < k; j++) {
          let dot = 0;
          if (rows >= cols) for (let r = 0; r < rows; r++) dot += w[r * cols + i] * w[r * cols + j];
          else for (let c = 0; c < cols; c++) dot += w[i * cols + c] * w[j * cols + c];
          expect(Math.abs(dot - (i === j ? gain * gain : 0))).toBeLessThan(1e-5 * gain * gain);
        }
      }
    }
  });

  it('the same seed gives the same weights on every backend; the default generator follows manualSeed', () => {
    const a = xavierUniform(new Float32Array(1000), [10, 100], { seed: 11 });
    if (nativeAvailable()) useBackend('native');
    const b = xavierUniform(new Float32Array(1000), [10, 100], { seed: 11 });
    useBackend('js');
    const c = xavierUniform(new Float32Array(1000), [10, 100], { rng: new Rng(11) });
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(c)).toEqual(Array.from(a));
    expect(Array.from(xavierUniform(new Float32Array(1000), [10, 100], { seed: 12 }))).not.toEqual(Array.from(a));
    manualSeed(5);
    const d = kaimingNormal(new Float32Array(50), [5, 10]);
    manualSeed(5);
    expect(Array.from(kaimingNormal(new Float32Array(50), [5, 10]))).toEqual(Array.from(d));
  });

  it('rejects bad arguments naming them', () => {
    expect(() => xavierUniform(new Float32Array(6), [6])).toThrow(/shape/);
    expect(() => xavierUniform(new Float32Array(6), [2, 4])).toThrow(RangeError);
    expect(() => kaimingUniform([1, 2] as never, [1, 2])).toThrow(/tensor/);
    expect(() => kaimingUniform(new Float32Array(4), [2, 2], { mode: 'fan' as never })).toThrow(/options\.mode/);
    expect(() => normal(new Float32Array(4), [4], { std: -1 })).toThrow(/options\.std/);
    expect(() => uniform(new Float32Array(4), [4], { a: 2, b: 1 })).toThrow(/options\.b/);
    expect(() => orthogonal(new Float32Array(4), [4])).toThrow(RangeError);
    expect(() => xavierNormal(new Float32Array(4), [2, 2], { seed: 1.5 })).toThrow(/seed/);
  });
});
