import { describe, expect, it } from 'vitest';
import { clipGradNorm, clipGradNormAsync, getTotalNorm } from '../../lib/index.js';
import { randomFloats, referenceNorm, targets, useTarget } from '../helpers/targets.js';

// Long lists are validated and unpacked once and remembered by array identity (lib/list-cache.ts);
// every change to the array's contents must be noticed.
const make = (n: number) => Array.from({ length: n }, (_, i) => randomFloats(17 + (i % 5), i + 1));

describe.each(targets)('remembered tensor lists on $name', (t) => {
  useTarget(t);

  it('sees a replaced tensor, a pushed tensor and a detached buffer', () => {
    const list = make(64);
    expect(getTotalNorm(list)).toBeCloseTo(referenceNorm(list, 2), 10);
    list[10] = new Float32Array(list[10].length).fill(100);
    expect(getTotalNorm(list)).toBeCloseTo(referenceNorm(list, 2), 8);
    list.push(new Float32Array([1000]));
    expect(getTotalNorm(list)).toBeCloseTo(referenceNorm(list, 2), 6);
    structuredClone(list[3].buffer, { transfer: [list[3].buffer] });
    expect(() => getTotalNorm(list)).toThrow(/grads\[3\].*detached/);
  });

  it('runs the in-place overlap check even when the list was first seen by a read-only call', () => {
    const list = make(40);
    getTotalNorm(list);
    const shared = new Float32Array(100);
    list[5] = shared.subarray(0, 60);
    list[6] = shared.subarray(50, 100);
    getTotalNorm(list);
    expect(() => clipGradNorm(list, 1)).toThrow(/overlap/);
    list[7] = list[8];
    list[6] = new Float32Array(3);
    expect(() => clipGradNorm(list, 1)).toThrow(/grads\[7\] and grads\[8\] overlap/);
  });

  it('gives the same results through the remembered path, sync and async, step after step', async () => {
    const a = make(100);
    const b = a.map((x) => x.slice());
    for (let step = 0; step < 3; step++) {
      const ta = step === 1 ? await clipGradNormAsync(a, 0.5) : clipGradNorm(a, 0.5);
      const tb = clipGradNorm(b.map((x) => x), 0.5); // a fresh array each step: never remembered
      expect(ta).toBe(tb);
      a.forEach((x, i) => expect(x).toEqual(b[i]));
      a.forEach((x) => x.set(x.map((v) => v * 3)));
      b.forEach((x) => x.set(x.map((v) => v * 3)));
    }
  });
});
