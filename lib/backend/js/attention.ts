/**
 * The pure-TS scaled dot-product attention, the reference of native/kernels/attention/. One query row at
 * a time with one scores row of lk values in float64 (memory linear in L, no L×L matrix): the forward
 * saves the row log-sum-exp `lse`, the backward recomputes P = e^{s − lse} from q and k.
 * Masked entries (causal j > i, or a -Infinity mask value) are -∞ without reading q·k and add nothing.
 * A row with every entry masked gives NaN in out and lse (PyTorch 1.13: softmax of all −∞ is NaN); the
 * backward then gives NaN in that row of gradQ and in all of gradK and gradV of its (batch, head), as
 * PyTorch's P = NaN row does (the same happens for a NaN score). lk = 0 gives out = 0 and lse = −∞.
 */
import type { AttentionBackwardArgs, AttentionDims, AttentionForwardArgs, SelfAttentionBackwardArgs, SelfAttentionDims, SelfAttentionForwardArgs } from '../ops-types.js';

/** Scores of query row i against every key (float64): scale·q_i·k_j + mask[i, j], −∞ where masked. */
function scoresRow(a: AttentionDims, q: Float32Array, qo: number, k: Float32Array, ko: number, i: number, s: Float64Array): void {
  const { lk, d, causal, mask, scale } = a;
  for (let j = 0; j < lk; j++) {
    const mv = mask ? mask[i * lk + j] : 0;
    if ((causal && j > i) || mv === -Infinity) {
      s[j] = -Infinity;
      continue;
    }
    let dot = 0;
    const kj = ko + j * d;
    for (let c = 0; c < d; c++) dot += q[qo + c] * k[kj + c];
    s[j] = dot * scale + mv;
  }
}

export function attentionForward(a: AttentionForwardArgs): void {
  const { batch, heads, lq, lk, d, dv, q, k, v, out, lse } = a;
  const s = new Float64Array(lk);
  const acc = new Float64Array(dv);
  for (let bh = 0; bh < batch * heads; bh++) {
    const ko = bh * lk * d;
    const vo = bh * lk * dv;
    for (let i = 0; i < lq; i++) {
      const row = bh * lq + i;
      scoresRow(a, q, row * d, k, ko, i, s);
      let m = -Infinity;
      for (let j = 0; j < lk; j++) if (s[j] > m) m = s[j];
      const oo = row * dv;
      if (m === -Infinity) {
        // lk = 0: an empty P·v is 0 (PyTorch); every entry masked: −∞ − (−∞) = NaN in PyTorch
        out.fill(lk === 0 ? 0 : NaN, oo, oo + dv);
        lse[row] = lk === 0 ? -Infinity : NaN;
        continue;
      }
      acc.fill(0);
      let l = 0;
      for (let j = 0; j < lk; j++) {
        if (s[j] === -Infinity) continue;
        const p = Math.exp(s[j] - m);
        l += p;
        const vj = vo + j * dv;
        for (let c = 0; c < dv; c++) acc[c] += p * v[vj + c];
      }
      for (let c = 0; c < dv; c++) out[oo + c] = acc[c] / l;
      lse[row] = m + Math.log(l);
    }
  }
}

