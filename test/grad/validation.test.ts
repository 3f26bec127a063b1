import { describe, expect, it } from 'vitest';
import {
  agcClip,
  clipGradNorm,
  clipGradNormAsync,
  clipGradValue,
  createParamStore,
  getTotalNorm,
  gradStats,
  setIsa,
  setNumThreads,
} from '../../lib/index.js';
import { targets, useTarget } from '../helpers/targets.js';

describe.each(targets)('bad input is rejected before anything runs on $name', (t) => {
  useTarget(t);

  it('rejects non-Float32Array tensors with a TypeError naming the argument', () => {
    expect(() => getTotalNorm(new Float64Array(3) as never)).toThrow(/grads: expected a Float32Array/);
    expect(() => getTotalNorm([new Float32Array(2), [1, 2]] as never)).toThrow(TypeError);
    expect(() => getTotalNorm([new Float32Array(2), new Int32Array(2)] as never)).toThrow(/grads\[1\]: expected a Float32Array, got Int32Array/);
    expect(() => clipGradNorm(null as never, 1)).toThrow(TypeError);
    expect(() => gradStats({} as never)).toThrow(TypeError);
  });

  it('rejects bad maxNorm and normType with RangeError/TypeError', () => {
    const g = [new Float32Array([1, 2])];
    expect(() => clipGradNorm(g, -1)).toThrow(RangeError);
    expect(() => clipGradNorm(g, NaN)).toThrow(/maxNorm: expected a number >= 0/);
    expect(() => clipGradNorm(g, '1' as never)).toThrow(TypeError);
    expect(() => clipGradNorm(g, 1, { normType: 0 })).toThrow(RangeError);
    expect(() => clipGradNorm(g, 1, { normType: -2 })).toThrow(/options.normType/);
    expect(() => getTotalNorm(g, NaN)).toThrow(RangeError);
    expect(() => clipGradNorm(g, 1, { errorIfNonfinite: 1 as never })).toThrow(TypeError);
    expect(() => clipGradValue(g, -0.5)).toThrow(RangeError);
    expect(clipGradNorm(g, 0)).toBeCloseTo(Math.sqrt(5), 6); // zero is allowed
  });

  it('rejects the same tensor twice and overlapping views for in-place ops, modifying nothing', () => {
    const a = new Float32Array([10, 20, 30, 40]);
    expect(() => clipGradNorm([a, a], 1)).toThrow(/overlap/);
    const buf = new Float32Array(10).fill(5);
    expect(() => clipGradNorm([buf.subarray(0, 6), buf.subarray(5, 10)], 1)).toThrow(RangeError);
    expect(() => clipGradValue([buf.subarray(2, 4), buf.subarray(0, 3)], 1)).toThrow(/grads\[0\] and grads\[1\] overlap/);
    expect(Array.from(a)).toEqual([10, 20, 30, 40]);
    expect(Array.from(buf).every((v) => v === 5)).toBe(true);
    // adjacent views are fine, and so is reading the same tensor twice
    clipGradNorm([buf.subarray(0, 5), buf.subarray(5, 10)], 1e9);
    expect(getTotalNorm([a, a])).toBeCloseTo(Math.sqrt(2 * 3000), 6);
  });

  it('rejects detached buffers', () => {
    const g = new Float32Array(8);
    structuredClone(g.buffer, { transfer: [g.buffer] });
    expect(() => getTotalNorm(g)).toThrow(/detached/);
    expect(() => clipGradNorm([new Float32Array(2), g], 1)).toThrow(/grads\[1\].*detached/);
  });

  it('async calls reject (not throw) on bad input', async () => {
    await expect(clipGradNormAsync([new Float32Array(1)], -1)).rejects.toThrow(RangeError);
  });

  it('validates AGC arguments', () => {
    const w = new Float32Array(6);
    expect(() => agcClip([w], [new Float32Array(5)], { shapes: [[2, 3]] })).toThrow(RangeError);
    expect(() => agcClip([w], [new Float32Array(6)], { shapes: [[4, 2]] })).toThrow(/shapes\[0\]/);
    expect(() => agcClip([w], [], {})).toThrow(RangeError);
    expect(() => agcClip([w], [new Float32Array(6)], { clipping: 0 })).toThrow(RangeError);
  });

  it('validates runtime settings and store shapes', () => {
    expect(() => setNumThreads(0)).toThrow(RangeError);
    expect(() => setNumThreads(1.5)).toThrow(RangeError);
    expect(() => setIsa('sse9')).toThrow(RangeError);
    expect(() => createParamStore([[2, -1]])).toThrow(TypeError);
  });
});
