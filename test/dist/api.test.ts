// gradguard.dist in this process, without mpirun and without init: errors before init, argument
// checks, and the pure parts (norm combination, batch sharding).
import { describe, expect, it } from 'vitest';
import { createParamStore, dist, getTotalNorm, SGD } from '../../lib/index.js';
import { combineNorms } from '../../lib/dist/global-norm.js';

const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
  return 'no error';
};

describe('dist before init', () => {
  it('every collective throws a clear error saying to call dist.init()', () => {
    expect(dist.isInitialized()).toBe(false);
    expect(dist.rank).toBe(0);
    expect(dist.size).toBe(1);
    for (const fn of [
      () => dist.allReduce(new Float32Array(3)),
      () => dist.broadcast(new Float32Array(3), 0),
      () => dist.barrier(),
      () => dist.getTotalNorm([new Float32Array(3)]),
      () => dist.clipGradNorm([new Float32Array(3)], 1),
    ]) {
      expect(code(fn)).toBe('ERR_GRADGUARD_DIST_NOT_INITIALIZED');
    }
    expect(() => dist.allReduce(new Float32Array(3))).toThrow(/dist\.allReduce: MPI is not initialised: call dist\.init\(\) first/);
  });

  it('allReduceAsync rejects before init', async () => {
    await expect(dist.allReduceAsync(new Float32Array(3))).rejects.toMatchObject({ code: 'ERR_GRADGUARD_DIST_NOT_INITIALIZED' });
  });

  it('finalize before init is a no-op', () => {
    expect(() => dist.finalize()).not.toThrow();
  });
});

describe('dist argument checks', () => {
  it('rejects a bad op, tensors and init options, naming the argument', () => {
    expect(() => dist.allReduce(new Float32Array(3), 'avg' as 'sum')).toThrow(RangeError);
    expect(() => dist.allReduce(new Float32Array(3), 'avg' as 'sum')).toThrow(/^op: expected 'sum', 'mean' or 'max'/);
    expect(() => dist.allReduce(new Float32Array(3), 3 as unknown as 'sum')).toThrow(TypeError);
    expect(() => dist.init({ threadLevel: 'many' as 'single' })).toThrow(/options\.threadLevel/);
    expect(() => dist.init({ timeoutMs: -1 })).toThrow(RangeError);
    expect(() => dist.init({ timeoutMs: NaN })).toThrow(/^options\.timeoutMs: expected a number >= 0 \(0 or Infinity: no watchdog\), got number NaN/);
    expect(() => dist.init({ timeoutMs: -Infinity })).toThrow(RangeError);
    expect(() => dist.init({ chunkElements: 0 })).toThrow(/options\.chunkElements/);
    process.env.GRADGUARD_DIST_TIMEOUT_MS = 'soon';
    expect(() => dist.init()).toThrow(/GRADGUARD_DIST_TIMEOUT_MS: expected a number >= 0 \(0 or Infinity: no watchdog\), got string "soon"/);
    delete process.env.GRADGUARD_DIST_TIMEOUT_MS;
    expect(() => dist.getTotalNorm({ sharded: new Float32Array(2), extra: 1 } as never)).toThrow(/grads/);
    expect(() => dist.getTotalNorm([new Float32Array(2)], 0)).toThrow(/normType/);
    expect(dist.isInitialized()).toBe(false);
  });

  it('names the part of grads that is wrong (grads.sharded[i], grads.replicated[i])', () => {
    const ok = new Float32Array(2);
    expect(() => dist.getTotalNorm({ sharded: [ok, 'x' as never] })).toThrow(/^grads\.sharded\[1\]: expected a Float32Array, got string "x"/);
    expect(() => dist.getTotalNorm({ sharded: [ok], replicated: [ok, ok, 3 as never] })).toThrow(/^grads\.replicated\[2\]: expected a Float32Array/);
    expect(() => dist.clipGradNorm({ replicated: [ok, 'x' as never] }, 1)).toThrow(/^grads\.replicated\[1\]:/);
    expect(() => dist.getTotalNorm([ok, 'x' as never])).toThrow(/^grads\[1\]:/);
  });

  it("names step's weight options.weight and averageGradients' weight weight", () => {
    const store = createParamStore([[3]]);
    const dp = new dist.DataParallel(new SGD(store, { lr: 0.1 }), store, { broadcastParameters: false });
    expect(() => dp.step({ weight: -1 })).toThrow(/^options\.weight: expected a finite number >= 0, got number -1/);
    expect(() => dp.step({ weight: '1' as never })).toThrow(TypeError);
    expect(() => dp.step({ weight: '1' as never })).toThrow(/^options\.weight:/);
    expect(() => dp.averageGradients(NaN)).toThrow(/^weight: expected a finite number >= 0, got number NaN/);
  });

  it('allReduceAsync refuses resizable and growable buffers up front (N-API cannot pin them)', async () => {
    // ES2024 constructors (Node 20 has them; this project's TS lib is ES2022).
    const resizable = new Float32Array(Reflect.construct(ArrayBuffer, [16, { maxByteLength: 64 }]) as ArrayBuffer);
    const growable = new Float32Array(Reflect.construct(SharedArrayBuffer, [16, { maxByteLength: 64 }]) as SharedArrayBuffer);
    expect([(resizable.buffer as { resizable?: boolean }).resizable, (growable.buffer as { growable?: boolean }).growable]).toEqual([true, true]);
    await expect(dist.allReduceAsync(resizable)).rejects.toThrow(TypeError);
    await expect(dist.allReduceAsync(resizable)).rejects.toThrow(/^tensors: expected a Float32Array over a fixed-length buffer/);
    await expect(dist.allReduceAsync([new Float32Array(2), growable])).rejects.toThrow(/^tensors\[1\]: expected a Float32Array over a fixed-length buffer/);
    const store = createParamStore([[3]]);
    await expect(dist.allReduceAsync(store.grads)).rejects.toMatchObject({ code: 'ERR_GRADGUARD_DIST_NOT_INITIALIZED' }); // a fixed store passes the check
  });
});

