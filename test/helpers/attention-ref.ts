// A naive float64 scaled dot-product attention, written out as PyTorch 1.13's sdpa golden cases are
// (full S matrix per (batch, head), softmax, P·v and the backward of ../shared/golden/README.md),
// for the attention tests to compare the fused op with.
export interface RefDims {
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

export interface RefResult {
  out: Float64Array;
  gradQ: Float64Array;
  gradK: Float64Array;
  gradV: Float64Array;
}

export function refAttention(s: RefDims, q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, go: ArrayLike<number>): RefResult {
  const { batch, heads, lq, lk, d, dv } = s;
  const scale = s.scale ?? 1 / Math.sqrt(d);
  const out = new Float64Array(batch * heads * lq * dv);
  const gradQ = new Float64Array(batch * heads * lq * d);
  const gradK = new Float64Array(batch * heads * lk * d);
  const gradV = new Float64Array(batch * heads * lk * dv);
  for (let bh = 0; bh < batch * heads; bh++) {
    const P = new Float64Array(lq * lk);
    for (let i = 0; i < lq; i++) {
      const S = new Float64Array(lk);
      for (let j = 0; j < lk; j++) {
        let dot = 0;
        for (let c = 0; c < d; c++) dot += q[(bh * lq + i) * d + c] * k[(bh * lk + j) * d + c];
        S[j] = dot * scale + (s.mask ? s.mask[i * lk + j] : 0);
        if (s.causal && j > i) S[j] = -Infinity;
      }
      let m = -Infinity;
      for (const x of S) m = Math.max(m, x);
      let z = 0;
      for (const x of S) z += Math.exp(x - m);
      for (let j = 0; j < lk; j++) P[i * lk + j] = Math.exp(S[j] - m) / z;
      for (let c = 0; c < dv; c++) {
        let o = 0;
        for (let j = 0; j < lk; j++) o += P[i * lk + j] * v[(bh * lk + j) * dv + c];
        out[(bh * lq + i) * dv + c] = o;
      }
    }
    for (let i = 0; i < lq; i++) {
      const dP = new Float64Array(lk);
      let D = 0;
      for (let j = 0; j < lk; j++) {
        for (let c = 0; c < dv; c++) dP[j] += go[(bh * lq + i) * dv + c] * v[(bh * lk + j) * dv + c];
        D += dP[j] * P[i * lk + j];
      }
      for (let j = 0; j < lk; j++) {
        const p = P[i * lk + j];
        const ds = p * (dP[j] - D) * scale;
        for (let c = 0; c < dv; c++) gradV[(bh * lk + j) * dv + c] += p * go[(bh * lq + i) * dv + c];
        for (let c = 0; c < d; c++) {
          gradQ[(bh * lq + i) * d + c] += ds * k[(bh * lk + j) * d + c];
          gradK[(bh * lk + j) * d + c] += ds * q[(bh * lq + i) * d + c];
        }
      }
    }
  }
  return { out, gradQ, gradK, gradV };
}
