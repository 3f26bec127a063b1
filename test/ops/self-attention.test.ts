// ops.selfAttentionForward/Backward (attention read from and written to PyTorch's packed projection
// rows through the kernel's strides) against the heads split out by hand and run through
// ops.attentionForward/Backward: bit-identical on every backend and ISA, over block edges, causal,
// masks with -inf, a fully masked row (NaN), L = 1; finite differences of the packed backward;
// 1/2/3 threads bit-identical; async = sync; every argument error named before anything is written;
// and the glue's own length checks.
import { describe, expect, it } from 'vitest';
import { loadAddon } from '../../lib/binding.js';
import { getNumThreads, nativeAvailable, ops, setNumThreads, useBackend, type ops as Ops } from '../../lib/index.js';
import { centralDiff, expectGradClose } from '../helpers/gradcheck.js';
import { refAttention } from '../helpers/attention-ref.js';
import { resizableF32 } from '../helpers/buffers.js';
import { lcgFloats } from '../helpers/random.js';
import { targets, useTarget } from '../helpers/targets.js';

type Opts = Ops.SelfAttentionOptions;

/** [L, B, parts·H·hd] rows → [B, H, L, hd] of one part (returns t), or back into rows (returns rows) when `back`. */
function heads(o: Opts, rows: Float32Array, parts: number, part: number, t: Float32Array, back = false): Float32Array {
  const { seqLen: L, batch: B, heads: H, headDim: hd } = o;
  for (let l = 0; l < L; l++) for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) {
    const r = (l * B + b) * parts * H * hd + (part * H + h) * hd;
    const s = ((b * H + h) * L + l) * hd;
    for (let c = 0; c < hd; c++) {
      if (back) rows[r + c] = t[s + c];
      else t[s + c] = rows[r + c];
    }
  }
  return back ? rows : t;
}

interface Run {
  out: Float32Array;
  lse: Float32Array;
  gradQkv: Float32Array;
}

function packed(o: Opts, qkv: Float32Array, go: Float32Array): Run {
  const { seqLen: L, batch: B, heads: H, headDim: hd } = o;
  const out = new Float32Array(L * B * H * hd).fill(7);
  const lse = new Float32Array(B * H * L).fill(7);
  const gradQkv = new Float32Array(qkv.length).fill(7);
  ops.selfAttentionForward(qkv, out, lse, o);
  ops.selfAttentionBackward(qkv, out, lse, go, gradQkv, o);
  return { out, lse, gradQkv };
}

function split(o: Opts, qkv: Float32Array, go: Float32Array): Run {
  const { seqLen: L, batch: B, heads: H, headDim: hd } = o;
  const n = L * B * H * hd;
  const [q, k, v] = [0, 1, 2].map((p) => heads(o, qkv, 3, p, new Float32Array(n)));
  const dims = { batch: B, heads: H, lq: L, lk: L, d: hd, dv: hd, causal: o.causal, mask: o.mask, scale: o.scale };
  const oh = new Float32Array(n), lse = new Float32Array(B * H * L);
  ops.attentionForward(q, k, v, oh, lse, dims);
  const g = { gradQ: new Float32Array(n), gradK: new Float32Array(n), gradV: new Float32Array(n) };
  ops.attentionBackward(q, k, v, oh, lse, heads(o, go, 1, 0, new Float32Array(n)), g, dims);
  const out = heads(o, new Float32Array(n), 1, 0, oh, true);
  const gradQkv = new Float32Array(qkv.length);
  [g.gradQ, g.gradK, g.gradV].forEach((t, p) => heads(o, gradQkv, 3, p, t, true));
  return { out, lse, gradQkv };
}

const bitsEqual = (a: Float32Array, b: Float32Array): boolean => Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

function data(o: Opts, seed: number): [Float32Array, Float32Array] {
  const E = o.heads * o.headDim;
  return [lcgFloats(o.seqLen * o.batch * 3 * E, seed, 2), lcgFloats(o.seqLen * o.batch * E, seed + 1)];
}

const maskOf = (L: number, seed: number): Float32Array => {
  const m = lcgFloats(L * L, seed, 2);
  for (let i = 0; i < m.length; i += 5) m[i] = -Infinity;
  for (let i = 0; i < L; i++) m[i * L + i] = 0; // no row fully masked
  return m;
};