describe('combineNorms (the rank-order combination every rank runs)', () => {
  const pairs = (...v: number[]) => new Float64Array(v);

  it('equals the norm of the concatenation for p = 1, 2, 3 and Infinity', () => {
    const a = new Float32Array([3, -4, 1.5]);
    const b = new Float32Array([0.25, 12]);
    const c = new Float32Array([-7]);
    for (const p of [1, 2, 3, Infinity]) {
      const g = pairs(getTotalNorm(a, p), getTotalNorm(c, p), getTotalNorm(b, p), getTotalNorm(c, p));
      expect(combineNorms(g, p)).toBeCloseTo(getTotalNorm([a, b, c], p), 12);
    }
  });

  it('counts the replicated term once (rank 0 copy)', () => {
    expect(combineNorms(pairs(0, 5, 0, 5, 0, 5), 2)).toBe(5);
  });

  it('does not overflow where p-th powers would', () => {
    expect(combineNorms(pairs(1e200, 0, 1e200, 0), 2)).toBeCloseTo(Math.SQRT2 * 1e200, -188);
    expect(combineNorms(pairs(1e-200, 0, 1e-200, 0), 3)).toBeGreaterThan(0);
  });

  it('NaN anywhere gives NaN; infinity gives infinity', () => {
    expect(combineNorms(pairs(1, 0, NaN, 0), 2)).toBeNaN();
    expect(combineNorms(pairs(1, 0, 1, NaN), 2)).toBeNaN(); // a replicated copy on another rank
    expect(combineNorms(pairs(1, 0, NaN, 0), Infinity)).toBeNaN();
    expect(combineNorms(pairs(1, 0, Infinity, 0), 2)).toBe(Infinity);
    expect(combineNorms(pairs(0, 0, 0, 0), 2)).toBe(0);
  });
});

describe('shardOfBatch', () => {
  it('splits rows into contiguous shards differing by at most one, covering the batch once', () => {
    for (const [n, size] of [[10, 3], [3, 3], [2, 3], [0, 2], [7, 1]]) {
      const shards = Array.from({ length: size }, (_, r) => dist.shardOfBatch(n, r, size));
      expect(shards[0].start).toBe(0);
      for (let r = 1; r < size; r++) expect(shards[r].start).toBe(shards[r - 1].end);
      expect(shards[size - 1].end).toBe(n);
      const counts = shards.map((s) => s.count);
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      if (n > 0) expect(shards.reduce((a, s) => a + s.weight, 0)).toBeCloseTo(1, 12);
    }
    expect(dist.shardOfBatch(10, 0, 3)).toEqual({ start: 0, end: 4, count: 4, weight: 0.4 });
  });

  it('rejects bad sizes and ranks', () => {
    expect(() => dist.shardOfBatch(-1, 0, 2)).toThrow(/batchSize/);
    expect(() => dist.shardOfBatch(4, 2, 2)).toThrow(/rank/);
    expect(() => dist.shardOfBatch(4, 0, 0)).toThrow(/size/);
  });
});
