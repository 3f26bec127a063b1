// The embedding, softmax and attention ops through the public API on every native ISA against the
// native scalar reference and against the pure-TS backend (odd sizes for vector tails, block edges of
// the fused attention, NaN/-inf positions), 1/2/many threads bit-identical on each ISA, async = sync,
// and the *Async buffer rule (resizable buffers refused, a transfer mid-call rejects).
import { afterAll, describe, expect, it } from 'vitest';
import { GradGuardError, getNumThreads, nativeAvailable, ops, setIsa, setNumThreads, supportedIsas, useBackend } from '../../lib/index.js';
import { lcgFloats as rand } from '../helpers/random.js';
import { targets, useTarget } from '../helpers/targets.js';
import { resizableF32, transfer } from '../helpers/buffers.js';

type Run = () => Float32Array[];

function softmaxRun(rows: number, cols: number, log: boolean): Run {
  const x = rand(rows * cols, rows * 13 + cols, 30);
  for (let i = 0; i < x.length; i += 7) x[i] = -Infinity;
  if (rows > 2) x.fill(-Infinity, cols, 2 * cols); // row 1 all masked
  if (rows > 3) x[3 * cols + (cols >> 1)] = NaN;
  const gy = rand(x.length, 3);
  return () => {
    const y = (log ? ops.logSoftmax : ops.softmax)(x, new Float32Array(x.length), { rows, cols });
    const gx = (log ? ops.logSoftmaxBackward : ops.softmaxBackward)(y, gy, new Float32Array(x.length), { rows, cols });
    return [y, gx];
  };
}

function embeddingRun(num: number, dim: number, n: number): Run {
  const w = rand(num * dim, 5);
  const idx = Int32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : (i * 7919) % num));
  const gy = rand(n * dim, 6, 100);
  return () => {
    const o = { numEmbeddings: num, embeddingDim: dim, paddingIdx: num > 2 ? 2 : null };
    return [ops.embeddingForward(idx, w, new Float32Array(n * dim), o), ops.embeddingBackward(idx, gy, new Float32Array(num * dim), o)];
  };
}

interface AttShape {
  batch: number;
  heads: number;
  lq: number;
  lk: number;
  d: number;
  dv: number;
  causal?: boolean;
  mask?: Float32Array | null;
  scale?: number;
}

function attentionRun(s: AttShape): Run {
  const q = rand(s.batch * s.heads * s.lq * s.d, 7);
  const k = rand(s.batch * s.heads * s.lk * s.d, 8);
  const v = rand(s.batch * s.heads * s.lk * s.dv, 9);
  const go = rand(s.batch * s.heads * s.lq * s.dv, 10);
  return () => {
    const out = new Float32Array(go.length);
    const lse = new Float32Array(s.batch * s.heads * s.lq);
    ops.attentionForward(q, k, v, out, lse, s);
    const g = { gradQ: new Float32Array(q.length), gradK: new Float32Array(k.length), gradV: new Float32Array(v.length) };
    ops.attentionBackward(q, k, v, out, lse, go, g, s);
    return [out, lse, g.gradQ, g.gradK, g.gradV];
  };
}

const maskOf = (lq: number, lk: number, fullRow = -1): Float32Array => {
  const m = rand(lq * lk, 11, 2);
  for (let i = 0; i < m.length; i += 5) m[i] = -Infinity;
  for (let i = 0; i < lq; i++) m[i * lk + (i % lk)] = 0;
  if (fullRow >= 0) m.fill(-Infinity, fullRow * lk, (fullRow + 1) * lk);
  return m;
};

const RUNS: [string, Run, number][] = [
  ['softmax [5, 1]', softmaxRun(5, 1, false), 2e-6],
  ['softmax [6, 15]', softmaxRun(6, 15, false), 2e-6],
  ['softmax [5, 17]', softmaxRun(5, 17, false), 2e-6],
  ['log-softmax [7, 33]', softmaxRun(7, 33, true), 1e-5],
  ['log-softmax [4, 1001]', softmaxRun(4, 1001, true), 1e-5],
  ['embedding 7x5, 33 indices', embeddingRun(7, 5, 33), 0],
  ['embedding 300x17, 1000 indices', embeddingRun(300, 17, 1000), 0],
  ['attention [2,3,5,5,4,4]', attentionRun({ batch: 2, heads: 3, lq: 5, lk: 5, d: 4, dv: 4 }), 2e-5],
  ['attention causal [1,2,129,129,16,9]', attentionRun({ batch: 1, heads: 2, lq: 129, lk: 129, d: 16, dv: 9, causal: true }), 2e-5],
  ['attention mask [2,1,65,130,33,17]', attentionRun({ batch: 2, heads: 1, lq: 65, lk: 130, d: 33, dv: 17, mask: maskOf(65, 130), scale: 0.3 }), 2e-5],
  ['attention masked row [1,2,70,70,8,8]', attentionRun({ batch: 1, heads: 2, lq: 70, lk: 70, d: 8, dv: 8, causal: true, mask: maskOf(70, 70, 66) }), 2e-5],
];

