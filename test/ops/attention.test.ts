// ops.attentionForward/Backward: the fused op against a naive float64 attention (full score matrix) on
// every backend and ISA, with causal and additive masks, odd and block-edge sizes, the PyTorch NaN rule
// for fully masked rows, lk = 0, async = sync, and every argument error.
import { describe, expect, it } from 'vitest';
import { ops } from '../../lib/index.js';
import { targets, useTarget } from '../helpers/targets.js';
import { lcgFloats } from '../helpers/random.js';
import { refAttention, type RefDims } from '../helpers/attention-ref.js';

function expectNear(a: Float32Array, e: Float64Array, what: string, rtol = 1e-4, atol = 2e-5): void {
  expect(a.length).toBe(e.length);
  for (let i = 0; i < e.length; i++) {
    const ok = Number.isNaN(e[i]) ? Number.isNaN(a[i]) : Math.abs(a[i] - e[i]) <= atol + rtol * Math.abs(e[i]);
    if (!ok) throw new Error(`${what}[${i}]: got ${a[i]}, expected ${e[i]}`);
  }
}

interface Run {
  out: Float32Array;
  lse: Float32Array;
  gradQ: Float32Array;
  gradK: Float32Array;
  gradV: Float32Array;
}

function run(s: RefDims, q: Float32Array, k: Float32Array, v: Float32Array, go: Float32Array): Run {
  const out = new Float32Array(s.batch * s.heads * s.lq * s.dv).fill(NaN);
  const lse = new Float32Array(s.batch * s.heads * s.lq).fill(NaN);
  ops.attentionForward(q, k, v, out, lse, s);
  const gradQ = new Float32Array(q.length).fill(NaN);
  const gradK = new Float32Array(k.length).fill(NaN);
  const gradV = new Float32Array(v.length).fill(NaN);
  ops.attentionBackward(q, k, v, out, lse, go, { gradQ, gradK, gradV }, s);
  return { out, lse, gradQ, gradK, gradV };
}

function inputs(s: RefDims, seed: number, qScale = 1) {
  const { batch: b, heads: h, lq, lk, d, dv } = s;
  return [lcgFloats(b * h * lq * d, seed, qScale), lcgFloats(b * h * lk * d, seed + 1), lcgFloats(b * h * lk * dv, seed + 2), lcgFloats(b * h * lq * dv, seed + 3)] as const;
}

function check(s: RefDims, seed: number, qScale = 1): Run {
  const [q, k, v, go] = inputs(s, seed, qScale);
  const r = run(s, q, k, v, go);
  const e = refAttention(s, q, k, v, go);
  expectNear(r.out, e.out, 'out');
  expectNear(r.gradQ, e.gradQ, 'gradQ');
  expectNear(r.gradK, e.gradK, 'gradK');
  expectNear(r.gradV, e.gradV, 'gradV');
  return r;
}

const base = { batch: 2, heads: 3, lq: 5, lk: 5, d: 4, dv: 4 };

