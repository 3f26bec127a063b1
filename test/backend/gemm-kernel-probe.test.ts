// The devtools micro-kernel probe the linalg bench splits the 1024³ gap with (gemmKernelProbe in
// native/devtools/devtools.cc): it reports exactly the flops of the calls it was asked for (2·mr·nr·kc
// per call, from the ISA's tile and derived kc) for every ISA this machine runs, throws a RangeError
// naming the bad argument, and is not exported by the production addon.
import { describe, expect, it } from 'vitest';
import { loadDevtools } from '../../scripts/devtools.js';
import { nativeAvailable, supportedIsas } from '../../lib/index.js';

describe.runIf(nativeAvailable())('SGEMM micro-kernel probe', () => {
  it('counts 2·mr·nr·kc flops per call, on L1 panels and over the sweep, for every ISA here', () => {
    const tools = loadDevtools();
    for (const isa of supportedIsas()) {
      const b = tools.gemmBlocking(isa);
      const perCall = 2 * b.mr * b.nr * b.kc;
      expect(tools.gemmKernelProbe(isa, 'l1', 3)).toBe(3 * perCall);
      // More calls than one row block holds: the sweep moves on to the next block mid-count.
      const calls = (b.mc / b.mr) * (1024 / b.nr) + 5;
      expect(tools.gemmKernelProbe(isa, 'sweep', calls)).toBe(calls * perCall);
    }
  });

  it('names a bad ISA, place or call count in a RangeError', () => {
    const tools = loadDevtools();
    expect(() => tools.gemmKernelProbe('sse9', 'l1', 1)).toThrow(/sse9/);
    expect(() => tools.gemmKernelProbe('scalar', 'l3' as never, 1)).toThrow(RangeError);
    expect(() => tools.gemmKernelProbe('scalar', 'l3' as never, 1)).toThrow(/where/);
    expect(() => tools.gemmKernelProbe('scalar', 'l1', 0)).toThrow(/calls/);
    expect(() => tools.gemmKernelProbe('scalar', 'l1', 0)).toThrow(RangeError);
  });

  it('is a devtools probe only: the production addon does not export it', async () => {
    const { loadAddon } = await import('../../lib/binding.js');
    expect(Object.keys(loadAddon())).not.toContain('gemmKernelProbe');
  });
});