const SHAPES: [string, Opts][] = [
  ['L 1', { seqLen: 1, batch: 2, heads: 2, headDim: 3 }],
  ['odd sizes', { seqLen: 7, batch: 3, heads: 3, headDim: 5 }],
  ['causal, across the 64-row block', { seqLen: 65, batch: 2, heads: 2, headDim: 16, causal: true }],
  ['mask and scale', { seqLen: 9, batch: 2, heads: 1, headDim: 8, mask: maskOf(9, 3), scale: 0.4 }],
  ['causal + mask, two key blocks', { seqLen: 130, batch: 1, heads: 2, headDim: 8, causal: true, mask: maskOf(130, 4) }],
];

describe.each(targets)('ops.selfAttention on $name', (t) => {
  useTarget(t);

  it.each(SHAPES)('%s: the same bits as the heads split out and run through attentionForward/Backward', (_, o) => {
    const [qkv, go] = data(o, 11);
    const a = packed(o, qkv, go);
    const b = split(o, qkv, go);
    expect(bitsEqual(a.out, b.out)).toBe(true);
    expect(bitsEqual(a.lse, b.lse)).toBe(true);
    expect(bitsEqual(a.gradQkv, b.gradQkv)).toBe(true);
  });

  it('a fully masked row: NaN in its output row and lse, and in its head gradients as attentionBackward', () => {
    const o: Opts = { seqLen: 5, batch: 2, heads: 2, headDim: 3, mask: maskOf(5, 6) };
    o.mask!.fill(-Infinity, 2 * 5, 3 * 5);
    const [qkv, go] = data(o, 21);
    const a = packed(o, qkv, go);
    const b = split(o, qkv, go);
    const E = 6;
    for (let b0 = 0; b0 < 2; b0++) expect(a.out.subarray((2 * 2 + b0) * E, (2 * 2 + b0 + 1) * E).every(Number.isNaN)).toBe(true);
    expect(a.out.subarray(0, 2 * E).some(Number.isNaN)).toBe(false);
    expect(bitsEqual(a.gradQkv, b.gradQkv)).toBe(true);
  });

  it('the backward matches finite differences of a float64 reference', () => {
    const o: Opts = { seqLen: 4, batch: 2, heads: 2, headDim: 3, causal: true };
    const [qkv, go] = data(o, 31);
    const { gradQkv } = packed(o, qkv, go);
    const n = o.seqLen * o.batch * o.heads * o.headDim;
    const loss = (x: Float64Array): number => {
      const f = Float32Array.from(x); // the reference reads heads from float32 rows; x's perturbation is exact at h = 2^-10
      const [q, k, v] = [0, 1, 2].map((p) => heads(o, f, 3, p, new Float32Array(n)));
      const s = { batch: o.batch, heads: o.heads, lq: o.seqLen, lk: o.seqLen, d: o.headDim, dv: o.headDim, causal: true };
      const out = refAttention(s, q, k, v, new Float32Array(n)).out;
      const gh = heads(o, go, 1, 0, new Float32Array(n));
      let L = 0;
      for (let i = 0; i < n; i++) L += out[i] * gh[i];
      return L;
    };
    const x = Float64Array.from(qkv);
    expectGradClose(gradQkv, centralDiff(() => loss(x), x, 2 ** -10), 'gradQkv', { rel: 2e-3, floor: 1e-3 });
  });
});

