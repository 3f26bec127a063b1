// The addon re-checks what the TS layer validated: lengths against shapes, including shapes whose
// products would wrap around to a small array's length.
import { describe, expect, it } from 'vitest';
import { loadAddon } from '../../lib/binding.js';
import { nativeAvailable } from '../../lib/index.js';

// Without the addon there is nothing to check (the tests pass vacuously rather than count as skipped).
describe('normalisation and recurrent ops: native glue', () => {
  const a = nativeAvailable() ? loadAddon() : null;
  const f = new Float32Array(4);
  const none = new Float64Array(0);

  it('rejects lengths that do not match the shape', () => {
    if (!a) return;
    expect(() => a.batchNormForward(f, 2, 3, null, null, null, null, true, 0.1, 1e-5, f, new Float64Array(3), new Float64Array(3))).toThrow(/x must have 6 elements/);
    expect(() => a.layerNormForward(f, 2, 2, null, null, 1e-5, new Float32Array(3), new Float64Array(2), new Float64Array(2))).toThrow(RangeError);
    expect(() => a.recurrentForward(2, 1, 1, 1, 1, f, f, f, f, f, null, null, f, f, f, f)).toThrow(/input must have 1 elements/);
  });

  it('rejects shapes whose products overflow', () => {
    if (!a) return;
    expect(() => a.batchNormForward(f, 2 ** 32, 2 ** 32, null, null, null, null, true, 0.1, 1e-5, f, none, none)).toThrow(/too large/);
    expect(() => a.layerNormForward(f, 2 ** 40, 2 ** 40, null, null, 1e-5, f, none, none)).toThrow(/too large/);
    expect(() => a.recurrentForward(0, 2 ** 32 - 1, 2 ** 32 - 1, 1, 1, f, f, null, f, f, null, null, f, f, null, f)).toThrow(/too large/);
    expect(() => a.recurrentForward(7, 1, 1, 1, 1, f, f, null, f, f, null, null, f, f, null, f)).toThrow(/mode/);
  });

  it('parses every dimension alike: an integer up to 2^53 - 1 passes (the lengths then decide), nothing else', () => {
    if (!a) return;
    const rnn = (T: number, B: number) => () => a.recurrentForward(0, T, B, 1, 1, f, f, null, f, f, null, null, f, f, null, f);
    expect(rnn(2 ** 40, 0)).toThrow(/input must have 0 elements/); // above the old 2^32 - 1 bound of the RNN binding
    expect(rnn(2 ** 53 - 1, 0)).toThrow(/input must have 0 elements/);
    for (const bad of [2 ** 53, -1, 1.5, NaN, Infinity]) expect(rnn(bad, 1)).toThrow(/seqLen must be a non-negative integer/);
    expect(() => a.batchNormForward(f, 2 ** 53, 0, null, null, null, null, true, 0.1, 1e-5, f, none, none)).toThrow(/batch must be a non-negative integer/);
    expect(() => a.layerNormForward(f, 1, -2, null, null, 1e-5, f, none, none)).toThrow(/normalizedSize must be a non-negative integer/);
    expect(() => a.allocateBuffer(2 ** 53)).toThrow(/bytes must be a non-negative integer/);
  });

  it('rejects a clipHiddenGradNorm that is 0 or Infinity in float32 (it would switch clipping off)', () => {
    if (!a) return;
    const one = new Float32Array(1);
    const bwd = (clip: number) => () => a.recurrentBackward(0, 1, 1, 1, 1, one, one, null, one, one, one, null, null, null, one, one, null, one, one, null, null, false, clip);
    for (const clip of [1e-46, 1e39, -1, NaN]) expect(bwd(clip)).toThrow(/clipHiddenGradNorm must be 0 \(off\) or positive and finite in float32/);
    expect(bwd(0)).not.toThrow();
    expect(bwd(1.401298464324817e-45)).not.toThrow();
  });
});
