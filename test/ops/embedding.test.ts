// ops.embeddingForward/Backward: PyTorch F.embedding semantics on hand cases, on every backend and
// ISA, and one test per argument error (thrown before anything is written).
import { describe, expect, it } from 'vitest';
import { ops } from '../../lib/index.js';
import { targets, useTarget } from '../helpers/targets.js';
import { lcgFloats } from '../helpers/random.js';

const opt = (numEmbeddings: number, embeddingDim: number, paddingIdx?: number | null) => ({ numEmbeddings, embeddingDim, paddingIdx });

describe.each(targets)('embedding on $name', (t) => {
  useTarget(t);

  it('copies the indexed rows exactly, padding row included', () => {
    const w = Float32Array.from([0, 1, 10, 11, 20, 21, NaN, Infinity]);
    const y = new Float32Array(10).fill(-7);
    ops.embeddingForward(Int32Array.from([2, 0, 3, 2, 1]), w, y, opt(4, 2, 2));
    expect(Array.from(y)).toEqual([20, 21, 0, 1, NaN, Infinity, 20, 21, 10, 11]);
  });

  it('accumulates duplicates, zeroes the padding row, and adds with accumulate', () => {
    const idx = Int32Array.from([1, 3, 1, 0, 1]);
    const gy = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const gw = new Float32Array(8).fill(NaN);
    ops.embeddingBackward(idx, gy, gw, opt(4, 2, 0));
    expect(Array.from(gw)).toEqual([0, 0, 1 + 5 + 9, 2 + 6 + 10, 0, 0, 3, 4]);
    ops.embeddingBackward(idx, gy, gw.fill(100), { ...opt(4, 2, -4), accumulate: true });
    expect(Array.from(gw)).toEqual([100, 100, 115, 118, 100, 100, 103, 104]);
  });

  it('handles no indices, dim 1 and a large table; the sum is in position order', () => {
    const gw = new Float32Array(6).fill(NaN);
    ops.embeddingBackward(new Int32Array(0), new Float32Array(0), gw, opt(3, 2));
    expect(Array.from(gw)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(ops.embeddingForward(new Int32Array(0), new Float32Array(6), new Float32Array(0), opt(3, 2)).length).toBe(0);
    // position order: 1e8 + 1 + 1 - 1e8 in float32 gives 0 (each +1 is lost), whatever the threads
    const g1 = new Float32Array(2);
    ops.embeddingBackward(Int32Array.from([1, 1, 1, 1]), Float32Array.from([1e8, 1, 1, -1e8]), g1, opt(2, 1));
    expect(Array.from(g1)).toEqual([0, 0]);
    const [num, dim, n] = [1000, 33, 4097];
    const w = lcgFloats(num * dim, 3);
    const idx = Int32Array.from({ length: n }, (_, i) => (i * 7919) % num);
    const y = ops.embeddingForward(idx, w, new Float32Array(n * dim), opt(num, dim));
    for (const p of [0, 1, 2048, n - 1]) expect(y.subarray(p * dim, (p + 1) * dim)).toEqual(w.subarray(idx[p] * dim, (idx[p] + 1) * dim));
    const gy = lcgFloats(n * dim, 4);
    const gw2 = ops.embeddingBackward(idx, gy, new Float32Array(num * dim), opt(num, dim));
    const ref = new Float32Array(num * dim);
    for (let p = 0; p < n; p++) for (let j = 0; j < dim; j++) ref[idx[p] * dim + j] += gy[p * dim + j];
    expect(gw2).toEqual(ref);
  });
});

describe('embedding argument errors', () => {
  const w = new Float32Array(8);
  it('indices must be an Int32Array', () => {
    expect(() => ops.embeddingForward(Float32Array.from([0]) as unknown as Int32Array, w, new Float32Array(2), opt(4, 2))).toThrow(TypeError);
    expect(() => ops.embeddingForward([0] as unknown as Int32Array, w, new Float32Array(2), opt(4, 2))).toThrow(/indices: expected an Int32Array/);
    expect(() => ops.embeddingBackward(Uint32Array.from([0]) as unknown as Int32Array, new Float32Array(2), w, opt(4, 2))).toThrow(TypeError);
  });
  it('an out-of-range index is a RangeError naming its position and value; nothing is written', () => {
    const y = new Float32Array(6).fill(5);
    expect(() => ops.embeddingForward(Int32Array.from([0, 3, 4]), w, y, opt(4, 2))).toThrow(RangeError);
    expect(() => ops.embeddingForward(Int32Array.from([0, 3, 4]), w, y, opt(4, 2))).toThrow(/indices\[2\].*\[0, 4\).*got number 4/);
    expect(() => ops.embeddingForward(Int32Array.from([0, -1, 1]), w, y, opt(4, 2))).toThrow(/indices\[1\].*got number -1/);
    expect(Array.from(y)).toEqual([5, 5, 5, 5, 5, 5]);
    const gw = new Float32Array(8).fill(5);
    expect(() => ops.embeddingBackward(Int32Array.from([9]), new Float32Array(2), gw, opt(4, 2))).toThrow(/indices\[0\].*got number 9/);
    expect(Array.from(gw)).toEqual(new Array(8).fill(5));
  });
  it('lengths must match the shapes', () => {
    expect(() => ops.embeddingForward(Int32Array.from([0]), new Float32Array(7), new Float32Array(2), opt(4, 2))).toThrow(/weight: expected 8 elements \(\[numEmbeddings 4, embeddingDim 2\]\)/);
    expect(() => ops.embeddingForward(Int32Array.from([0]), w, new Float32Array(3), opt(4, 2))).toThrow(/y: expected 2 elements/);
    expect(() => ops.embeddingBackward(Int32Array.from([0]), new Float32Array(3), w, opt(4, 2))).toThrow(/gradY: expected 2 elements/);
    expect(() => ops.embeddingBackward(Int32Array.from([0]), new Float32Array(2), new Float32Array(9), opt(4, 2))).toThrow(/gradWeight: expected 8/);
  });
  it('options: dims, paddingIdx, accumulate, unknown keys', () => {
    const y = new Float32Array(2);
    expect(() => ops.embeddingForward(Int32Array.from([0]), w, y, opt(-1, 2))).toThrow(/options.numEmbeddings/);
    expect(() => ops.embeddingForward(Int32Array.from([0]), w, y, opt(4, 1.5))).toThrow(/options.embeddingDim/);
    expect(() => ops.embeddingForward(Int32Array.from([0]), w, y, opt(4, 2, 4))).toThrow(/options.paddingIdx: expected an integer in \[-4, 4\)/);
    expect(() => ops.embeddingForward(Int32Array.from([0]), w, y, opt(4, 2, -5))).toThrow(RangeError);
    expect(() => ops.embeddingForward(Int32Array.from([0]), w, y, { ...opt(4, 2), paddingIdx: '1' as unknown as number })).toThrow(TypeError);
    expect(() => ops.embeddingBackward(Int32Array.from([0]), y, w, { ...opt(4, 2), accumulate: 1 as unknown as boolean })).toThrow(/options.accumulate/);
    expect(() => ops.embeddingForward(Int32Array.from([0]), w, y, { ...opt(4, 2), padding_idx: 1 } as never)).toThrow(/padding_idx is not an option/);
  });
  it('outputs must not share memory with the inputs', () => {
    const buf = new Float32Array(10);
    expect(() => ops.embeddingForward(Int32Array.from([0]), buf.subarray(0, 8), buf.subarray(7, 9), opt(4, 2))).toThrow(/y: expected an array that shares no memory with weight/);
    const ib = new ArrayBuffer(16);
    expect(() => ops.embeddingBackward(new Int32Array(ib, 0, 1), new Float32Array(2), new Float32Array(ib, 0, 4) as unknown as Float32Array, opt(2, 2))).toThrow(/gradWeight.*indices/);
  });
  it('async forms match the sync ones and reject bad input', async () => {
    const idx = Int32Array.from([1, 0, 1]);
    const w2 = lcgFloats(6, 9);
    const y1 = ops.embeddingForward(idx, w2, new Float32Array(9), opt(2, 3));
    const y2 = await ops.embeddingForwardAsync(idx, w2, new Float32Array(9), opt(2, 3));
    expect(y2).toEqual(y1);
    const g1 = ops.embeddingBackward(idx, y1, new Float32Array(6), opt(2, 3, 0));
    const g2 = await ops.embeddingBackwardAsync(idx, y1, new Float32Array(6), opt(2, 3, 0));
    expect(g2).toEqual(g1);
    await expect(ops.embeddingForwardAsync(Int32Array.from([2]), w2, new Float32Array(3), opt(2, 3))).rejects.toThrow(RangeError);
  });
});
