// The addon's pooling, BatchNorm2d and dropout glue re-checks what the TS layer validated, called
// directly: lengths against the geometry, wrong array types, products that would wrap, zero
// kernel/stride/dilation, int32 index range, and indices outside their plane (refused, nothing
// written).
import { describe, expect, it } from 'vitest';
import { loadAddon, type PoolGeometryArgs } from '../../lib/binding.js';
import { nativeAvailable } from '../../lib/index.js';

// Without the addon there is nothing to check (the tests pass vacuously rather than count as skipped).
describe('pooling, BatchNorm2d and dropout: native glue', () => {
  const a = nativeAvailable() ? loadAddon() : null;
  // 1 plane of 4×4, kernel 2 stride 2 → 2×2.
  const g: PoolGeometryArgs = [1, 1, 4, 4, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1];
  const x = new Float32Array(16);
  const y = new Float32Array(4);

  it('rejects lengths and types that do not match the geometry', () => {
    if (!a) return;
    expect(() => a.maxPool2dForward(new Float32Array(15), y, null, ...g)).toThrow(/x must have 16 elements/);
    expect(() => a.maxPool2dForward(x, new Float32Array(5), null, ...g)).toThrow(/y must have 4 elements/);
    expect(() => a.maxPool2dForward(x, y, new Int32Array(3), ...g)).toThrow(/indices must have 4 elements/);
    expect(() => a.maxPool2dForward(x, y, new Float32Array(4) as unknown as Int32Array, ...g)).toThrow(/indices must be an Int32Array/);
    expect(() => a.maxPool2dBackward(y, new Int32Array(4), new Float32Array(3), ...g)).toThrow(/gradX must have 16/);
    expect(() => a.avgPool2dForward(x, y, true, false, ...(g.slice(0, 13) as unknown as PoolGeometryArgs))).toThrow(/expected 18 arguments/);
    expect(() => a.avgPool2dBackward(y, x, 1 as unknown as boolean, false, ...g)).toThrow(/countIncludePad must be a boolean/);
    expect(() => a.batchNorm2dForward(x, 2, 2, 3, null, null, null, null, true, 0.1, 1e-5, x, new Float64Array(2), new Float64Array(2))).toThrow(/x must have 12 elements/);
    expect(() => a.batchNorm2dForward(new Float32Array(2), 1, 2, 1, null, null, null, null, true, 0.1, 1e-5, new Float32Array(2), new Float64Array(2), new Float64Array(2))).toThrow(/>= 2 in training/);
    expect(() => a.dropoutApply(x, new Uint8Array(15), 1, 2, x)).toThrow(/mask must have 16 elements/);
    expect(() => a.dropoutApply(x, new Uint8Array(3), 5, 2, x)).toThrow(/groupSize/);
    expect(() => a.dropoutApply(x, new Int8Array(16) as unknown as Uint8Array, 1, 2, x)).toThrow(/mask must be a Uint8Array/);
  });

  it('rejects zero kernel, stride or dilation, planes beyond int32 indices, and products that wrap', () => {
    if (!a) return;
    for (const at of [6, 7, 8, 9, 12, 13]) {
      const bad = [...g] as PoolGeometryArgs;
      bad[at] = 0;
      expect(() => a.maxPool2dForward(x, y, null, ...bad)).toThrow(/must be >= 1/);
    }
    expect(() => a.maxPool2dForward(x, y, null, 1, 1, 65536, 65536, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1)).toThrow(/fit int32/);
    expect(() => a.maxPool2dForward(x, y, null, 2 ** 40, 2 ** 40, 4, 4, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1)).toThrow(/too large/);
    expect(() => a.maxPool2dForward(x, y, null, 1, 1, 2 ** 31, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1)).toThrow(/height must be a non-negative integer/);
    expect(() => a.batchNorm2dForward(x, 2 ** 32, 2 ** 32, 2, null, null, null, null, true, 0.1, 1e-5, x, new Float64Array(0), new Float64Array(0))).toThrow(/too large/);
  });

  it('refuses an index outside its plane before writing anything', () => {
    if (!a) return;
    const gx = new Float32Array(16).fill(3);
    expect(() => a.maxPool2dBackward(y, new Int32Array([0, 1, 16, 2]), gx, ...g)).toThrow(/invalid/i);
    expect(() => a.maxPool2dBackward(y, new Int32Array([0, -1, 1, 2]), gx, ...g)).toThrow(/invalid/i);
    expect(gx.every((v) => v === 3)).toBe(true);
  });
});
