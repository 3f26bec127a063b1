// Without the MPI addon (forced here with GRADGUARD_DIST_DISABLE=1, read at first use): the rest of
// gradguard works as before, dist says why it is off, and init throws that reason.
import { describe, expect, it } from 'vitest';
import { dist, getTotalNorm } from '../../lib/index.js';

process.env.GRADGUARD_DIST_DISABLE = '1';

describe('dist without MPI', () => {
  it('available() is false and says why', () => {
    expect(dist.available()).toBe(false);
    expect(dist.unavailableReason()).toBe('disabled by GRADGUARD_DIST_DISABLE=1');
  });

  it('init and the collectives throw ERR_GRADGUARD_DIST_UNAVAILABLE with the reason', () => {
    expect(() => dist.init()).toThrow(/dist\.init: MPI is not available: disabled by GRADGUARD_DIST_DISABLE=1/);
    expect(() => dist.init()).toThrow(expect.objectContaining({ code: 'ERR_GRADGUARD_DIST_UNAVAILABLE' }));
    expect(() => dist.allReduce(new Float32Array(2))).toThrow(expect.objectContaining({ code: 'ERR_GRADGUARD_DIST_UNAVAILABLE' }));
  });

  it('leaves the rest of the library working', () => {
    expect(getTotalNorm(new Float32Array([3, 4]))).toBe(5);
  });
});
