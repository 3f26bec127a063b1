// A C++ exception in an addon (std::bad_alloc, as an allocation inside a binding or a kernel task
// would throw) becomes a JS Error on the calling thread, from the caller's frame or from a
// thread-pool task, at any thread count; the process and the pool carry on. The hook lives in the
// devtools addon, which is built with the production addon's exception flags and links the same
// kernel and thread-pool libraries (the production addon exports no test hooks).
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { devtoolsPath, loadDevtools } from '../../scripts/devtools.js';
import { nativeAvailable } from '../../lib/index.js';

describe.runIf(nativeAvailable())('native faults', () => {
  it('the devtools addon is built (npm run build:native)', () => {
    expect(existsSync(devtoolsPath)).toBe(true);
  });

  it('a std::bad_alloc is a JS Error, not an abort, on the caller or in a pool task, for 1, 2 and 3 threads', () => {
    const tools = loadDevtools();
    const data = new Float32Array(1 << 20).fill(1);
    for (const threads of [1, 2, 3]) {
      expect(() => tools.testThrowBadAlloc('caller', threads)).toThrow(/bad_alloc/);
      expect(() => tools.testThrowBadAlloc('pool', threads)).toThrow(/bad_alloc/);
      // the pool that threw still runs work split over all its threads
      const copy = new Float32Array(data.length);
      tools.streamCopy(copy, data, threads);
      expect(copy[copy.length - 1]).toBe(1);
    }
    expect(() => tools.testThrowBadAlloc('elsewhere' as 'pool', 1)).toThrow(RangeError);
  });

  it('the production addon exports no probes or test hooks', async () => {
    const { loadAddon } = await import('../../lib/binding.js');
    const names = Object.keys(loadAddon());
    for (const probe of ['streamRead', 'streamCopy', 'streamSumSquares', 'streamTriad', 'fmaPeak', 'testThrowBadAlloc']) expect(names).not.toContain(probe);
    expect(names).toContain('gradNorm');
  });
});
