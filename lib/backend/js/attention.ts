/**
 * The pure-TS scaled dot-product attention, the reference of native/kernels/attention/. One query row at
 * a time with one scores row of lk values in float64 (memory linear in L, no L×L matrix): the forward
 * saves the row log-sum-exp `lse`, the backward recomputes P = e^{s − lse} from q and k.
 * Masked entries (causal j > i, or a -Infinity mask value) are -∞ without reading q·k and add nothing.
 * A row with every entry masked gives NaN in out and lse (PyTorch 1.13: softmax of all −∞ is NaN); the
 * backward then gives NaN in that row of gradQ and in all of gradK and gradV of its (batch, head), as
 * PyTorch's P = NaN row does (the same happens for a NaN score). lk = 0 gives out = 0 and lse = −∞.
 */
import type { AttentionBackwardArgs, AttentionDims, AttentionForwardArgs } from '../ops-types.js';

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