describe.each(targets)('attention on $name', (t) => {
  useTarget(t);

  it.each([
    [1, 1, 1, 1, 1, 1],
    [2, 3, 5, 5, 4, 4],
    [1, 2, 3, 7, 8, 5],
    [1, 1, 17, 33, 16, 9],
    [2, 1, 31, 64, 32, 32],
    [1, 2, 65, 63, 64, 64],
    [1, 1, 70, 129, 7, 3],
  ])('plain [b %i, h %i, lq %i, lk %i, d %i, dv %i]', (batch, heads, lq, lk, d, dv) => {
    check({ batch, heads, lq, lk, d, dv }, batch * 100 + lq * 7 + lk);
  });

  it.each([1, 2, 15, 16, 17, 64, 65, 100])('causal, L = %i', (L) => {
    check({ batch: 1, heads: 2, lq: L, lk: L, d: 8, dv: 8, causal: true }, L);
  });

  it('additive mask with -Infinity, causal + mask, explicit scale, peaked scores', () => {
    const lq = 19;
    const lk = 23;
    const mask = lcgFloats(lq * lk, 77, 2);
    for (let i = 0; i < mask.length; i += 3) mask[i] = -Infinity;
    for (let i = 0; i < lq; i++) mask[i * lk + (i % lk)] = 0.5;
    check({ batch: 2, heads: 2, lq, lk, d: 6, dv: 5, mask }, 1);
    const sq = lcgFloats(21 * 21, 78);
    for (let i = 0; i < sq.length; i += 4) if (i % 22 !== 0) sq[i] = -Infinity;
    check({ batch: 1, heads: 3, lq: 21, lk: 21, d: 4, dv: 4, mask: sq, causal: true }, 2);
    check({ ...base, scale: 0.3 }, 3);
    check({ ...base, scale: -2 }, 4);
    check({ batch: 1, heads: 2, lq: 9, lk: 11, d: 4, dv: 3 }, 5, 6);
  });

  it('a fully masked row: NaN in out, lse and its gradQ row; NaN in all of gradK/gradV of every (batch, head)', () => {
    const s = { batch: 2, heads: 2, lq: 4, lk: 6, d: 3, dv: 2, mask: new Float32Array(24) };
    s.mask.fill(-Infinity, 12, 18);
    const [q, k, v, go] = inputs(s, 9);
    const r = run(s, q, k, v, go);
    const e = refAttention(s, q, k, v, go);
    for (let bh = 0; bh < 4; bh++) {
      for (let i = 0; i < 4; i++) {
        const row = bh * 4 + i;
        const nan = i === 2;
        expect(Number.isNaN(r.lse[row])).toBe(nan);
        for (let c = 0; c < 2; c++) expect(Number.isNaN(r.out[row * 2 + c])).toBe(nan);
        for (let c = 0; c < 3; c++) expect(Number.isNaN(r.gradQ[row * 3 + c])).toBe(nan);
      }
    }
    expect(r.gradK.every(Number.isNaN)).toBe(true);
    expect(r.gradV.every(Number.isNaN)).toBe(true);
    expectNear(r.out, e.out, 'out');
    expectNear(r.gradQ, e.gradQ, 'gradQ');
  });

  it('lk = 1 gives out = v and zero gradQ/gradK; lk = 0 gives out = 0; lq = 0 and batch = 0 are empty', () => {
    const r = check({ batch: 2, heads: 2, lq: 3, lk: 1, d: 4, dv: 4 }, 10);
    // exactly 0 in exact arithmetic (P = 1, dP = D); float32 products leave rounding-size residues
    expect(r.gradQ.every((x) => Math.abs(x) <= 1e-6)).toBe(true);
    expect(r.gradK.every((x) => Math.abs(x) <= 1e-6)).toBe(true);
    const s0 = { batch: 1, heads: 2, lq: 3, lk: 0, d: 4, dv: 2 };
    const z = run(s0, lcgFloats(24, 1), new Float32Array(0), new Float32Array(0), lcgFloats(12, 2));
    expect(Array.from(z.out)).toEqual(new Array(12).fill(0));
    expect(Array.from(z.lse)).toEqual(new Array(6).fill(-Infinity));
    expect(Array.from(z.gradQ)).toEqual(new Array(24).fill(0));
    const e = run({ batch: 1, heads: 1, lq: 0, lk: 3, d: 2, dv: 2 }, new Float32Array(0), lcgFloats(6, 3), lcgFloats(6, 4), new Float32Array(0));
    expect(Array.from(e.gradK)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(e.gradV)).toEqual([0, 0, 0, 0, 0, 0]);
    run({ batch: 0, heads: 4, lq: 3, lk: 3, d: 2, dv: 2 }, new Float32Array(0), new Float32Array(0), new Float32Array(0), new Float32Array(0));
  });

  it('null gradients are skipped; the others are the same', () => {
    const [q, k, v, go] = inputs(base, 12);
    const r = run(base, q, k, v, go);
    const gradK = new Float32Array(k.length);
    ops.attentionBackward(q, k, v, r.out, r.lse, go, { gradK, gradQ: null }, base);
    expect(gradK).toEqual(r.gradK);
  });

  it('async forms give the sync results', async () => {
    const s = { batch: 2, heads: 2, lq: 33, lk: 40, d: 16, dv: 8, causal: false };
    const [q, k, v, go] = inputs(s, 13);
    const r = run(s, q, k, v, go);
    const out = new Float32Array(r.out.length);
    const lse = new Float32Array(r.lse.length);
    expect(await ops.attentionForwardAsync(q, k, v, out, lse, s)).toEqual(r.out);
    expect(lse).toEqual(r.lse);
    const g = { gradQ: new Float32Array(q.length), gradK: new Float32Array(k.length), gradV: new Float32Array(v.length) };
    await ops.attentionBackwardAsync(q, k, v, out, lse, go, g, s);
    expect(g.gradQ).toEqual(r.gradQ);
    expect(g.gradK).toEqual(r.gradK);
    expect(g.gradV).toEqual(r.gradV);
  });
});