describe('ops.selfAttention: threads, async and arguments', () => {
  const o: Opts = { seqLen: 97, batch: 3, heads: 2, headDim: 16, causal: true, mask: maskOf(97, 8) };
  const [qkv, go] = data(o, 41);

  it('gives the same bits on 1, 2 and 3 threads', () => {
    if (!nativeAvailable()) return;
    useBackend('native');
    const saved = getNumThreads();
    setNumThreads(1);
    const one = packed(o, qkv, go);
    for (const n of [2, 3]) {
      setNumThreads(n);
      const many = packed(o, qkv, go);
      expect(bitsEqual(one.out, many.out) && bitsEqual(one.lse, many.lse) && bitsEqual(one.gradQkv, many.gradQkv), `${n} threads`).toBe(true);
    }
    setNumThreads(saved);
  });

  it('the async forms give the sync results and refuse resizable buffers', async () => {
    const sync = packed(o, qkv, go);
    const out = new Float32Array(sync.out.length), lse = new Float32Array(sync.lse.length), g = new Float32Array(qkv.length);
    await ops.selfAttentionForwardAsync(qkv, out, lse, o);
    await ops.selfAttentionBackwardAsync(qkv, out, lse, go, g, o);
    expect(bitsEqual(out, sync.out) && bitsEqual(lse, sync.lse) && bitsEqual(g, sync.gradQkv)).toBe(true);
    await expect(ops.selfAttentionForwardAsync(qkv, resizableF32(out.length), lse, o)).rejects.toThrow(TypeError);
  });

  it('refuses bad arguments, naming them, before writing anything', () => {
    const s: Opts = { seqLen: 3, batch: 2, heads: 2, headDim: 2 };
    const q = lcgFloats(3 * 2 * 12, 1), out = new Float32Array(3 * 2 * 4).fill(5), lse = new Float32Array(12).fill(5), g = new Float32Array(q.length).fill(5);
    const fwd = (x: Record<string, unknown>, a: Float32Array = q, b: Float32Array = out, c: Float32Array = lse) => () => ops.selfAttentionForward(a, b, c, { ...s, ...x } as Opts);
    expect(fwd({}, q.subarray(1))).toThrow(/qkv.*72/);
    expect(fwd({}, q, out.subarray(1))).toThrow(/out.*24/);
    expect(fwd({}, q, out, lse.subarray(1))).toThrow(/lse.*12/);
    expect(fwd({ mask: new Float32Array(8) })).toThrow(/options\.mask.*\[seqLen 3, seqLen 3\]/);
    expect(fwd({ headDim: 0 })).toThrow(RangeError);
    expect(fwd({ scale: Infinity })).toThrow(/options\.scale/);
    expect(fwd({ heads: 2.5 })).toThrow(/options\.heads/);
    expect(fwd({ dropout: 0.1 })).toThrow(TypeError);
    expect(fwd({}, q, q.subarray(0, 24))).toThrow(/out.*qkv|qkv.*out/);
    expect(() => ops.selfAttentionForward(new Float64Array(72) as unknown as Float32Array, out, lse, s)).toThrow(TypeError);
    expect(() => ops.selfAttentionBackward(q, out, lse, out.subarray(1), g, s)).toThrow(/gradOut/);
    expect(() => ops.selfAttentionBackward(q, out, lse, out, g.subarray(1), s)).toThrow(/gradQkv/);
    expect(() => ops.selfAttentionBackward(q, out, lse, out, q, s)).toThrow(/gradQkv/);
    expect(out.every((x) => x === 5) && lse.every((x) => x === 5) && g.every((x) => x === 5)).toBe(true);
  });

  it('the native glue re-checks every length itself', () => {
    if (!nativeAvailable()) return;
    const a = loadAddon();
    const f = (n: number) => new Float32Array(n);
    // seqLen 3, batch 2, heads 2, headDim 2: qkv 72, out 24, lse 12, mask 9
    expect(() => a.selfAttentionForward(f(71), f(24), f(12), 3, 2, 2, 2, false, null, 0.5)).toThrow(/qkv must have 72 elements/);
    expect(() => a.selfAttentionForward(f(72), f(23), f(12), 3, 2, 2, 2, false, null, 0.5)).toThrow(/out must have 24/);
    expect(() => a.selfAttentionForward(f(72), f(24), f(11), 3, 2, 2, 2, false, null, 0.5)).toThrow(/lse must have 12/);
    expect(() => a.selfAttentionForward(f(72), f(24), f(12), 3, 2, 2, 2, false, f(8), 0.5)).toThrow(/mask must have 9/);
    expect(() => a.selfAttentionForward(f(72), f(24), f(12), 3, 2, 2, 2, false, null, NaN)).toThrow(/scale/);
    expect(() => a.selfAttentionBackward(f(72), f(24), f(12), f(24), f(71), 3, 2, 2, 2, false, null, 0.5)).toThrow(/gradQkv must have 72/);
    expect(() => a.selfAttentionBackwardAsync(f(72), f(24), f(12), f(23), f(72), 3, 2, 2, 2, false, null, 0.5)).toThrow(/gradOut/);
    expect(() => a.selfAttentionForward(f(0), f(0), f(0), 2 ** 40, 2 ** 40, 2 ** 40, 2, false, null, 0.5)).toThrow(RangeError);
  });
});
