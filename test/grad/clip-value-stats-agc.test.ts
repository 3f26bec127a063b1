import { describe, expect, it } from 'vitest';
import { agcClip, clipGradValue, clipGradValueAsync, gradStats, gradStatsAsync } from '../../lib/index.js';
import { randomFloats, targets, useTarget } from '../helpers/targets.js';

describe.each(targets)('value clipping, statistics and AGC on $name', (t) => {
  useTarget(t);

  it('clipGradValue clamps to the float32-rounded bound; NaN stays, ±Inf become ±c', () => {
    const g = new Float32Array([NaN, Infinity, -Infinity, 0.05, -0.2, 0.1000001, -0]);
    clipGradValue(g, 0.1);
    const c = Math.fround(0.1);
    expect(g[0]).toBeNaN();
    expect([g[1], g[2], g[3], g[4], g[5]]).toEqual([c, -c, Math.fround(0.05), -c, c]);
  });

  it('clipGradValue handles every SIMD tail length', () => {
    for (let n = 0; n < 40; n++) {
      const g = randomFloats(n, n + 1, -3, 3);
      const e = g.map((v) => Math.min(1, Math.max(-1, v)));
      clipGradValue([g], 1);
      expect(g).toEqual(e);
    }
  });

  it('gradStats reports norms, max |g|, non-finite count and the first bad tensor in one pass', () => {
    const a = randomFloats(100, 1);
    const b = randomFloats(16385, 2);
    const c = randomFloats(3, 3);
    b[9000] = Infinity;
    c[1] = NaN;
    c[2] = -Infinity;
    const s = gradStats([a, b, c]);
    expect(s.nonFiniteCount).toBe(3);
    expect(s.firstNonFiniteIndex).toBe(1);
    expect(s.maxAbs).toBeNaN();
    expect(s.totalNorm).toBeNaN();
    expect(s.perTensorNorms[0]).toBeCloseTo(Math.hypot(...a), 9);
    expect(s.perTensorNorms[1]).toBe(Infinity);
  });

  it('gradStats on healthy gradients', async () => {
    const a = new Float32Array([3, -4]);
    const s = await gradStatsAsync([a, new Float32Array(0)]);
    expect(s).toMatchObject({ totalNorm: 5, maxAbs: 4, nonFiniteCount: 0, firstNonFiniteIndex: -1 });
    expect(Array.from(s.perTensorNorms)).toEqual([5, 0]);
  });

  it('agcClip clips each row of a weight to clipping·max(|W_row|, eps)', () => {
    const w = new Float32Array([1, 2, 2, 0, 0, 0]);
    const g = new Float32Array([3, 0, 4, 0, 1, 0]);
    agcClip([w], [g], { clipping: 0.1, shapes: [[2, 3]] });
    expect(g[0]).toBeCloseTo(0.18, 6);
    expect(g[2]).toBeCloseTo(0.24, 6);
    expect(g[4]).toBeCloseTo(1e-4, 9); // zero row: eps floor 1e-3 · 0.1
  });

  it('async value clipping matches sync', async () => {
    const a = randomFloats(5000, 7, -2, 2);
    const b = a.slice();
    await clipGradValueAsync(a, 0.5);
    clipGradValue(b, 0.5);
    expect(a).toEqual(b);
  });
});