export function attentionBackward(a: AttentionBackwardArgs): void {
  const { batch, heads, lq, lk, d, dv, scale, q, k, v, out, lse, gradOut: go, gradQ, gradK, gradV } = a;
  const s = new Float64Array(lk);
  const gq = new Float64Array(d);
  const gk = new Float64Array(lk * d);
  const gv = new Float64Array(lk * dv);
  for (let bh = 0; bh < batch * heads; bh++) {
    const ko = bh * lk * d;
    const vo = bh * lk * dv;
    gk.fill(0);
    gv.fill(0);
    let nanRow = false;
    for (let i = 0; i < lq; i++) {
      const row = bh * lq + i;
      const qo = row * d;
      const oo = row * dv;
      const L = lse[row];
      if (L !== L) {
        nanRow = true;
        if (gradQ) gradQ.fill(NaN, qo, qo + d);
        continue;
      }
      scoresRow(a, q, qo, k, ko, i, s);
      let D = 0;
      for (let c = 0; c < dv; c++) D += go[oo + c] * out[oo + c];
      gq.fill(0);
      for (let j = 0; j < lk; j++) {
        if (s[j] === -Infinity) continue;
        const p = Math.exp(s[j] - L);
        const vj = vo + j * dv;
        let dp = 0;
        for (let c = 0; c < dv; c++) {
          dp += go[oo + c] * v[vj + c];
          gv[j * dv + c] += p * go[oo + c];
        }
        const ds = p * (dp - D) * scale;
        const kj = ko + j * d;
        for (let c = 0; c < d; c++) {
          gq[c] += ds * k[kj + c];
          gk[j * d + c] += ds * q[qo + c];
        }
      }
      if (gradQ) for (let c = 0; c < d; c++) gradQ[qo + c] = gq[c];
    }
    if (nanRow) {
      // PyTorch's NaN P row reaches every key and value of this (batch, head)
      gk.fill(NaN);
      gv.fill(NaN);
    }
    if (gradK) gradK.set(gk, ko);
    if (gradV) gradV.set(gv, vo);
  }
}

/** The [batch, heads, L, headDim] attention dims of a self-attention call. */
function headDims(a: SelfAttentionDims): AttentionDims {
  const { seqLen: L, batch, heads, headDim, causal, mask, scale } = a;
  return { batch, heads, lq: L, lk: L, d: headDim, dv: headDim, causal, mask, scale };
}

/**
 * Copies between PyTorch's packed rows [L, batch, stride] (head h of part `part` at features
 * part·heads·headDim + h·headDim) and a contiguous [batch, heads, L, headDim] tensor t: toHeads
 * reads the rows into t, otherwise t is written into the rows.
 */
function relayout(a: SelfAttentionDims, rows: Float32Array, stride: number, part: number, t: Float32Array, toHeads: boolean): void {
  const { seqLen: L, batch: B, heads: H, headDim: hd } = a;
  for (let l = 0; l < L; l++) {
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        const r = (l * B + b) * stride + (part * H + h) * hd;
        const o = ((b * H + h) * L + l) * hd;
        for (let c = 0; c < hd; c++) {
          if (toHeads) t[o + c] = rows[r + c];
          else rows[r + c] = t[o + c];
        }
      }
    }
  }
}

/** Self-attention on packed projections: the heads are copied out, attended as {@link attentionForward}, and merged back. */
export function selfAttentionForward(a: SelfAttentionForwardArgs): void {
  const n = a.seqLen * a.batch * a.heads * a.headDim, E3 = 3 * a.heads * a.headDim;
  const [q, k, v, o] = [0, 1, 2, 3].map(() => new Float32Array(n));
  [q, k, v].forEach((t, part) => relayout(a, a.qkv, E3, part, t, true));
  attentionForward({ ...headDims(a), q, k, v, out: o, lse: a.lse });
  relayout(a, a.out, E3 / 3, 0, o, false);
}

/** Self-attention backward on packed projections, through {@link attentionBackward}; gradQkv overwritten. */
export function selfAttentionBackward(a: SelfAttentionBackwardArgs): void {
  const n = a.seqLen * a.batch * a.heads * a.headDim, E3 = 3 * a.heads * a.headDim;
  const [q, k, v, o, go, gradQ, gradK, gradV] = [0, 1, 2, 3, 4, 5, 6, 7].map(() => new Float32Array(n));
  [q, k, v].forEach((t, part) => relayout(a, a.qkv, E3, part, t, true));
  relayout(a, a.out, E3 / 3, 0, o, true);
  relayout(a, a.gradOut, E3 / 3, 0, go, true);
  attentionBackward({ ...headDims(a), q, k, v, out: o, lse: a.lse, gradOut: go, gradQ, gradK, gradV });
  [gradQ, gradK, gradV].forEach((t, part) => relayout(a, a.gradQkv, E3, part, t, false));
}
