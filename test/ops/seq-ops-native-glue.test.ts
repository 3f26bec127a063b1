// The embedding, softmax and attention bindings re-check what the TS layer validated, calling the
// addon directly: short buffers, wrong types, out-of-range indices (RangeError naming the position,
// nothing written), shapes whose products would wrap, causal with lq != lk, a non-finite scale.
import { describe, expect, it } from 'vitest';
import { loadAddon } from '../../lib/binding.js';
import { nativeAvailable } from '../../lib/index.js';

// Without the addon there is nothing to check (the tests pass vacuously rather than count as skipped).
describe('embedding, softmax and attention: native glue', () => {
  const a = nativeAvailable() ? loadAddon() : null;
  const f = (n: number) => new Float32Array(n);

  it('embedding: indices type and range, lengths, paddingIdx, overflow', () => {
    if (!a) return;
    expect(() => a.embeddingForward(new Float32Array(1) as unknown as Int32Array, f(4), f(2), 2, 2)).toThrow(/indices must be an Int32Array/);
    const y = f(4).fill(7);
    expect(() => a.embeddingForward(Int32Array.from([1, 2]), f(4), y, 2, 2)).toThrow(/indices\[1\] = 2 is outside \[0, 2\)/);
    expect(() => a.embeddingForward(Int32Array.from([-1, 0]), f(4), y, 2, 2)).toThrow(RangeError);
    expect(Array.from(y)).toEqual([7, 7, 7, 7]);
    expect(() => a.embeddingForward(Int32Array.from([0]), f(3), f(2), 2, 2)).toThrow(/weight must have 4 elements/);
    expect(() => a.embeddingForward(Int32Array.from([0]), f(4), f(3), 2, 2)).toThrow(/y must have 2 elements/);
    expect(() => a.embeddingForward(Int32Array.from([0]), f(4), f(2), 2 ** 40, 2 ** 40)).toThrow(/too large/);
    expect(() => a.embeddingBackward(Int32Array.from([0]), f(2), f(4), 2, 2, 2, false)).toThrow(/paddingIdx/);
    expect(() => a.embeddingBackward(Int32Array.from([0]), f(2), f(4), 2, 2, 0.5, false)).toThrow(/paddingIdx/);
    expect(() => a.embeddingBackward(Int32Array.from([0]), f(1), f(4), 2, 2, -1, false)).toThrow(/gradY must have 2 elements/);
    expect(() => a.embeddingBackward(Int32Array.from([0]), f(2), f(4), 2, 2, -1, 0 as unknown as boolean)).toThrow(/accumulate must be a boolean/);
  });

  it('softmax: lengths, types, overflow', () => {
    if (!a) return;
    expect(() => a.softmaxForward(f(5), f(6), 2, 3, false)).toThrow(/x must have 6 elements/);
    expect(() => a.softmaxForward(f(6), f(5), 2, 3, true)).toThrow(/y must have 6 elements/);
    expect(() => a.softmaxBackward(f(6), f(6), f(5), 2, 3, false)).toThrow(/gradX must have 6 elements/);
    expect(() => a.softmaxForward(f(6), [] as unknown as Float32Array, 2, 3, false)).toThrow(/y must be a Float32Array/);
    expect(() => a.softmaxForward(f(4), f(4), 2 ** 32, 2 ** 32, false)).toThrow(/too large/);
    expect(() => a.softmaxForward(f(6), f(6), 2, 3, 1 as unknown as boolean)).toThrow(/log must be a boolean/);
  });

  it('attention: lengths, mask shape, causal with lq != lk, scale, overflow', () => {
    if (!a) return;
    // batch 1, heads 2, lq 3, lk 4, d 2, dv 5: q 12, k 16, v 40, out 30, lse 6
    const fwd = (q: number, k: number, v: number, o: number, l: number, causal = false, mask: Float32Array | null = null, scale = 0.5, lq = 3, lk = 4) =>
      () => a.attentionForward(f(q), f(k), f(v), f(o), f(l), 1, 2, lq, lk, 2, 5, causal, mask, scale);
    expect(fwd(11, 16, 40, 30, 6)).toThrow(/q must have 12 elements/);
    expect(fwd(12, 15, 40, 30, 6)).toThrow(/k must have 16 elements/);
    expect(fwd(12, 16, 39, 30, 6)).toThrow(/v must have 40 elements/);
    expect(fwd(12, 16, 40, 31, 6)).toThrow(/out must have 30 elements/);
    expect(fwd(12, 16, 40, 30, 5)).toThrow(/lse must have 6 elements/);
    expect(fwd(12, 16, 40, 30, 6, false, f(11))).toThrow(/mask must have 12 elements/);
    expect(fwd(12, 16, 40, 30, 6, true)).toThrow(/causal needs lq == lk/);
    expect(fwd(12, 16, 40, 30, 6, false, null, Infinity)).toThrow(/scale must be finite/);
    expect(fwd(12, 16, 40, 30, 6, false, null, 0.5, 2 ** 40, 2 ** 40)).toThrow(/too large/);
    expect(fwd(12, 16, 40, 30, 6)).not.toThrow();
    const bwd = (gq: number) => () => a.attentionBackward(f(12), f(16), f(40), f(30), f(6), f(30), f(gq), null, null, 1, 2, 3, 4, 2, 5, false, null, 0.5);
    expect(bwd(11)).toThrow(/gradQ must have 12 elements/);
    expect(bwd(12)).not.toThrow();
    expect(() => a.attentionBackward(f(12), f(16), f(40), f(30), f(6), f(29), null, null, null, 1, 2, 3, 4, 2, 5, false, null, 0.5)).toThrow(/gradOut must have 30 elements/);
  });

  it('the async forms run the same checks on the calling thread, before anything is queued', () => {
    if (!a) return;
    expect(() => a.embeddingForwardAsync(Int32Array.from([5]), f(4), f(2), 2, 2)).toThrow(RangeError);
    expect(() => a.embeddingBackwardAsync(Int32Array.from([0]), f(1), f(4), 2, 2, -1, false)).toThrow(/gradY/);
    expect(() => a.softmaxForwardAsync(f(5), f(6), 2, 3, false)).toThrow(RangeError);
    expect(() => a.softmaxBackwardAsync(f(6), f(6), f(5), 2, 3, true)).toThrow(/gradX/);
    expect(() => a.attentionForwardAsync(f(1), f(1), f(1), f(1), f(1), 1, 1, 1, 2, 1, 1, true, null, 1)).toThrow(/causal/);
    expect(() => a.attentionBackwardAsync(f(1), f(1), f(1), f(1), f(1), f(2), null, null, null, 1, 1, 1, 1, 1, 1, false, null, 1)).toThrow(/gradOut/);
  });
});
