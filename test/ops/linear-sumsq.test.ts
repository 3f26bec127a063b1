// ops.linearBackward's `sumSquares` option (issue 15 §1): the float64 sums of squares of the
// gradWeight and gradBias it wrote, on every backend and ISA: equal to a float64 sum over the
// written gradient within 1e-12 relative, the gradients bit-identical to a call without the option,
// bit-identical sums for 1, 2 and 4 threads, NaN/Inf/huge values, skipped outputs, async, and
// argument errors thrown before anything is written.
import { describe, expect, it } from 'vitest';
import { getNumThreads, ops, setNumThreads } from '../../lib/index.js';
import { randomFloats, targets, useTarget } from '../helpers/targets.js';

const sumSq = (a: Float32Array): number => a.reduce((s, v) => s + v * v, 0);
const relClose = (got: number, want: number): boolean => (Number.isNaN(want) ? Number.isNaN(got) : want === got || Math.abs(got - want) <= 1e-12 * Math.abs(want));

interface Case {
  batch: number;
  inF: number;
  outF: number;
  accumulate: boolean;
}

function run(c: Case, seed: number, withSums: boolean, scale = 1) {
  const x = randomFloats(c.batch * c.inF, seed).map((v) => v * scale);
  const w = randomFloats(c.outF * c.inF, seed + 1);
  const gy = randomFloats(c.batch * c.outF, seed + 2);
  const gradX = new Float32Array(c.batch * c.inF);
  const gradWeight = randomFloats(c.outF * c.inF, seed + 3);
  const gradBias = randomFloats(c.outF, seed + 4);
  const sumSquares = new Float64Array(3).fill(-1);
  const shape = { batch: c.batch, inFeatures: c.inF, outFeatures: c.outF, accumulate: c.accumulate };
  ops.linearBackward(x, w, gy, { gradX, gradWeight, gradBias }, withSums ? { ...shape, sumSquares } : shape);
  return { gradX, gradWeight, gradBias, sumSquares };
}

const CASES: Case[] = [
  { batch: 0, inF: 5, outF: 3, accumulate: true },
  { batch: 0, inF: 5, outF: 3, accumulate: false },
  { batch: 1, inF: 1, outF: 1, accumulate: false },
  { batch: 3, inF: 13, outF: 11, accumulate: true },
  { batch: 8, inF: 37, outF: 33, accumulate: false },
  { batch: 5, inF: 65, outF: 17, accumulate: true },
  { batch: 40, inF: 300, outF: 290, accumulate: true }, // threaded (m·n·k above the inline limit)
];

