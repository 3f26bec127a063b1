import { describe, expect, it } from 'vitest';
import { AutoClip, getTotalNorm, ZClip } from '../../lib/index.js';
import { targets, useTarget } from '../helpers/targets.js';

const grads = (norm: number) => {
  const g = new Float32Array([3, 4]);
  g[0] *= norm / 5;
  g[1] *= norm / 5;
  return [g];
};

describe.each(targets)('adaptive clipping on $name', (t) => {
  useTarget(t);

  it('AutoClip clips to the running percentile of past norms', () => {
    const ac = new AutoClip({ percentile: 50, historySize: 5 });
    for (const n of [1, 2, 3, 4]) ac.step(grads(n));
    // history [1,2,3,4,100] -> median 3
    const g = grads(100);
    const r = ac.step(g);
    expect(r.totalNorm).toBeCloseTo(100, 4);
    expect(r.maxNorm).toBeCloseTo(3, 6);
    expect(r.clipped).toBe(true);
    expect(getTotalNorm(g)).toBeCloseTo(3, 4);
    // bounded history: the oldest norm was dropped
    expect(ac.state().history).toHaveLength(5);
    ac.step(grads(1));
    expect(ac.state().history[0]).toBeCloseTo(2, 4);
  });

  it('AutoClip state round-trips and ignores non-finite norms', () => {
    const ac = new AutoClip();
    ac.step(grads(2));
    ac.step([new Float32Array([NaN])]);
    const copy = AutoClip.fromState(JSON.parse(JSON.stringify(ac.state())));
    expect(copy.state()).toEqual(ac.state());
    expect(copy.state().history).toHaveLength(1);
    expect(() => new AutoClip({ percentile: 120 })).toThrow(RangeError);
  });

  it('ZClip warms up, then clips a spike to mean + z²·σ/z and follows an EMA', () => {
    const z = new ZClip({ warmupSteps: 4 });
    for (const n of [1, 1.2, 0.8, 1]) expect(z.step(grads(n)).clipped).toBe(false);
    const s = z.state();
    expect(s.initialised).toBe(true);
    expect(s.mean).toBeCloseTo(1, 6);
    const sigma = Math.sqrt(s.variance);
    const g = grads(10);
    const r = z.step(g);
    const zScore = (10 - 1) / sigma;
    expect(r.clipped).toBe(true);
    expect(r.maxNorm).toBeCloseTo(1 + (2.5 * 2.5 * sigma) / zScore, 6);
    expect(getTotalNorm(g)).toBeCloseTo(r.maxNorm, 4);
    expect(z.step(grads(1.05)).clipped).toBe(false);
    expect(ZClip.fromState(z.state()).state()).toEqual(z.state());
  });
});
