// A C++ exception in the addon (std::bad_alloc, as an allocation inside a binding or a kernel task
// would throw) becomes a JS Error on the calling thread, from the caller's frame or from a
// thread-pool task, at any thread count; the process and the pool carry on.
import { describe, expect, it } from 'vitest';
import { loadAddon } from '../../lib/binding.js';
import { getTotalNorm, nativeAvailable, setNumThreads, useBackend } from '../../lib/index.js';

describe.runIf(nativeAvailable())('native faults', () => {
  it('a std::bad_alloc is a JS Error, not an abort, on the caller or in a pool task, for 1, 2 and 3 threads', () => {
    const addon = loadAddon();
    useBackend('native');
    for (const threads of [1, 2, 3]) {
      setNumThreads(threads);
      expect(() => addon.testThrowBadAlloc('caller')).toThrow(/bad_alloc/);
      expect(() => addon.testThrowBadAlloc('pool')).toThrow(/bad_alloc/);
      expect(getTotalNorm(new Float32Array(100_000).fill(1))).toBeCloseTo(Math.sqrt(100_000), 6);
    }
    expect(() => addon.testThrowBadAlloc('elsewhere' as 'pool')).toThrow(RangeError);
  });
});
