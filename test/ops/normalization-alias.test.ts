// BatchNorm1d and LayerNorm refuse overlapping arrays before any work, on every backend/ISA: an
// output may be exactly its documented in-place partner (out === x, gradX === gradY) and share no
// memory with anything else; the RangeError names both arguments.
import { describe, expect, it } from 'vitest';
import { ops } from '../../lib/index.js';
import { lcgFloats as rand } from '../helpers/random.js';
import { targets, useTarget } from '../helpers/targets.js';

const n = 6, c = 5;
const x = rand(n * c, 1);
const gy = rand(n * c, 2);
const weight = rand(c, 3);
const bias = rand(c, 4);

/** A fresh Float32Array of `len` elements holding `data`, plus room after it for other views. */
function pool(data: Float32Array, extra: number): Float32Array {
  const p = new Float32Array(data.length + extra);
  p.set(data);
  return p;
}

const rangeError = (fn: () => unknown, message: RegExp): void => {
  expect(fn).toThrow(RangeError);
  expect(fn).toThrow(message);
};

describe.each(targets)('normalisation aliasing on $name', (t) => {
  useTarget(t);

  it('batchNorm1d: out === x works in place; every other overlap is a RangeError naming both', () => {
    const ref = ops.batchNorm1d(x, [n, c], { weight, bias }).y;
    const inPlace = x.slice();
    ops.batchNorm1d(inPlace, [n, c], { weight, bias, out: inPlace });
    expect(Array.from(inPlace)).toEqual(Array.from(ref));

    const p = pool(x, c);
    const xs = p.subarray(0, n * c);
    rangeError(() => ops.batchNorm1d(xs, [n, c], { out: p.subarray(c, c + n * c) }), /options\.out: expected either x itself \(in place\) or an array that shares no memory with it/);
    const lastRow = p.subarray(n * c - c, n * c);
    rangeError(() => ops.batchNorm1d(xs, [n, c], { out: xs, weight: lastRow }), /options\.out: expected an array that shares no memory with options\.weight/);
    rangeError(() => ops.batchNorm1d(xs, [n, c], { out: xs, bias: lastRow }), /options\.out: .*options\.bias/);
    const outPool = new Float32Array(n * c + c);
    const out = outPool.subarray(0, n * c);
    const tail = outPool.subarray(n * c - 2, n * c - 2 + c);
    rangeError(() => ops.batchNorm1d(x, [n, c], { out, runningMean: tail, runningVar: new Float32Array(c).fill(1) }), /options\.out: .*options\.runningMean/);
    rangeError(() => ops.batchNorm1d(x, [n, c], { out, runningMean: new Float32Array(c), runningVar: tail }), /options\.out: .*options\.runningVar/);
    const r = new Float32Array(c).fill(1);
    rangeError(() => ops.batchNorm1d(x, [n, c], { runningMean: r, runningVar: r }), /options\.runningMean: .*options\.runningVar/);
    rangeError(() => ops.batchNorm1d(x, [n, c], { runningMean: r, runningVar: r, training: false }), /options\.runningMean: .*options\.runningVar/);
    rangeError(() => ops.batchNorm1d(xs, [n, c], { runningMean: lastRow, runningVar: r }), /options\.runningMean: .*shares no memory with x/);
    expect(Array.from(r)).toEqual([1, 1, 1, 1, 1]);
  });

  it('layerNorm: out === x works in place; every other overlap is a RangeError naming both', () => {
    const ref = ops.layerNorm(x, c, { weight, bias }).y;
    const inPlace = x.slice();
    ops.layerNorm(inPlace, c, { weight, bias, out: inPlace });
    expect(Array.from(inPlace)).toEqual(Array.from(ref));

    const p = pool(x, c);
    const xs = p.subarray(0, n * c);
    const shifted = p.subarray(c, c + n * c);
    rangeError(() => ops.layerNorm(xs, c, { out: shifted }), /options\.out: expected either x itself \(in place\)/);
    expect(Array.from(shifted.subarray(0, n * c - c))).toEqual(Array.from(x.subarray(c)));
    const lastRow = p.subarray(n * c - c, n * c);
    rangeError(() => ops.layerNorm(xs, c, { out: xs, weight: lastRow }), /options\.out: .*options\.weight/);
    rangeError(() => ops.layerNorm(xs, c, { out: xs, bias: lastRow }), /options\.out: .*options\.bias/);
  });

  const backwards = [
    ['batchNorm1dBackward', (g: Float32Array, xx: Float32Array, o: ops.NormBackwardOptions) => ops.batchNorm1dBackward(g, xx, [n, c], ops.batchNorm1d(x, [n, c]), o)],
    ['layerNormBackward', (g: Float32Array, xx: Float32Array, o: ops.NormBackwardOptions) => ops.layerNormBackward(g, xx, c, ops.layerNorm(x, c), o)],
  ] as const;

  it.each(backwards)('%s: gradX === gradY works in place; every other overlap is a RangeError naming both', (_, bwd) => {
    const ref = bwd(gy, x, { weight });
    const inPlace = gy.slice();
    const g = bwd(inPlace, x, { weight, gradX: inPlace });
    expect(Array.from(inPlace)).toEqual(Array.from(ref.gradX));
    expect(Array.from(g.gradWeight)).toEqual(Array.from(ref.gradWeight));
    expect(Array.from(g.gradBias)).toEqual(Array.from(ref.gradBias));

    const p = pool(gy, 2 * c);
    const g0 = p.subarray(0, n * c);
    rangeError(() => bwd(g0, x, { gradX: p.subarray(1, 1 + n * c) }), /options\.gradX: expected either gradY itself \(in place\)/);
    const xp = pool(x, c);
    rangeError(() => bwd(gy, xp.subarray(0, n * c), { gradX: xp.subarray(c, c + n * c) }), /options\.gradX: .*shares no memory with x/);
    const gxPool = new Float32Array(n * c + c);
    const gx = gxPool.subarray(0, n * c);
    const inside = gxPool.subarray(c, 2 * c);
    rangeError(() => bwd(gy, x, { gradX: gx, weight: inside }), /options\.gradX: .*options\.weight/);
    rangeError(() => bwd(gy, x, { gradX: gx, gradWeight: inside }), /options\.gradX: .*options\.gradWeight/);
    rangeError(() => bwd(gy, x, { gradX: gx, gradBias: inside }), /options\.gradX: .*options\.gradBias/);
    const s = new Float32Array(c);
    rangeError(() => bwd(gy, x, { gradWeight: s, gradBias: s }), /options\.gradWeight: .*options\.gradBias/);
    rangeError(() => bwd(g0, x, { gradWeight: p.subarray(n * c - 1, n * c - 1 + c) }), /options\.gradWeight: .*gradY/);
    expect(Array.from(s)).toEqual([0, 0, 0, 0, 0]);
  });

  it('layerNormBackward: gradX overlapping the saved statistics (a Float64Array view) is a RangeError', () => {
    const buf = new ArrayBuffer(n * c * 4 + n * 8);
    const gx = new Float32Array(buf, 0, n * c);
    const saveMean = new Float64Array(buf, n * c * 4 - 8, n);
    const f = ops.layerNorm(x, c);
    saveMean.set(f.saveMean);
    rangeError(() => ops.layerNormBackward(gy, x, c, { saveMean, saveInvstd: f.saveInvstd }, { gradX: gx }), /options\.gradX: .*saved\.saveMean/);
  });

  it('the *Async forms refuse the same overlaps (the Promise rejects)', async () => {
    const r = new Float32Array(c).fill(1);
    await expect(ops.batchNorm1dAsync(x, [n, c], { runningMean: r, runningVar: r })).rejects.toThrow(/options\.runningMean: .*options\.runningVar/);
    const p = pool(x, c);
    await expect(ops.layerNormAsync(p.subarray(0, n * c), c, { out: p.subarray(c) })).rejects.toThrow(RangeError);
    const s = new Float32Array(c);
    await expect(ops.layerNormBackwardAsync(gy, x, c, ops.layerNorm(x, c), { gradWeight: s, gradBias: s })).rejects.toThrow(/options\.gradWeight: .*options\.gradBias/);
  });
});