describe('attention argument errors', () => {
  const f = (n: number) => new Float32Array(n);
  const s = { batch: 1, heads: 2, lq: 3, lk: 4, d: 2, dv: 5 };
  const [Q, K, V, O, L] = [12, 16, 40, 30, 6];
  it('lengths name the argument and its shape', () => {
    expect(() => ops.attentionForward(f(11), f(K), f(V), f(O), f(L), s)).toThrow(/q: expected 12 elements \(\[batch 1, heads 2, lq 3, d 2\]\)/);
    expect(() => ops.attentionForward(f(Q), f(15), f(V), f(O), f(L), s)).toThrow(/k: expected 16 elements \(\[batch 1, heads 2, lk 4, d 2\]\)/);
    expect(() => ops.attentionForward(f(Q), f(K), f(41), f(O), f(L), s)).toThrow(/v: expected 40 elements/);
    expect(() => ops.attentionForward(f(Q), f(K), f(V), f(29), f(L), s)).toThrow(/out: expected 30 elements/);
    expect(() => ops.attentionForward(f(Q), f(K), f(V), f(O), f(7), s)).toThrow(/lse: expected 6 elements \(\[batch 1, heads 2, lq 3\]\)/);
    expect(() => ops.attentionBackward(f(Q), f(K), f(V), f(O), f(L), f(31), {}, s)).toThrow(/gradOut: expected 30 elements/);
    expect(() => ops.attentionBackward(f(Q), f(K), f(V), f(O), f(L), f(O), { gradQ: f(13) }, s)).toThrow(/grads.gradQ: expected 12 elements/);
    expect(() => ops.attentionBackward(f(Q), f(K), f(V), f(O), f(L), f(O), { gradK: f(1) }, s)).toThrow(/grads.gradK: expected 16/);
    expect(() => ops.attentionBackward(f(Q), f(K), f(V), f(O), f(L), f(O), { gradV: f(1) }, s)).toThrow(/grads.gradV: expected 40/);
  });
  it('a mask of the wrong shape, causal with lq != lk, bad scale and dims', () => {
    expect(() => ops.attentionForward(f(Q), f(K), f(V), f(O), f(L), { ...s, mask: f(13) })).toThrow(/options.mask: expected 12 elements \(\[lq 3, lk 4\]\)/);
    expect(() => ops.attentionForward(f(Q), f(K), f(V), f(O), f(L), { ...s, mask: new Float64Array(12) as unknown as Float32Array })).toThrow(TypeError);
    expect(() => ops.attentionForward(f(Q), f(K), f(V), f(O), f(L), { ...s, causal: true })).toThrow(/options.causal: expected false when lq 3 != lk 4/);
    expect(() => ops.attentionForward(f(Q), f(K), f(V), f(O), f(L), { ...s, causal: 1 as unknown as boolean })).toThrow(/options.causal: expected a boolean/);
    expect(() => ops.attentionForward(f(Q), f(K), f(V), f(O), f(L), { ...s, scale: Infinity })).toThrow(/options.scale/);
    expect(() => ops.attentionForward(f(Q), f(K), f(V), f(O), f(L), { ...s, scale: NaN })).toThrow(RangeError);
    expect(() => ops.attentionForward(f(0), f(0), f(V), f(O), f(L), { ...s, d: 0 })).toThrow(/options.d: expected an integer >= 1/);
    expect(() => ops.attentionForward(f(Q), f(K), f(V), f(O), f(L), { ...s, heads: 2.5 })).toThrow(/options.heads/);
    expect(() => ops.attentionForward(f(Q), f(K), f(V), f(O), f(L), { ...s, dropout: 0 } as never)).toThrow(/dropout is not an option/);
    expect(() => ops.attentionBackward(f(Q), f(K), f(V), f(O), f(L), f(O), { gradX: f(1) } as never, s)).toThrow(/gradX is not an option/);
  });
  it('types and overlaps', () => {
    expect(() => ops.attentionForward([0] as unknown as Float32Array, f(K), f(V), f(O), f(L), s)).toThrow(/q: expected a Float32Array/);
    const b = f(100);
    expect(() => ops.attentionForward(b.subarray(0, Q), f(K), f(V), b.subarray(10, 40), f(L), s)).toThrow(/out: expected an array that shares no memory with q/);
    expect(() => ops.attentionForward(f(Q), f(K), f(V), b.subarray(0, O), b.subarray(29, 35), s)).toThrow(/out.*lse/);
    const g = f(Q);
    expect(() => ops.attentionBackward(f(Q), f(K), f(V), f(O), f(L), f(O), { gradQ: g, gradK: f(K) }, { ...s })).not.toThrow();
    expect(() => ops.attentionBackward(g, f(K), f(V), f(O), f(L), f(O), { gradQ: g }, s)).toThrow(/grads.gradQ: expected an array that shares no memory with q/);
  });
});