describe.each(targets)('ops.linearBackward sumSquares on $name', (t) => {
  useTarget(t);

  it.each(CASES)('reports Σ gradWeight², Σ gradBias² of the written values (batch $batch, $inF→$outF, accumulate $accumulate)', (c) => {
    const plain = run(c, 11, false);
    const r = run(c, 11, true);
    expect(r.gradWeight).toEqual(plain.gradWeight);
    expect(r.gradBias).toEqual(plain.gradBias);
    expect(r.gradX).toEqual(plain.gradX);
    expect(relClose(r.sumSquares[0], sumSq(r.gradWeight))).toBe(true);
    expect(relClose(r.sumSquares[1], sumSq(r.gradBias))).toBe(true);
    expect(r.sumSquares[2]).toBe(-1); // only the first two are written
  });

  it('sums are bit-identical for 1, 2 and 4 threads', () => {
    const saved = getNumThreads();
    try {
      const c = CASES[CASES.length - 1];
      setNumThreads(1);
      const one = run(c, 21, true).sumSquares;
      for (const n of [2, 4]) {
        setNumThreads(n);
        expect(run(c, 21, true).sumSquares).toEqual(one);
      }
    } finally {
      setNumThreads(saved);
    }
  });

  it('huge values keep their true float64 sum; NaN and Inf propagate', () => {
    const c = { batch: 4, inF: 9, outF: 7, accumulate: false };
    const huge = run(c, 31, true, 1e19); // gradWeight ~1e19: its float32 squares would overflow
    expect(Number.isFinite(huge.sumSquares[0])).toBe(true);
    expect(relClose(huge.sumSquares[0], sumSq(huge.gradWeight))).toBe(true);
    const x = randomFloats(4 * 9, 32);
    const gy = randomFloats(4 * 7, 33);
    gy[3] = NaN;
    gy[10] = Infinity;
    const ss = new Float64Array(2);
    const gw = new Float32Array(63);
    const gb = new Float32Array(7);
    ops.linearBackward(x, randomFloats(63, 34), gy, { gradWeight: gw, gradBias: gb }, { batch: 4, inFeatures: 9, outFeatures: 7, sumSquares: ss });
    expect(ss[0]).toBeNaN();
    expect(ss[1]).toBeNaN();
  });

  it('a skipped output reports 0', () => {
    const ss = new Float64Array(2).fill(-1);
    ops.linearBackward(randomFloats(6, 1), randomFloats(6, 2), randomFloats(4, 3), { gradX: new Float32Array(6) }, { batch: 2, inFeatures: 3, outFeatures: 2, sumSquares: ss });
    expect([...ss]).toEqual([0, 0]);
    const gb = new Float32Array(2);
    ops.linearBackward(randomFloats(6, 1), randomFloats(6, 2), randomFloats(4, 3), { gradBias: gb }, { batch: 2, inFeatures: 3, outFeatures: 2, sumSquares: ss });
    expect(ss[0]).toBe(0);
    expect(relClose(ss[1], sumSq(gb))).toBe(true);
  });

  it('the Async form reports the same sums', async () => {
    const c = { batch: 6, inF: 19, outF: 23, accumulate: true };
    const sync = run(c, 41, true);
    const x = randomFloats(6 * 19, 41);
    const w = randomFloats(23 * 19, 42);
    const gy = randomFloats(6 * 23, 43);
    const gradWeight = randomFloats(23 * 19, 44);
    const gradBias = randomFloats(23, 45);
    const ss = new Float64Array(3).fill(-1);
    await ops.linearBackwardAsync(x, w, gy, { gradX: new Float32Array(6 * 19), gradWeight, gradBias }, { batch: 6, inFeatures: 19, outFeatures: 23, accumulate: true, sumSquares: ss });
    expect(ss).toEqual(sync.sumSquares);
  });

  it('the Async form refuses a sumSquares over a resizable buffer (it keeps a raw pointer into it)', async () => {
    const ss = new Float64Array(new (ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer)(16, { maxByteLength: 64 }));
    await expect(ops.linearBackwardAsync(randomFloats(6, 1), randomFloats(6, 2), randomFloats(4, 3), { gradWeight: new Float32Array(6) }, { batch: 2, inFeatures: 3, outFeatures: 2, sumSquares: ss })).rejects.toThrow(/options\.sumSquares/);
  });

  it('refuses a bad sumSquares before writing anything, naming it', () => {
    const gw = new Float32Array(6).fill(7);
    const call = (sumSquares: unknown) => () =>
      ops.linearBackward(randomFloats(6, 1), randomFloats(6, 2), randomFloats(4, 3), { gradWeight: gw }, { batch: 2, inFeatures: 3, outFeatures: 2, sumSquares } as never);
    expect(call(new Float32Array(2))).toThrow(TypeError);
    expect(call(new Float32Array(2))).toThrow(/options\.sumSquares/);
    expect(call([0, 0])).toThrow(TypeError);
    expect(call(new Float64Array(1))).toThrow(RangeError);
    expect(call(new Float64Array(1))).toThrow(/options\.sumSquares.*at least 2/);
    const buf = new ArrayBuffer(64);
    const gwShared = new Float32Array(buf, 0, 6);
    expect(() => ops.linearBackward(randomFloats(6, 1), randomFloats(6, 2), randomFloats(4, 3), { gradWeight: gwShared }, { batch: 2, inFeatures: 3, outFeatures: 2, sumSquares: new Float64Array(buf, 8, 2) })).toThrow(/options\.sumSquares/);
    expect(gw.every((v) => v === 7)).toBe(true);
    expect(call(undefined)).not.toThrow(); // absent: no sums
  });
});
