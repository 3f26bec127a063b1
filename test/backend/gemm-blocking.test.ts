// The SGEMM blocking the library derives from the CPU's reported caches, as the devtools addon
// reports it for the bench (native/kernels/gemm/gemm_blocking.h): every ISA this machine runs gets
// its micro-tile and blocks that obey the derivation's rounding and bounds; a bad ISA name is a
// RangeError; the production addon does not export the probe.
import { describe, expect, it } from 'vitest';
import { loadDevtools } from '../../scripts/devtools.js';
import { nativeAvailable, supportedIsas } from '../../lib/index.js';

const TILES: Record<string, [number, number]> = { scalar: [4, 8], avx2: [6, 16], avx512: [14, 32], neon: [8, 8] };

describe.runIf(nativeAvailable())('SGEMM blocking', () => {
  it('derives kc, mc, nc and mo within bounds and on tile multiples for every ISA here', () => {
    const tools = loadDevtools();
    for (const isa of supportedIsas()) {
      const b = tools.gemmBlocking(isa);
      expect(b.isa).toBe(isa);
      expect([b.mr, b.nr]).toEqual(TILES[isa]);
      expect(b.kc % 8).toBe(0);
      expect(b.kc).toBeGreaterThanOrEqual(64);
      expect(b.kc).toBeLessThanOrEqual(512);
      expect(b.mc % b.mr).toBe(0);
      expect(b.mc).toBeLessThanOrEqual(96);
      expect(b.nc % b.nr).toBe(0);
      expect(b.nc).toBeGreaterThanOrEqual(256);
      expect(b.nc).toBeLessThanOrEqual(4096);
      expect(b.mo % b.mc).toBe(0);
      // A reported L1d bounds kc: one packed B micro-panel fills at most two thirds of it.
      if (b.l1d > 0 && b.kc > 64) expect(b.kc * b.nr * 4).toBeLessThanOrEqual((b.l1d * 2) / 3);
      for (const v of [b.l1d, b.l2, b.l3, b.l2Sharing, b.l3Sharing]) expect(Number.isInteger(v) && v >= 0).toBe(true);
    }
  });

  it('names a bad ISA in a RangeError', () => {
    expect(() => loadDevtools().gemmBlocking('sse9')).toThrow(RangeError);
    expect(() => loadDevtools().gemmBlocking('sse9')).toThrow(/sse9/);
  });

  it('is a devtools probe only: the production addon does not export it', async () => {
    const { loadAddon } = await import('../../lib/binding.js');
    expect(Object.keys(loadAddon())).not.toContain('gemmBlocking');
  });
});