/** NaN where e is NaN, same infinity, else |a − e| ≤ tol·(1 + |e|) (tol 0: bit-identical). */
function expectAgree(a: Float32Array, e: Float32Array, tol: number, what: string): void {
  expect(a.length, what).toBe(e.length);
  for (let i = 0; i < e.length; i++) {
    const ok = Number.isNaN(e[i]) ? Number.isNaN(a[i]) : !Number.isFinite(e[i]) ? a[i] === e[i] : tol === 0 ? Object.is(a[i], e[i]) || a[i] === e[i] : Math.abs(a[i] - e[i]) <= tol * (1 + Math.abs(e[i]));
    if (!ok) throw new Error(`${what}[${i}]: ${a[i]} vs ${e[i]}`);
  }
}

describe('sequence ops: every ISA and the pure-TS backend agree with the native scalar reference', () => {
  const isas = nativeAvailable() ? (useBackend('native'), supportedIsas()) : [];
  afterAll(() => {
    if (isas.length) {
      useBackend('native');
      setIsa(isas[0]);
    }
  });

  it.each(RUNS)('%s', (what, run, tol) => {
    if (!isas.length) return;
    useBackend('native');
    setIsa('scalar');
    const ref = run();
    for (const isa of isas) {
      setIsa(isa);
      run().forEach((t, i) => expectAgree(t, ref[i], tol, `${isa} ${what} output ${i}`));
    }
    useBackend('js');
    run().forEach((t, i) => expectAgree(t, ref[i], tol, `js ${what} output ${i}`));
    useBackend('native');
  });

  it.each(RUNS)('%s: 1, 2 and 5 threads give the same bits on every ISA', (what, run) => {
    if (!isas.length) return;
    useBackend('native');
    const saved = getNumThreads();
    try {
      for (const isa of isas) {
        setIsa(isa);
        setNumThreads(1);
        const one = run();
        for (const t of [2, 5]) {
          setNumThreads(t);
          run().forEach((x, i) => expectAgree(x, one[i], 0, `${isa} ${what} threads ${t} output ${i}`));
        }
      }
    } finally {
      setNumThreads(saved);
    }
  });
});

describe.each(targets)('sequence ops *Async on $name', (t) => {
  useTarget(t);

  it('async = sync, bit for bit', async () => {
    const x = rand(6 * 37, 1, 5);
    const gy = rand(x.length, 2);
    const so = { rows: 6, cols: 37 };
    const y = ops.logSoftmax(x, new Float32Array(x.length), so);
    expectAgree(await ops.logSoftmaxAsync(x, new Float32Array(x.length), so), y, 0, 'logSoftmaxAsync');
    expectAgree(await ops.logSoftmaxBackwardAsync(y, gy, new Float32Array(x.length), so), ops.logSoftmaxBackward(y, gy, new Float32Array(x.length), so), 0, 'logSoftmaxBackwardAsync');
    const s = { batch: 2, heads: 2, lq: 70, lk: 70, d: 8, dv: 8, causal: true };
    const q = rand(2 * 2 * 70 * 8, 3);
    const out = new Float32Array(q.length);
    const lse = new Float32Array(2 * 2 * 70);
    ops.attentionForward(q, q, q, out, lse, s);
    const outA = await ops.attentionForwardAsync(q, q, q, new Float32Array(q.length), new Float32Array(lse.length), s);
    expectAgree(outA, out, 0, 'attentionForwardAsync');
    const g = { gradQ: new Float32Array(q.length), gradK: new Float32Array(q.length), gradV: new Float32Array(q.length) };
    const gA = { gradQ: new Float32Array(q.length), gradK: new Float32Array(q.length), gradV: new Float32Array(q.length) };
    const go = rand(q.length, 4);
    ops.attentionBackward(q, q, q, out, lse, go, g, s);
    await ops.attentionBackwardAsync(q, q, q, out, lse, go, gA, s);
    expectAgree(gA.gradQ, g.gradQ, 0, 'gradQ');
    expectAgree(gA.gradK, g.gradK, 0, 'gradK');
    expectAgree(gA.gradV, g.gradV, 0, 'gradV');
  });

  it('refuses a resizable buffer up front, and rejects when an output is transferred mid-call', async () => {
    const o = { numEmbeddings: 4, embeddingDim: 3 };
    const y = resizableF32(6).fill(7);
    await expect(ops.embeddingForwardAsync(Int32Array.from([0, 1]), rand(12, 1), y, o)).rejects.toThrow(/^y: .*resizable ArrayBuffer/);
    expect(Array.from(y).every((v) => v === 7)).toBe(true);
    await expect(ops.softmaxAsync(rand(4, 1), resizableF32(4), { rows: 2, cols: 2 })).rejects.toThrow(TypeError);
    const out = new Float32Array(8);
    const p = ops.attentionForwardAsync(rand(8, 1), rand(8, 2), rand(8, 3), out, new Float32Array(2), { batch: 1, heads: 1, lq: 2, lk: 2, d: 4, dv: 4 });
    const moved = transfer(out);
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GradGuardError);
    expect((err as GradGuardError).code).toBe('ERR_GRADGUARD_DETACHED');
    expect((err as Error).message).toMatch(/^out: /);
    expect(moved.byteLength).toBe(32);
  });
});
