// The addon re-checks every length itself: a bug in the TS layer must not become an out-of-bounds access.
import { describe, expect, it } from 'vitest';
import { loadAddon, type NativeAddon } from '../../lib/binding.js';
import { nativeAvailable } from '../../lib/index.js';

describe.skipIf(!nativeAvailable())('ops bindings re-check bounds', () => {
  const addon: NativeAddon = nativeAvailable() ? loadAddon() : (undefined as unknown as NativeAddon);
  const f = (n: number) => new Float32Array(n);
  it('matmul and linear', async () => {
    expect(() => addon.matmul(f(5), f(6), f(4), 2, 2, 3, false, false, 1, 0)).toThrow(/^a must hold at least 6/);
    expect(() => addon.matmul(f(6), f(5), f(4), 2, 2, 3, true, true, 1, 0)).toThrow(/^b must hold/);
    expect(() => addon.matmul(f(6), f(6), f(3), 2, 2, 3, false, false, 1, 0)).toThrow(RangeError);
    expect(() => addon.matmul(f(6), f(6), f(4), -2, 2, 3, false, false, 1, 0)).toThrow(/m must be a non-negative integer/);
    expect(() => addon.matmul(f(6), f(6), f(4), 2 ** 40, 2 ** 40, 2 ** 40, false, false, 1, 0)).toThrow(RangeError);
    expect(() => addon.matmulAsync(f(6), f(6), f(3), 2, 2, 3, false, false, 1, 0)).toThrow(RangeError);
    expect(() => addon.linearForward(f(6), f(6), f(1), f(4), 2, 3, 2)).toThrow(/^bias must hold/);
    expect(() => addon.linearForward(f(6), f(6), null, f(3), 2, 3, 2)).toThrow(/^y must hold/);
    expect(() => addon.linearBackward(f(6), f(6), f(4), f(5), null, null, 2, 3, 2, false)).toThrow(/^gradX must hold/);
    expect(() => addon.linearBackward(f(5), f(6), f(4), null, f(6), null, 2, 3, 2, false)).toThrow(/^x must hold/);
    expect(() => addon.linearBackward(f(6), f(6), f(4), null, null, f(1), 2, 3, 2, false)).toThrow(/^gradBias must hold/);
    expect(() => addon.linearBackward(f(6), f(6), f(3), null, null, null, 2, 3, 2, false)).toThrow(/^gradY must hold/);
  });
  it('activations and losses', () => {
    expect(() => addon.activationForward(2, f(8), f(7), 0, 0)).toThrow(/^y must hold/);
    expect(() => addon.activationForward(8, f(8), f(8), 0, 0)).toThrow(/fn must be/);
    expect(() => addon.activationBackward(2, f(8), f(7), f(8), 0, 0)).toThrow(/^gradY must hold/);
    expect(() => addon.activationBackward(2, f(8), f(8), f(7), 0, 0)).toThrow(/^gradX must hold/);
    expect(() => addon.mseLoss(f(8), f(7), null, true)).toThrow(/^target must hold/);
    expect(() => addon.bceWithLogitsLoss(f(8), f(8), f(2))).toThrow(/^gradInput must hold/);
    expect(() => addon.crossEntropyLoss(f(6), new Int32Array(1), null, 2, 3)).toThrow(/labels must hold/);
    expect(() => addon.crossEntropyLoss(f(6), new Float32Array(2) as unknown as Int32Array, null, 2, 3)).toThrow(TypeError);
    expect(() => addon.crossEntropyLoss(f(6), Int32Array.of(0, 5), null, 2, 3)).toThrow(/labels\[1\] = 5/);
    expect(() => addon.crossEntropyLoss(f(5), Int32Array.of(0, 1), null, 2, 3)).toThrow(/^logits must hold/);
  });
});
